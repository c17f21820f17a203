/**
 * The coverage rule in TypeScript: the twin of the Guard rule rules/enforced-fargate-tasks.guard
 * (test/coverage-agreement.test.ts runs both over the same templates and requires the same verdict
 * for every task definition).
 *
 * It reads only what a task definition says about itself (the labels of labels.ts and the
 * containers' settings), never how it was made, so it judges templates and registered task
 * definitions that this library never saw. In every task definition that can run on Fargate,
 * every container must be one of:
 *
 * - a sidecar: labelled role=enforcer, `Essential` false, a binary path, a delivery
 *   (`volumes-from`, or `task-volume` with the volume's name) and a literal name;
 * - excluded: labelled excluded with a non-empty reason;
 * - protected: `EntryPoint[0]` is the binary of a sidecar of the same task, the container mounts
 *   that sidecar's binary read-only (a `VolumesFrom` of a `volumes-from` sidecar, or a
 *   `MountPoint` of a `task-volume` sidecar's volume) and has a `DependsOn` on it; or the image has
 *   the binary built in: labelled delivery=built-in with the binary, and `EntryPoint[0]` that binary.
 *
 * Anything else is unprotected, with every reason. Values that cannot be known before deployment
 * (intrinsic functions such as `Fn::If` or `Ref`) never count as protection.
 *
 * Pure: no I/O, no CDK. Input is untrusted parsed JSON.
 */
import {
  DELIVERY_BUILT_IN, DELIVERY_TASK_VOLUME, DELIVERY_VOLUMES_FROM,
  LABEL_BINARY, LABEL_DELIVERY, LABEL_EXCLUDED, LABEL_ROLE, LABEL_VOLUME, ROLE_ENFORCER,
} from './labels';

/**
 * The form of a task definition: a CloudFormation `AWS::ECS::TaskDefinition`'s `Properties`
 * (PascalCase), or the ECS API's task definition (camelCase), as `DescribeTaskDefinition` returns
 * it in `taskDefinition` and as `register-task-definition --cli-input-json` and CodeDeploy's
 * `taskdef.json` take it.
 */
export type TaskDefinitionForm = 'cloudformation' | 'api';

/** What a container is, for coverage. */
export type ContainerStatus = 'sidecar' | 'protected' | 'excluded' | 'unprotected';

/** How a sidecar or a protected container gets the enforcer binary. */
export type Delivery = 'volumes-from' | 'task-volume' | 'built-in';

/** The verdict on one container. */
export interface ContainerCoverage {
  /** The container's name, or `#<index>` when it has no literal name. */
  readonly name: string;
  /** Its position in the task's container definitions. */
  readonly index: number;
  readonly status: ContainerStatus;
  /** sidecar and protected: how the binary is delivered. */
  readonly delivery?: Delivery;
  /** sidecar and protected: the enforcer binary's path. */
  readonly binary?: string;
  /** protected by a sidecar: the sidecar's name. */
  readonly sidecar?: string;
  /** excluded: the reason the template records. */
  readonly reason?: string;
  /** unprotected: every reason, each a sentence naming the setting. Empty otherwise. */
  readonly why: string[];
}

/** The verdict on one task definition. */
export interface TaskCoverage {
  /**
   * `not-fargate`: the rule does not apply (RequiresCompatibilities lacks FARGATE);
   * `protected`: every container is a sidecar, protected or excluded;
   * `unprotected`: some container is not, or the containers cannot be read.
   */
  readonly status: 'protected' | 'unprotected' | 'not-fargate';
  /** Task-level reasons for `unprotected` (the container list itself cannot be judged). */
  readonly why: string[];
  /** Notes that do not change the verdict (e.g. compatibilities that are intrinsic functions). */
  readonly notes: string[];
  /** One verdict per container, in order; empty for `not-fargate`. */
  readonly containers: ContainerCoverage[];
}

/** The verdict on one task definition resource of a template. */
export interface TemplateTaskCoverage extends TaskCoverage {
  readonly logicalId: string;
}

