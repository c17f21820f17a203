/**
 * The enforcement plan: pure functions on the neutral model (model.ts). Every entry point (the
 * subclass, the Aspect, L1 templates, the `enforce` command) decides each container's fate here,
 * and this is the only file that applies the argv rule (`wrapEntryCommand`).
 *
 * Phases: decide each container's fate (`planContainer`), then check the task as a whole
 * (`checkTask`); `planTask` does both for adapters that see the whole task at once.
 */
import { Token } from 'aws-cdk-lib';
import { deliveryRule } from './delivery';
import { ContainerFate, ContainerModel, LABEL_ROLE, MAX_CONTAINERS, PlanContext, ROLE_ENFORCER, TaskPlan } from './model';
import { Argv, ImageArgv, wrapEntryCommand } from '../entry-command';
import { IMAGE_DEFAULTS_CONTEXT_KEY, parseImageDefaults, platformMismatch } from '../image-defaults';
import { lookupCommand } from '../lookup/requests';

/** The id of the warning that an enforced task protects nothing. */
export const WARN_NOTHING_PROTECTED = 'cdk-enforced-fargate:nothingProtected';

/** The fate of one container. Errors are prefixed with the container's name. */
export function planContainer(container: ContainerModel, ctx: PlanContext): ContainerFate {
  const enforcer = ctx.enforcer;
  const name = container.name;
  if (container.isSidecar) return { kind: 'sidecar' };
  if (Object.prototype.hasOwnProperty.call(ctx.excluded, name)) return { kind: 'excluded', reason: ctx.excluded[name] };
  const fail = (message: string): ContainerFate => ({ kind: 'error', message: `container '${name}': ${message}` });
  if (name === enforcer.containerName) {
    return fail("has the enforcer sidecar's name; rename it, or give the enforcer another 'containerName'");
  }
  if (container.labels[LABEL_ROLE] === ROLE_ENFORCER) {
    return fail(`is labelled '${LABEL_ROLE}=${ROLE_ENFORCER}' but is not this task's enforcer sidecar; remove the label`);
  }

  // 1. The entry command. JS null (JSON, jsii languages) is "not set", as ECS reads it.
  const resolve = ctx.resolve ?? ((v: unknown) => v);
  const definition: { entryPoint?: string[]; command?: string[] } = { entryPoint: container.entryPoint ?? undefined, command: container.command ?? undefined };
  if (definition.entryPoint !== undefined) {
    if (Token.isUnresolved(definition.entryPoint)) {
      return fail(`entryPoint is a whole-list token (${JSON.stringify(definition.entryPoint)}) which cannot be prefixed with the enforcer binary; give entryPoint as a list of elements (each element may be a token)`);
    }
    if (definition.entryPoint.length === 0) {
      return fail("entryPoint is [] (empty), which ECS may pass as 'no ENTRYPOINT' or drop; leave entryPoint out, or give the program to run");
    }
    const listElement = definition.entryPoint.findIndex(isListToken);
    if (listElement >= 0) {
      return fail(`entryPoint[${listElement}] holds a list token (${JSON.stringify(definition.entryPoint[listElement])}), so the entry point's length is known only at deployment; give entryPoint as a list of elements (each element may be a token)`);
    }
    if (definition.entryPoint.every(e => notPlain(e) && mayBeNoValue(resolve(e)))) {
      return fail(`every element of entryPoint may resolve to AWS::NoValue, which would leave an empty entry point; make at least the program a plain element`);
    }
    // An element that is a token for the enforcer binary (or its fixed arguments) is the prefix:
    // compare resolved values, so that such an entry point is not wrapped a second time.
    const prefix = enforcer.prefix;
    const given = definition.entryPoint;
    if (given.length >= prefix.length && prefix.every((p, i) => given[i] === p || (notPlain(given[i]) && ctx.same(given[i], p)))) {
      definition.entryPoint = [...prefix, ...given.slice(prefix.length)];
    }
  } else if (definition.command !== undefined) {
    // With no entryPoint, an empty command means "the image's CMD" unwrapped, but "no CMD" once
    // the enforcer's entry point is written: a command whose length is known only at deployment
    // cannot be rewritten faithfully.
    if (Token.isUnresolved(definition.command) || definition.command.some(isListToken)) {
      return fail(`command is a list token (${JSON.stringify(definition.command)}), which may resolve to [] (then Docker would run the image's CMD, but under the enforcer's entry point no CMD at all); give command as a list of elements (each element may be a token), or give the container an explicit entryPoint`);
    }
    const vanishing = definition.command.findIndex(e => notPlain(e) && mayBeNoValue(resolve(e)));
    if (vanishing >= 0) {
      return fail(`command[${vanishing}] may resolve to AWS::NoValue (${ctx.show(definition.command[vanishing])}), which may leave command empty (then Docker would run the image's CMD, but under the enforcer's entry point no CMD at all); give command as plain elements, or give the container an explicit entryPoint`);
    }
  }
  let image: ImageArgv = {};
  let source = '';
  let lookupReference: string | undefined;
  if (definition.entryPoint === undefined) {
    const found = ctx.imageDefaultsOf(container);
    if (typeof found === 'string') return fail(found);
    if (found) {
      // An entry `lookup` read for another architecture may hold another ENTRYPOINT/CMD.
      const mismatch = found.imageName !== undefined
        ? platformMismatch(found.platform, ctx.lookupPlatform, found.imageName, lookupCommand(ctx.lookupPlatform, found.imageName))
        : undefined;
      if (mismatch !== undefined) return fail(mismatch);
      lookupReference = found.lookupReference;
      image = found.defaults;
      source = found.source;
      if (image.entryPoint !== undefined && Token.isUnresolved(image.entryPoint)) {
        return fail(`the image ENTRYPOINT from ${source} is a whole-list token, which cannot be prefixed with the enforcer binary; give it as a list of elements`);
      }
    }
  }
  const result = wrapEntryCommand(definition, enforcer.prefix, image);
  if (result.kind === 'missing' && container.addedBy !== undefined && source === '') {
    return fail(`is ${container.addedBy}, and the ENTRYPOINT and CMD of its image (${Token.isUnresolved(container.image) ? "aws-cdk-lib's default, named by an SSM parameter and known only at deployment" : container.image}) are unknown, so it cannot be started under the enforcer. ` +
      `Either exclude it with excludedContainers: ['${name}'] (it then runs unprotected, as aws-cdk-lib configures it), ` +
      `or declare its image's defaults with imageDefaults: { '${name}': { entryPoint: [...], command: [...] } } (entryPoint: [] if the image has no ENTRYPOINT), ` +
      'or add a log router of your own with addFirelensLogRouter()');
  }
  if (result.kind === 'missing') {
    return fail(missingDefaultsMessage(container, result.missing, definition, source, lookupReference, ctx.lookupPlatform));
  }
  if (result.kind === 'nothing') {
    return fail(`names no program: it sets neither entryPoint nor command and ${source} declares an image with no ENTRYPOINT and no CMD, so Docker would refuse to start it; give the container a command, or correct the declaration`);
  }
  const entryPoint = !result.alreadyWrapped || definition.entryPoint === undefined ? result.definition.entryPoint : undefined;
  const command = result.definition.command !== undefined && (definition.command === undefined || definition.command.length === 0)
    ? result.definition.command : undefined;

  // 2. How the enforcer's files reach the container, and the dependency on the sidecar.
  const shadow = shadowingMount(container, enforcer.binaryPath, resolve);
  if (shadow !== undefined) return fail(shadow);
  const mount = deliveryRule(enforcer.delivery).mount(container, enforcer);
  if (typeof mount === 'string') return fail(mount);
  const existingDependency = container.dependsOn.find(d => d.containerName === enforcer.containerName);
  const existingCondition = existingDependency?.condition ?? 'HEALTHY';
  if (existingDependency && existingCondition !== enforcer.dependencyCondition) {
    return fail(`already depends on '${enforcer.containerName}' with condition ${existingCondition}, but the enforcer is configured with ${enforcer.dependencyCondition}; remove that dependency and let the enforcement add it`);
  }

  // 3. Environment and secrets: merged; a clash with a different value is an error.
  const env = new Map(container.environment.map(kv => [kv.name, kv.value]));
  const secrets = new Map(container.secrets.map(s => [s.name, s.valueFrom]));
  for (const [key, value] of Object.entries(enforcer.environment)) {
    if (secrets.has(key)) return fail(`sets '${key}' as a secret, but the enforcer sets it as a plain variable; remove it from the container`);
    // Several entries of one name: each must be the enforcer's value (which one wins is ECS's choice).
    const other = container.environment.find(kv => kv.name === key && !ctx.same(kv.value, value));
    if (other) {
      return fail(`sets environment '${key}' to ${ctx.show(other.value)}, but the enforcer needs ${JSON.stringify(value)}; remove it from the container or give the same value`);
    }
    if (env.has(key) && !ctx.same(env.get(key), value)) {
      return fail(`sets environment '${key}' to ${ctx.show(env.get(key))}, but the enforcer needs ${JSON.stringify(value)}; remove it from the container or give the same value`);
    }
  }
  for (const [key, valueFrom] of Object.entries(enforcer.secrets)) {
    if (env.has(key)) return fail(`sets '${key}' as a plain variable, but the enforcer needs it as a secret; remove it from the container's environment`);
    if (container.secrets.some(s => s.name === key && !ctx.same(s.valueFrom, valueFrom))) {
      return fail(`sets secret '${key}' from a different source than the enforcer's; remove it from the container or use the same secret`);
    }
    if (secrets.has(key) && !ctx.same(secrets.get(key), valueFrom)) {
      return fail(`sets secret '${key}' from a different source than the enforcer's; remove it from the container or use the same secret`);
    }
  }

  // 4. Capabilities: the enforcer's must not be dropped.
  if (enforcer.capabilities.length > 0) {
    const dropped = container.droppedCapabilities;
    const clash = enforcer.capabilities.filter(c => Array.isArray(dropped) && (dropped.includes(c) || dropped.includes('ALL')));
    if (clash.length > 0) return fail(`linuxParameters drops ${clash.join(', ')}, which the enforcer needs; stop dropping it`);
  }

  return {
    kind: 'protected',
    protection: {
      entryPoint,
      command,
      ...mount,
      dependsOn: existingDependency ? undefined : { containerName: enforcer.containerName, condition: enforcer.dependencyCondition },
      environment: Object.entries(enforcer.environment).filter(([k]) => !env.has(k)).map(([k, value]) => ({ name: k, value })),
      secrets: Object.keys(enforcer.secrets).filter(k => !secrets.has(k)),
      capabilities: [...enforcer.capabilities],
    },
  };
}

