/**
 * Literal container definitions: the objects of an L1 `CfnTaskDefinition.containerDefinitions`
 * (as written, or read by `CfnInclude` from a template) and of a task definition JSON in the ECS
 * API form. Both use the same camelCase names (`entryPoint`, `volumesFrom`, `dockerLabels`...),
 * so one reader and one writer serve the L1 adapter and the `enforce` command. Pure.
 *
 * Values may be CloudFormation tokens (an element of a list, a whole value); a list the
 * enforcement must extend or rewrite that is itself an intrinsic (a whole-list `Fn::If`, a `Ref`
 * to a list parameter), or a container that is itself an intrinsic, cannot be enforced safely:
 * the reader says what to change instead of guessing.
 */
import { Token } from 'aws-cdk-lib';
import { ContainerFate, ContainerModel, FoundDefaults, LABEL_EXCLUDED, LABEL_ROLE, PlanContext, ROLE_ENFORCER } from './model';
import { isImagePlaceholder, planTask } from './plan';
import { findImageDefaults, ImageDefaults } from '../image-defaults';

/** One literal container definition (camelCase, as L1 props and the ECS API write it). */
export type LiteralContainer = { [key: string]: any };

const isToken = (value: unknown) => value !== undefined && Token.isUnresolved(value);

function list(container: LiteralContainer, key: string, where: string): any[] | string {
  const value = container[key];
  if (value === undefined || value === null) return [];
  if (isToken(value) || !Array.isArray(value)) {
    return `${where}: '${key}' is ${describe(value)}, not a literal list, so the enforcement cannot merge into it; write '${key}' as a list of literal entries (each value may be an intrinsic)`;
  }
  const bad = value.findIndex(v => isToken(v) || v === null || typeof v !== 'object');
  if (bad >= 0) {
    return `${where}: '${key}'[${bad}] is ${describe(value[bad])}, not a literal entry; write each entry of '${key}' as an object (each value may be an intrinsic)`;
  }
  return value;
}

function describe(value: unknown): string {
  if (isToken(value)) return 'an intrinsic function (known only at deployment)';
  return JSON.stringify(value);
}

/**
 * Reads one literal container into the model, or says why it cannot be enforced.
 * `index` and `where` name it in messages (e.g. the task's path).
 */
export function readLiteralContainer(container: unknown, index: number, where: string): ContainerModel | string {
  if (isToken(container) || container === null || typeof container !== 'object' || Array.isArray(container)) {
    return `${where}: container definition ${index} is ${describe(container)}, not a literal container (for example an Fn::If around a whole container), so it cannot be protected; write the container literally and put the condition inside its values, or split the task definition per condition`;
  }
  const c = container as LiteralContainer;
  const name = c.name;
  if (typeof name !== 'string' || isToken(name)) {
    return `${where}: container definition ${index} has the name ${describe(name)}; give every container a literal name`;
  }
  const at = `${where}: container '${name}'`;
  const lists: { [key: string]: any[] } = {};
  for (const key of ['environment', 'secrets', 'volumesFrom', 'dependsOn', 'mountPoints']) {
    const read = list(c, key, at);
    if (typeof read === 'string') return read;
    lists[key] = read;
  }
  const labels = c.dockerLabels ?? {};
  if (isToken(labels) || typeof labels !== 'object' || Array.isArray(labels)) {
    return `${at}: 'dockerLabels' is ${describe(labels)}, not a literal map; write it as a map (each value may be an intrinsic)`;
  }
  const linux = c.linuxParameters;
  if (linux !== undefined && (isToken(linux) || typeof linux !== 'object')) {
    return `${at}: 'linuxParameters' is ${describe(linux)}, not a literal object; write it literally (each value may be an intrinsic)`;
  }
  const capabilities = linux?.capabilities;
  if (capabilities !== undefined && (isToken(capabilities) || typeof capabilities !== 'object' || isToken(capabilities.add))) {
    return `${at}: 'linuxParameters.capabilities' is ${describe(capabilities)}, not literal; write capabilities.add as a literal list`;
  }
  for (const key of ['entryPoint', 'command']) {
    if (c[key] !== undefined && !isToken(c[key]) && !Array.isArray(c[key])) {
      return `${at}: '${key}' must be a list of strings (one argv element each), got ${JSON.stringify(c[key])}`;
    }
  }
  if (c.image !== undefined && typeof c.image !== 'string') {
    return `${at}: 'image' must be a string, got ${JSON.stringify(c.image)}`;
  }
  return {
    name,
    image: c.image ?? '',
    entryPoint: c.entryPoint,
    command: c.command,
    environment: lists.environment.map(e => ({ name: e.name, value: e.value })),
    secrets: lists.secrets.map(s => ({ name: s.name, valueFrom: s.valueFrom })),
    volumesFrom: lists.volumesFrom.map(v => ({ sourceContainer: v.sourceContainer, readOnly: v.readOnly })),
    mountPoints: lists.mountPoints.map(m => ({ sourceVolume: m.sourceVolume, containerPath: m.containerPath, readOnly: m.readOnly })),
    dependsOn: lists.dependsOn.map(d => ({ containerName: d.containerName, condition: d.condition })),
    droppedCapabilities: capabilities?.drop,
    essential: c.essential,
    labels,
  };
}

/**
 * The container with its fate applied: a protected container rewritten and extended, an
 * excluded one labelled with its reason. Never mutates `container`.
 * `secretValueFrom` gives the `valueFrom` of an enforcer secret in the output's form.
 */