/** The verdict on a CloudFormation template. */
export interface TemplateCoverage {
  /** `unprotected` when any task definition is; `protected` otherwise (also with no task at all). */
  readonly status: 'protected' | 'unprotected';
  /** Every `AWS::ECS::TaskDefinition` resource, in the template's order. */
  readonly tasks: TemplateTaskCoverage[];
}

/** A container definition read into one shape whatever its form. */
interface Container {
  readonly index: number;
  readonly raw: unknown;
  readonly name: unknown;
  readonly essential: unknown;
  readonly entryPoint: unknown;
  readonly labels: { [key: string]: unknown } | undefined;
  readonly volumesFrom: unknown;
  readonly mountPoints: unknown;
  readonly dependsOn: unknown;
}

/** A valid sidecar of the task. */
interface Sidecar {
  readonly name: string;
  readonly binary: string;
  readonly delivery: 'volumes-from' | 'task-volume';
  readonly volume?: string;
}

/**
 * Checks one task definition.
 *
 * @param td a CloudFormation task definition's `Properties`, or an ECS API task definition
 *   (a `DescribeTaskDefinition` response, whose `taskDefinition` is then used, is accepted too)
 * @param form which of the two `td` is
 */
export function checkTaskDefinition(td: unknown, form: TaskDefinitionForm): TaskCoverage {
  if (form !== 'cloudformation' && form !== 'api') throw new Error(`form must be 'cloudformation' or 'api', got ${JSON.stringify(form)}`);
  let body = isObject(td) ? td : {};
  if (form === 'api' && isObject(body.taskDefinition) && body.containerDefinitions === undefined) body = body.taskDefinition;
  const key = form === 'api' ? (k: string) => k.charAt(0).toLowerCase() + k.slice(1) : (k: string) => k;
  const get = (o: unknown, k: string): unknown => (isObject(o) ? o[key(k)] : undefined);

  const notes: string[] = [];
  const fargate = runsOnFargate(get(body, 'RequiresCompatibilities'), form === 'api' ? get(body, 'Compatibilities') : undefined, notes);
  if (!fargate) return { status: 'not-fargate', why: [], notes, containers: [] };

  const list = get(body, 'ContainerDefinitions');
  if (!Array.isArray(list)) {
    const why = list === undefined
      ? `${key('ContainerDefinitions')} is missing, so no container can be shown to be protected`
      : `${key('ContainerDefinitions')} is ${describe(list)}, not a list: its containers cannot be known before deployment; write the list out literally`;
    return { status: 'unprotected', why: [why], notes, containers: [] };
  }
  if (list.length === 0) {
    return { status: 'unprotected', why: [`${key('ContainerDefinitions')} is empty, so no container can be shown to be protected`], notes, containers: [] };
  }

  const containers: Container[] = list.map((raw, index) => {
    const labels = get(raw, 'DockerLabels');
    return {
      index,
      raw,
      name: get(raw, 'Name'),
      essential: get(raw, 'Essential'),
      entryPoint: get(raw, 'EntryPoint'),
      labels: isObject(labels) && !isIntrinsic(labels) ? labels : undefined,
      volumesFrom: get(raw, 'VolumesFrom'),
      mountPoints: get(raw, 'MountPoints'),
      dependsOn: get(raw, 'DependsOn'),
    };
  });
  const sidecarProblems = new Map<Container, string[]>();
  const sidecars: Sidecar[] = [];
  for (const c of containers) {
    if (!isObject(c.raw) || c.labels?.[LABEL_ROLE] !== ROLE_ENFORCER) continue;
    const problems = checkSidecar(c, key);
    sidecarProblems.set(c, problems);
    if (problems.length === 0) {
      const delivery = c.labels[LABEL_DELIVERY] as 'volumes-from' | 'task-volume';
      sidecars.push({ name: c.name as string, binary: c.labels[LABEL_BINARY] as string, delivery, volume: delivery === DELIVERY_TASK_VOLUME ? c.labels[LABEL_VOLUME] as string : undefined });
    }
  }
  const names = new Set(containers.map(c => c.name).filter(isText));

  const verdicts = containers.map(c => judge(c, sidecars, sidecarProblems, names, get, key));
  const status = verdicts.every(v => v.status !== 'unprotected') ? 'protected' : 'unprotected';
  return { status, why: [], notes, containers: verdicts };
}