/** The task as a whole, for `checkTask`. */
export interface TaskShape {
  /** Every container name, in order, the sidecar and any pending log router included. */
  readonly names: string[];
  /** How many containers protect something (from the plans of the containers). */
  readonly protectedCount: number;
  /** Names of user containers that clash with the sidecar's, with where they come from. */
  readonly clashes?: ReadonlyArray<{ readonly name: string; readonly where: string }>;
  /** Where each container of `names` comes from (same order), for messages. */
  readonly origins?: string[];
}

/** Task-level checks: the container limit and excluded names that match nothing; the nothing-protected warning. */
export function checkTask(task: TaskShape, ctx: Pick<PlanContext, 'excluded'>): Pick<TaskPlan, 'errors' | 'warnings'> {
  const errors: string[] = [];
  for (const clash of task.clashes ?? []) {
    errors.push(`container '${clash.name}' (${clash.where}) has the enforcer sidecar's name; rename it, or give the enforcer another 'containerName'`);
  }
  const seen = new Map<string, number[]>();
  task.names.forEach((n, i) => seen.set(n, [...(seen.get(n) ?? []), i]));
  for (const [n, at] of seen) {
    if (at.length < 2) continue;
    const where = task.origins ? ` (${at.map(i => task.origins![i]).join(', ')})` : '';
    errors.push(`${at.length} containers are named '${n}'${where}; ECS requires unique container names, and the enforcer's volumesFrom, dependsOn and excludedContainers name containers; rename all but one`);
  }
  const count = task.names.length;
  if (count > MAX_CONTAINERS) {
    errors.push(`the task has ${count} containers (${task.names.join(', ')}), ` +
      `but ECS allows ${MAX_CONTAINERS} per task definition and the enforcer sidecar counts (and so does a FireLens log router); move containers to another task`);
  }
  for (const excluded of Object.keys(ctx.excluded)) {
    if (!task.names.includes(excluded)) {
      errors.push(`excludedContainers names '${excluded}', which matches no container of the task (containers: ${task.names.join(', ')}); fix the name or remove it`);
    }
  }
  const warnings = errors.length === 0 && task.protectedCount === 0
    ? [{ id: WARN_NOTHING_PROTECTED, message: 'This enforced task definition protects no container: every container is excluded or none was added. Add a container or remove it from excludedContainers.' }]
    : [];
  return { errors, warnings };
}