export function writeLiteralContainer(container: LiteralContainer, fate: ContainerFate,
  secretValueFrom: (name: string) => unknown): LiteralContainer {
  if (fate.kind === 'excluded') {
    return { ...container, dockerLabels: { ...container.dockerLabels, [LABEL_EXCLUDED]: fate.reason } };
  }
  if (fate.kind !== 'protected') return container;
  const p = fate.protection;
  const out: LiteralContainer = { ...container };
  if (p.entryPoint !== undefined) out.entryPoint = [...p.entryPoint];
  if (p.command !== undefined) out.command = [...p.command];
  if (p.volumesFrom) out.volumesFrom = [...(container.volumesFrom ?? []), { ...p.volumesFrom }];
  if (p.mountPoint) out.mountPoints = [...(container.mountPoints ?? []), { ...p.mountPoint }];
  if (p.dependsOn) out.dependsOn = [...(container.dependsOn ?? []), { ...p.dependsOn }];
  if (p.environment.length > 0) out.environment = [...(container.environment ?? []), ...p.environment.map(e => ({ name: e.name, value: e.value }))];
  if (p.secrets.length > 0) out.secrets = [...(container.secrets ?? []), ...p.secrets.map(name => ({ name, valueFrom: secretValueFrom(name) }))];
  if (p.capabilities.length > 0) {
    const linux = container.linuxParameters ?? {};
    const own: string[] = linux.capabilities?.add ?? [];
    out.linuxParameters = {
      ...linux,
      capabilities: { ...linux.capabilities, add: [...own, ...p.capabilities.filter(c => !own.includes(c))] },
    };
  }
  return out;
}

/** What enforcing a list of literal containers gives. */
export interface LiteralTaskResult {
  /** Errors, each naming the container and the fix; nothing is written when there is one. */
  readonly errors: string[];
  readonly warnings: ReadonlyArray<{ readonly id: string; readonly message: string }>;
  /** The task already has an enforcer sidecar (labelled): left as it is. */
  readonly alreadyEnforced: boolean;
  /** The containers with their fates applied (the sidecar not included). */
  readonly containers: LiteralContainer[];
  readonly protected: string[];
  readonly excluded: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

/**
 * Plans and applies the enforcement to a task's literal container definitions. `where` names the
 * task in messages; the sidecar itself is rendered by the caller (`sidecarSettings`).
 */
export function enforceLiteralContainers(definitions: unknown, ctx: PlanContext, where: string,
  secretValueFrom: (name: string) => unknown): LiteralTaskResult {
  const none = { warnings: [], alreadyEnforced: false, containers: [], protected: [], excluded: [] };
  if (isToken(definitions) || !Array.isArray(definitions)) {
    return { ...none, errors: [`${where}: ContainerDefinitions is ${describe(definitions)}, not a literal list, so its containers cannot be protected; write the list literally (put conditions inside the containers' values, or split the task definition per condition)`] };
  }
  const read = definitions.map((c, i) => readLiteralContainer(c, i, where));
  const problems = read.filter((r): r is string => typeof r === 'string');
  if (problems.length > 0) return { ...none, errors: problems };
  const models = read as ContainerModel[];
  if (models.some(m => m.labels[LABEL_ROLE] === ROLE_ENFORCER)) return { ...none, errors: [], alreadyEnforced: true };
  const sidecar: ContainerModel = {
    name: ctx.enforcer.containerName, image: '', environment: [], secrets: [], volumesFrom: [], mountPoints: [], dependsOn: [], labels: {}, isSidecar: true,
  };
  const plan = planTask([sidecar, ...models], ctx);
  if (plan.errors.length > 0) return { ...none, errors: plan.errors.map(e => (e.startsWith(where) ? e : `${where}: ${e}`)) };
  const fates = plan.containers.slice(1);
  return {
    errors: [],
    warnings: plan.warnings,
    alreadyEnforced: false,
    containers: definitions.map((c, i) => writeLiteralContainer(c as LiteralContainer, fates[i].fate, secretValueFrom)),
    protected: fates.filter(f => f.fate.kind === 'protected').map(f => f.name),
    excluded: fates.flatMap(f => (f.fate.kind === 'excluded' ? [{ name: f.name, reason: f.fate.reason }] : [])),
  };
}

/** Labels every literal container of an exempt task with the exemption's reason. */
export function labelExempt(definitions: unknown, reason: string): unknown {
  if (isToken(definitions) || !Array.isArray(definitions)) return definitions;
  return definitions.map(c => (isToken(c) || c === null || typeof c !== 'object' ? c
    : writeLiteralContainer(c, { kind: 'excluded', reason }, () => undefined)));
}

/**
 * The image-defaults finder of literal containers: declared by container name, by image name,
 * then the context by image name (an asset's Dockerfile is not known to a literal container).
 */
export function literalImageDefaults(declared: { [name: string]: ImageDefaults }, context: { [image: string]: unknown } | undefined) {
  return (model: ContainerModel): FoundDefaults | string | undefined => {
    const image = model.image !== '' && !Token.isUnresolved(model.image) && !isImagePlaceholder(model.image) ? model.image : undefined;
    const found = findImageDefaults(model.name, image, declared, context);
    if (found !== undefined) return found;
    return image !== undefined ? { defaults: {}, source: 'no source', lookupReference: image } : undefined;
  };
}