/**
 * Checks every `AWS::ECS::TaskDefinition` of a CloudFormation template (parsed JSON).
 * Nested stacks are templates of their own: check each.
 */
export function checkTemplate(template: unknown): TemplateCoverage {
  const resources = isObject(template) && isObject(template.Resources) ? template.Resources : {};
  const tasks: TemplateTaskCoverage[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isObject(resource) || resource.Type !== 'AWS::ECS::TaskDefinition') continue;
    tasks.push({ logicalId, ...checkTaskDefinition(resource.Properties ?? {}, 'cloudformation') });
  }
  return { status: tasks.some(t => t.status === 'unprotected') ? 'unprotected' : 'protected', tasks };
}

/**
 * One line per unprotected container (and per unreadable task), e.g.
 * `Web: container 'app': no DependsOn on the enforcer sidecar 'enforcer'`.
 */
export function unprotectedFindings(coverage: TemplateCoverage): string[] {
  const lines: string[] = [];
  for (const task of coverage.tasks) {
    for (const why of task.why) lines.push(`${task.logicalId}: ${why}`);
    for (const c of task.containers) {
      if (c.status === 'unprotected') lines.push(`${task.logicalId}: container '${c.name}': ${c.why.join('; ')}`);
    }
  }
  return lines;
}

function runsOnFargate(requires: unknown, compatibilities: unknown, notes: string[]): boolean {
  const listed = (value: unknown, what: string): boolean => {
    if (value === undefined) return false;
    if (!Array.isArray(value)) {
      if (value === 'FARGATE') return true;
      if (isObject(value)) {
        notes.push(`${what} is ${describe(value)}: checked as if it contained FARGATE`);
        return true;
      }
      return false;
    }
    if (value.includes('FARGATE')) return true;
    if (value.some(isObject)) {
      notes.push(`${what} holds an intrinsic function: checked as if it contained FARGATE`);
      return true;
    }
    return false;
  };
  const byRequires = listed(requires, 'RequiresCompatibilities');
  return byRequires || (Array.isArray(compatibilities) && compatibilities.includes('FARGATE'));
}

function checkSidecar(c: Container, key: (k: string) => string): string[] {
  const labels = c.labels!;
  const problems: string[] = [];
  if (!isFalse(c.essential)) {
    problems.push(`${key('Essential')} is ${c.essential === undefined ? 'unset (so true)' : describe(c.essential)} (the sidecar must be non-essential: false)`);
  }
  if (!isText(c.name)) problems.push(`its ${key('Name')} is ${describe(c.name)} (must be a literal name that other containers refer to)`);
  if (!isText(labels[LABEL_BINARY])) problems.push(`label '${LABEL_BINARY}' is ${describe(labels[LABEL_BINARY])} (must be the binary's path)`);
  const delivery = labels[LABEL_DELIVERY];
  if (delivery !== DELIVERY_VOLUMES_FROM && delivery !== DELIVERY_TASK_VOLUME) {
    problems.push(`label '${LABEL_DELIVERY}' is ${describe(delivery)} (must be '${DELIVERY_VOLUMES_FROM}' or '${DELIVERY_TASK_VOLUME}')`);
  } else if (delivery === DELIVERY_TASK_VOLUME && !isText(labels[LABEL_VOLUME])) {
    problems.push(`label '${LABEL_VOLUME}' is ${describe(labels[LABEL_VOLUME])} (the task-volume delivery needs the volume's name)`);
  }
  return problems;
}