/** The plan of a whole task whose containers are all known at once (L1 templates, JSON). */
export function planTask(containers: ContainerModel[], ctx: PlanContext): TaskPlan {
  const planned = containers.map(c => ({ name: c.name, fate: c.name === ctx.enforcer.containerName && !c.isSidecar ? { kind: 'clash' as const } : planContainer(c, ctx) }));
  const fates = planned.filter(p => p.fate.kind !== 'clash') as { name: string; fate: ContainerFate }[];
  const task = checkTask({
    names: containers.map(c => c.name),
    protectedCount: fates.filter(p => p.fate.kind === 'protected').length,
    clashes: planned.filter(p => p.fate.kind === 'clash').map(p => ({ name: p.name, where: 'a container of the task' })),
  }, ctx);
  const containerErrors = fates.flatMap(p => (p.fate.kind === 'error' ? [p.fate.message] : []));
  return { containers: fates, errors: [...containerErrors, ...task.errors], warnings: task.warnings };
}

/** An image written as a placeholder a deployment tool fills in, such as CodeDeploy's `<IMAGE1_NAME>`. */
export function isImagePlaceholder(image: string): boolean {
  return /^<[^<>\s]+>$/.test(image);
}

function missingDefaultsMessage(container: ContainerModel, missing: string[], definition: Argv,
  source: string, lookupReference: string | undefined, platform: string): string {
  const name = container.name;
  const imageName = container.image;
  const what = missing.map(m => (m === 'entryPoint' ? 'ENTRYPOINT' : 'CMD')).join(' and ');
  const why = definition.command === undefined || definition.command.length === 0
    ? 'sets neither entryPoint nor command'
    : 'sets command but no entryPoint';
  const example = missing.includes('command')
    ? '{ entryPoint: [...], command: [...] }'
    : '{ entryPoint: [...] }';
  // Name the lookup command with the exact reference (for an asset image, the external
  // base its Dockerfile leaves ENTRYPOINT/CMD to); `lookup --from-synth` parses this sentence.
  const fromBase = lookupReference !== undefined && source.startsWith('Dockerfile ');
  const placeholder = isImagePlaceholder(imageName);
  const tokenImage = (Token.isUnresolved(imageName) || placeholder) && lookupReference === undefined;
  const which = fromBase
    ? `${source.split(',')[0]} leaves it to its base image '${lookupReference}', which has none declared`
    : tokenImage
      ? (placeholder
        ? `its image is the placeholder '${imageName}' (filled in at deployment, e.g. by CodeDeploy), so they must be declared by container name`
        : 'its image name is a token (known only at deployment), so they must be declared by container name')
      : `image '${imageName}' has none declared`;
  const imageKey = lookupReference ?? (Token.isUnresolved(imageName) || placeholder ? name : imageName);
  const lookup = lookupReference !== undefined
    ? `Read them from the registry with \`${lookupCommand(platform, lookupReference)}\` (it writes cdk.context.json), or declare them`
    : 'Declare them';
  return `${why}, so the image's own ${what} must be known to start it under the enforcer, and ${which}. ` +
    `${lookup} with imageDefaults: { '${imageKey}': ${example} } (entryPoint: [] if the image has no ENTRYPOINT)` +
    (tokenImage ? '' : `, or in the context key '${IMAGE_DEFAULTS_CONTEXT_KEY}'`) +
    ', or give the container an explicit entryPoint';
}