function judge(c: Container, sidecars: Sidecar[], sidecarProblems: Map<Container, string[]>, names: Set<string>,
  get: (o: unknown, k: string) => unknown, key: (k: string) => string): ContainerCoverage {
  const name = isText(c.name) ? c.name : `#${c.index}`;
  const base = { name, index: c.index };
  if (!isObject(c.raw) || isIntrinsic(c.raw)) {
    return { ...base, status: 'unprotected', why: [`the container definition is ${describe(c.raw)}, not a literal container: it cannot be known before deployment; write it out literally`] };
  }
  const labels = c.labels ?? {};
  const problems = sidecarProblems.get(c);
  if (problems && problems.length === 0) {
    return { ...base, status: 'sidecar', delivery: labels[LABEL_DELIVERY] as Delivery, binary: labels[LABEL_BINARY] as string, why: [] };
  }
  const excluded = labels[LABEL_EXCLUDED];
  if (isText(excluded)) return { ...base, status: 'excluded', reason: excluded, why: [] };

  const why: string[] = [];
  if (problems) why.push(`it is labelled as the enforcer sidecar but is not a valid one: ${problems.join('; ')}`);
  if (excluded !== undefined) why.push(`label '${LABEL_EXCLUDED}' is ${describe(excluded)}, but an exclusion needs a non-empty reason`);
  const rawLabels = get(c.raw, 'DockerLabels');
  if ((rawLabels !== undefined && !isObject(rawLabels)) || isIntrinsic(rawLabels)) {
    why.push(`${key('DockerLabels')} is ${describe(rawLabels)}, so its labels cannot be known before deployment`);
  }

  const entryPoint = c.entryPoint;
  const first = Array.isArray(entryPoint) ? entryPoint[0] : undefined;
  const ep = key('EntryPoint');
  if (problems) {
    // A broken sidecar: its own problems say it all.
  } else if (entryPoint === undefined) {
    why.push(`not wrapped: ${ep} is not set, so the image's own ENTRYPOINT starts without the enforcer`);
  } else if (!Array.isArray(entryPoint)) {
    why.push(`${ep} is ${describe(entryPoint)}, which cannot be known before deployment; write it as a list`);
  } else if (entryPoint.length === 0) {
    why.push(`not wrapped: ${ep} is empty`);
  } else if (!isText(first)) {
    why.push(`${ep}[0] is ${describe(first)}, which cannot be known to be the enforcer binary before deployment`);
  }

  // Protected by a sidecar of this task.
  if (isText(first)) {
    const matching = sidecars.filter(s => s.binary === first);
    if (matching.length > 0) {
      // One delivery at a time: the mount and the dependency must be on sidecars of the same kind.
      const kinds = [DELIVERY_VOLUMES_FROM, DELIVERY_TASK_VOLUME].map(d => matching.filter(s => s.delivery === d)).filter(m => m.length > 0);
      for (const kind of kinds) {
        const sidecarWhy = protectedBySidecar(c, kind, get, key);
        if (sidecarWhy.length === 0) {
          const mounted = mountedSidecar(c, kind, get)!;
          return { ...base, status: 'protected', delivery: mounted.delivery, binary: first, sidecar: mounted.name, why: [] };
        }
        why.push(...sidecarWhy);
      }
    } else if (labels[LABEL_DELIVERY] !== DELIVERY_BUILT_IN) {
      const invalid = [...sidecarProblems.entries()].filter(([s, p]) => p.length > 0 && s.labels?.[LABEL_BINARY] === first);
      if (invalid.length > 0) {
        why.push(`${ep}[0] is the binary of '${invalid.map(([s]) => (isText(s.name) ? s.name : `#${s.index}`)).join("', '")}', which is not a valid enforcer sidecar (see that container)`);
      } else if (sidecars.length === 0) {
        why.push(`not wrapped by a sidecar of this task: ${ep}[0] is '${first}' and the task has no valid enforcer sidecar`);
      } else {
        why.push(`not wrapped: ${ep}[0] is '${first}', not the binary of an enforcer sidecar of this task (${sidecars.map(s => `'${s.binary}'`).join(', ')})`);
      }
    }
  }

  // Protected by an image with the binary built in.
  if (labels[LABEL_DELIVERY] === DELIVERY_BUILT_IN) {
    const binary = labels[LABEL_BINARY];
    if (!isText(binary)) {
      why.push(`it is labelled '${LABEL_DELIVERY}=${DELIVERY_BUILT_IN}', but label '${LABEL_BINARY}' is ${describe(binary)}, not the binary's path`);
    } else if (isText(first) && first === binary) {
      return { ...base, status: 'protected', delivery: DELIVERY_BUILT_IN, binary, why: [] };
    } else if (isText(first)) {
      why.push(`it is labelled '${LABEL_DELIVERY}=${DELIVERY_BUILT_IN}' with binary '${binary}', but ${ep}[0] is '${first}'`);
    }
  }

  // Volumes from containers that are not in this task (e.g. the sidecar of another task).
  for (const v of asList(c.volumesFrom)) {
    const source = get(v, 'SourceContainer');
    if (isText(source) && !names.has(source)) why.push(`${key('VolumesFrom')} names '${source}', which is not a container of this task`);
  }
  for (const d of asList(c.dependsOn)) {
    const target = get(d, 'ContainerName');
    if (isText(target) && !names.has(target)) why.push(`${key('DependsOn')} names '${target}', which is not a container of this task`);
  }
  return { ...base, status: 'unprotected', why: dedupe(why) };
}

/** The reasons a container whose EntryPoint[0] is the binary of `matching` is not protected by one of them. */
function protectedBySidecar(c: Container, matching: Sidecar[], get: (o: unknown, k: string) => unknown, key: (k: string) => string): string[] {
  const why: string[] = [];
  if (mountedSidecar(c, matching, get) === undefined) {
    const vf = matching.filter(s => s.delivery === DELIVERY_VOLUMES_FROM);
    const tv = matching.filter(s => s.delivery === DELIVERY_TASK_VOLUME);
    const writableVf = asList(c.volumesFrom).filter(v => vf.some(s => s.name === get(v, 'SourceContainer')));
    const writableTv = asList(c.mountPoints).filter(m => tv.some(s => s.volume === get(m, 'SourceVolume')));
    if (writableVf.length > 0) {
      why.push(`mounts volumes from the enforcer sidecar '${get(writableVf[0], 'SourceContainer')}' without read-only (${key('ReadOnly')} is ${describe(get(writableVf[0], 'ReadOnly'))}, must be true)`);
    }
    if (writableTv.length > 0) {
      why.push(`mounts the enforcer volume '${get(writableTv[0], 'SourceVolume')}' without read-only (${key('ReadOnly')} is ${describe(get(writableTv[0], 'ReadOnly'))}, must be true)`);
    }
    if (writableVf.length === 0 && writableTv.length === 0) {
      const wanted = [
        ...vf.map(s => `a read-only ${key('VolumesFrom')} of '${s.name}'`),
        ...tv.map(s => `a read-only ${key('MountPoints')} entry of volume '${s.volume}'`),
      ];
      why.push(`the enforcer binary is not mounted: it needs ${wanted.join(' or ')}`);
    }
  }
  const dependsOnSidecar = asList(c.dependsOn).some(d => matching.some(s => s.name === get(d, 'ContainerName')));
  if (!dependsOnSidecar) {
    why.push(`no ${key('DependsOn')} on the enforcer sidecar ${matching.map(s => `'${s.name}'`).join(' or ')}`);
  }
  return why;
}

/** The sidecar among `matching` whose binary the container mounts read-only, if any. */
function mountedSidecar(c: Container, matching: Sidecar[], get: (o: unknown, k: string) => unknown): Sidecar | undefined {
  for (const v of asList(c.volumesFrom)) {
    const s = matching.find(x => x.delivery === DELIVERY_VOLUMES_FROM && x.name === get(v, 'SourceContainer'));
    if (s && isTrue(get(v, 'ReadOnly'))) return s;
  }
  for (const m of asList(c.mountPoints)) {
    const s = matching.find(x => x.delivery === DELIVERY_TASK_VOLUME && x.volume === get(m, 'SourceVolume'));
    if (s && isTrue(get(m, 'ReadOnly'))) return s;
  }
  return undefined;
}

function isObject(value: unknown): value is { [key: string]: any } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An intrinsic function (`{ "Ref": ... }`, `{ "Fn::If": ... }`): known only at deployment. */
function isIntrinsic(value: unknown): boolean {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** CloudFormation takes booleans as JSON booleans or as the strings 'true'/'false'. */
function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function isFalse(value: unknown): boolean {
  return value === false || value === 'false';
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function dedupe(lines: string[]): string[] {
  return [...new Set(lines)];
}

/** A short description of a value for a message: intrinsic functions by name, others as JSON (bounded). */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (isIntrinsic(value)) return `an intrinsic function (${Object.keys(value as object)[0]})`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