/** The task-wide settings the enforcement needs, in ECS's names. */
export interface TaskSettings {
  /** e.g. LINUX, WINDOWS_SERVER_2022_CORE; undefined: Linux. */
  readonly operatingSystemFamily?: string;
  /** X86_64 or ARM64; undefined: X86_64. */
  readonly cpuArchitecture?: string;
  /** The architectures the enforcer ships binaries for. */
  readonly enforcerArchitectures: string[];
  readonly enforcerContainerName: string;
  readonly excludedContainers: string[];
  /** Declared image defaults, unchecked. */
  readonly imageDefaults: { readonly [name: string]: unknown };
}

/**
 * Checks what can be judged before any container is looked at: the operating system, the CPU
 * architecture, the excluded names and the declared image defaults. Returns the first problem.
 */
export function checkSettings(settings: TaskSettings): string | undefined {
  const os = settings.operatingSystemFamily;
  if (typeof os === 'string' && os.startsWith('WINDOWS')) {
    return `runtimePlatform.operatingSystemFamily is ${os}, but Windows Fargate ignores image VOLUMEs, so the enforcer volume cannot reach the containers; use a Linux task`;
  }
  const architecture = settings.cpuArchitecture ?? 'X86_64';
  if (!settings.enforcerArchitectures.includes(architecture)) {
    return `the task's CPU architecture is ${architecture} but the enforcer ships binaries for ${settings.enforcerArchitectures.join(', ')} only; use an enforcer image built for ${architecture} and list it in the enforcer's 'cpuArchitectures', or change runtimePlatform.cpuArchitecture`;
  }
  if (!Array.isArray(settings.excludedContainers)) {
    return `'excludedContainers' must be a list of container names, got ${JSON.stringify(settings.excludedContainers)}`;
  }
  if (Token.isUnresolved(settings.excludedContainers) || settings.excludedContainers.some(isListToken)) {
    return `'excludedContainers' is (or holds) a list token (${JSON.stringify(settings.excludedContainers)}), whose names are known only at deployment; give the container names as plain strings`;
  }
  const notNames = settings.excludedContainers.filter(n => typeof n !== 'string' || Token.isUnresolved(n));
  if (notNames.length > 0) {
    return `'excludedContainers' must hold plain container names, got ${JSON.stringify(notNames)}; give the container names as plain strings`;
  }
  if (settings.excludedContainers.includes(settings.enforcerContainerName)) {
    return `excludedContainers names the enforcer sidecar '${settings.enforcerContainerName}', which is never protected anyway; remove it`;
  }
  for (const [key, value] of Object.entries(settings.imageDefaults)) {
    const parsed = parseImageDefaults(value, `imageDefaults['${key}']`);
    if (typeof parsed === 'string') return parsed;
  }
  return undefined;
}

/** Whether a value is something other than a plain string: a token, or an intrinsic (L1, JSON). */
function notPlain(value: unknown): boolean {
  return typeof value !== 'string' || Token.isUnresolved(value);
}

/** Whether a value is (or holds) a list token: a string standing for a list of unknown length. */
function isListToken(value: unknown): boolean {
  return typeof value === 'string' && Token.isUnresolved([value]);
}

/**
 * Whether a resolved value may become `AWS::NoValue` at deployment (an `Fn::If` branch, at any
 * depth), which removes a list element.
 */
export function mayBeNoValue(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(mayBeNoValue);
  const record = value as { [key: string]: unknown };
  if (record.Ref === 'AWS::NoValue') return true;
  return Object.values(record).some(mayBeNoValue);
}

/**
 * A message when one of the container's mount points covers the enforcer's directory (the
 * binary's directory, the volume) or the binary itself: Docker mounts it over the enforcer's
 * files, so the container would start whatever that volume holds at the binary's path.
 */
export function shadowingMount(container: ContainerModel, binaryPath: string, resolve: (v: unknown) => unknown): string | undefined {
  const dir = posixDirname(binaryPath);
  for (const m of container.mountPoints) {
    const given = notPlain(m.containerPath) ? resolve(m.containerPath) : m.containerPath;
    if (given === undefined) continue;
    if (typeof given !== 'string') {
      return `mount point ${JSON.stringify(given)} is known only at deployment, so it cannot be checked against the enforcer's directory '${dir}'; give containerPath as a plain path`;
    }
    const path = posixNormalize(given);
    if (path === dir || path === binaryPath || path.startsWith(`${dir}/`)) {
      return `mount point ${JSON.stringify(given)} (volume '${m.sourceVolume}') shadows the enforcer volume '${dir}', so the container would not start the enforcer's binary; mount the volume elsewhere`;
    }
  }
  return undefined;
}

function posixDirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** A path with `.`, `..`, repeated and trailing slashes resolved, as the kernel resolves a mount target. */
function posixNormalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}
