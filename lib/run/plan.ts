/**
 * How a synthesized ECS task definition runs in local containers, the way the ECS agent starts it.
 * Pure: no process is started here. `planTaskRun()` turns the `Properties` of an
 * `AWS::ECS::TaskDefinition` (CloudFormation casing, as in cdk.out/*.template.json) into one
 * container-engine argument list per container, in the order ECS starts them, plus what the runner
 * needs to follow ECS's rules (dependencies, essential containers, timeouts, task volumes).
 *
 * What is translated, and how ECS does it:
 * - order: a container starts after the containers it names in `DependsOn` and `VolumesFrom`
 *   (the agent adds an implicit dependency on a volume source). Ties keep the definition order.
 * - `DependsOn` conditions START, COMPLETE (exited, any code) and SUCCESS (exited 0); `StartTimeout`
 *   of the dependency bounds the wait for COMPLETE/SUCCESS/HEALTHY. HEALTHY needs the dependency's
 *   `HealthCheck`, which the engine runs inside the container (outside the enforcer, as ECS does):
 *   `--health-cmd` with ECS's defaults (interval 30 s, timeout 5 s, 3 retries, no start period).
 * - `VolumesFrom`: `--volumes-from <source>:ro` when `ReadOnly` is true, else `:rw`.
 * - task `Volumes` with only a name (Fargate's task storage) and `MountPoints`: a volume of the
 *   run, `-v <prefix>-volume-<name>:<path>:ro|rw,nocopy` (it starts empty, as on Fargate).
 * - `EntryPoint`: `--entrypoint '<JSON list>'` (each element one argv element; as in Docker this
 *   also drops the image CMD). `Command`: the arguments after the image, one per element, no shell.
 * - `Environment`: `-e NAME=VALUE`; `Secrets`: a value given locally (ECS resolves `ValueFrom` and
 *   passes a plain variable; a secret with no local value is an error naming it).
 * - `LinuxParameters.Capabilities`: `--cap-add`/`--cap-drop`; `InitProcessEnabled`: `--init`;
 *   `ReadonlyRootFilesystem`: `--read-only` (podman: without its extra tmpfs mounts, ECS adds none).
 * - `User`, `WorkingDirectory`, `DockerLabels`, `Ulimits`: `--user`, `--workdir`, `--label`, `--ulimit`.
 * Settings that do not change what runs in a container are not reproduced, and `notReproduced`
 * lists those a user might expect (logging, cpu/memory, the task role). Everything else is refused
 * with an error naming the container, the setting and what to do: the translation never silently
 * runs something other than what the definition says.
 */

/** A container definition in CloudFormation casing (one element of `ContainerDefinitions`). */
export type CfnContainer = { [key: string]: any };

/** A dependency condition the runner reproduces. */
export type Condition = 'START' | 'COMPLETE' | 'SUCCESS' | 'HEALTHY';

/** Raised for a task setting that cannot be reproduced, or a value that is missing. */
export class RunPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunPlanError';
  }
}

/** Container definition keys that do not change what runs inside a local container. */
const NOT_RUNTIME = new Set([
  'Name', 'Image', 'Essential', 'PortMappings', 'StartTimeout', 'StopTimeout', 'RepositoryCredentials', 'FirelensConfiguration',
]);
/** Keys that change nothing inside the container but that a user may expect to see reproduced. */
const NOT_REPRODUCED: { [key: string]: string } = {
  LogConfiguration: 'the logs are printed here instead',
  Cpu: 'no CPU limit is applied',
  Memory: 'no memory limit is applied',
  MemoryReservation: 'no memory reservation is applied',
};
/** Container definition keys the translation handles. */
const HANDLED = new Set([
  'EntryPoint', 'Command', 'Environment', 'Secrets', 'VolumesFrom', 'DependsOn', 'MountPoints',
  'LinuxParameters', 'ReadonlyRootFilesystem', 'User', 'WorkingDirectory', 'DockerLabels', 'Ulimits', 'HealthCheck',
]);
/** Why a container setting is refused, when there is more to say than "not reproduced". */
const REFUSED_WHY: { [key: string]: string } = {
  FirelensConfiguration: 'ECS generates a FireLens router\'s configuration and routes the other containers\' logs to it; ' +
    'leave the router out with --without <its name>, and every container\'s logs are printed here',
  EnvironmentFiles: 'environment files live in S3; put their variables in --env instead',
  Privileged: 'Fargate does not allow it',
  ResourceRequirements: 'GPUs and inference accelerators are not available here',
};
/** Task definition keys that change nothing inside the containers. */
const TASK_NOT_RUNTIME = new Set([
  'ContainerDefinitions', 'Family', 'RequiresCompatibilities', 'Cpu', 'Memory', 'ExecutionRoleArn', 'Tags',
  'EphemeralStorage', 'NetworkMode', 'Volumes', 'RuntimePlatform', 'PidMode', 'TaskRoleArn', 'PlacementConstraints',
  'EnableFaultInjection',
]);

/** The engine platform of each Fargate CPU architecture. */
const PLATFORMS: { [arch: string]: string } = { X86_64: 'linux/amd64', ARM64: 'linux/arm64' };

/** Options of a plan. */
export interface RunPlanOptions {
  /** Prefix of every name the run creates (containers, volumes), so that runs do not clash. */
  readonly namePrefix: string;
  /** Local values of the task's secrets, by variable name. */
  readonly secretValues?: { [name: string]: string };
  /**
   * Put secret values on the engine's command line (`-e NAME=value`). By default a secret is
   * passed as `-e NAME` and its value in the engine's environment (`secretEnvironment`), so that it
   * never appears in a process list.
   */
  readonly inlineSecretValues?: boolean;
  /** Values of environment variables whose value in the template is a CloudFormation expression. */
  readonly environment?: { [name: string]: string };
  /** The local image of a container, by container name or by the template's image text. */
  readonly images?: { [containerOrImage: string]: string };
  /**
   * The engine the options are for: podman takes the entry point as a JSON list and adds tmpfs
   * mounts to a read-only container unless told not to; Docker takes the entry point's first
   * element only (the rest go before the command, which gives the same argv).
   * @default 'podman'
   */
  readonly engine?: 'podman' | 'docker';
  /**
   * The image platform to run instead of the task's CPU architecture (`linux/amd64`, `linux/arm64`).
   * @default - the task's `RuntimePlatform.CpuArchitecture`, else the engine's default
   */
  readonly platform?: string;
  /** Containers to leave out of the run (a FireLens router, for instance). */
  readonly without?: string[];
  /**
   * Run a FireLens router as a plain container with its image's own configuration instead of
   * refusing it (the other containers' logs are not routed to it). For tests of what runs inside.
   * @default false
   */
  readonly firelensRouterAsContainer?: boolean;
}

/** One container of a planned run. */
export interface PlannedContainer {
  /** The container's name in the task definition. */
  readonly name: string;
  /** The engine's container name (prefixed). */
  readonly podmanName: string;
  /** The dependencies to satisfy before this container starts. */
  readonly waitFor: { readonly name: string; readonly condition: Condition }[];
  /** Whether the task stops when this container stops. */
  readonly essential: boolean;
  /** Seconds a dependent container waits for this one to reach COMPLETE or SUCCESS, when set. */
  readonly startTimeout?: number;
  /** Seconds between two runs of its health check, when it has one. */
  readonly healthCheckInterval?: number;
  /** Seconds between SIGTERM and SIGKILL when the task stops (ECS's default is 30). */
  readonly stopTimeout: number;
  /** The image to run. */
  readonly image: string;
  /** Engine options (between `run` and the image), without name, network or pull policy. */
  readonly options: string[];
  /** The arguments after the image (the definition's Command). */
  readonly command: string[];
}

/** A planned run of a task. */
export interface RunPlan {
  /** The containers, in the order ECS starts them. */
  readonly containers: PlannedContainer[];
  /** The task's volumes (engine names) to create before the containers and remove afterwards. */
  readonly volumes: string[];
  /** Whether the containers share one process namespace (`PidMode: task`). */
  readonly sharedPidNamespace: boolean;
  /** The secrets' values, to be put in the engine's environment (see `inlineSecretValues`). */
  readonly secretEnvironment: { [name: string]: string };
  /** One line per setting of the definition that is knowingly not reproduced. */
  readonly notReproduced: string[];
}

/** ECS's container and volume names: up to 255 letters, digits, hyphens and underscores. */
const NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** A value that becomes one engine argument where a flag is not expected: never one that looks like a flag or carries mount syntax. */
function checked(value: string, where: string, ok: (v: string) => boolean, expected: string): string {
  if (!ok(value)) throw new RunPlanError(`${where}: ${JSON.stringify(value)} is not ${expected}`);
  return value;
}

function plainString(value: unknown, where: string, fix: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new RunPlanError(`${where}: ${JSON.stringify(value)} is not a plain value (an unresolved CloudFormation expression); ${fix}`);
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw new RunPlanError(`${where}: expected a list, got ${JSON.stringify(value)}`);
  return value.map((v, i) => plainString(v, `${where}[${i}]`, 'run cannot know its value'));
}

function seconds(value: unknown, where: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new RunPlanError(`${where}: expected a whole number of seconds, got ${JSON.stringify(value)}`);
  return n;
}

/** Orders containers so that each comes after what it depends on; ties keep definition order. */
function startOrder(containers: CfnContainer[]): CfnContainer[] {
  const byName = new Map(containers.map(c => [c.Name as string, c]));
  const ordered: CfnContainer[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: CfnContainer, chain: string[]) => {
    const name = c.Name as string;
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new RunPlanError(`dependency cycle: ${[...chain, name].join(' -> ')}`);
    state.set(name, 'visiting');
    const needs = [
      ...(c.DependsOn ?? []).map((d: any) => d.ContainerName),
      ...(c.VolumesFrom ?? []).map((v: any) => v.SourceContainer),
    ];
    for (const need of needs) {
      const dep = byName.get(need);
      if (!dep) throw new RunPlanError(`container '${name}' depends on '${need}', which is not in the task`);
      visit(dep, [...chain, name]);
    }
    state.set(name, 'done');
    ordered.push(c);
  };
  containers.forEach(c => visit(c, []));
  return ordered;
}

/**
 * Adds the engine options of an ECS health check to `args`; returns its interval in seconds.
 * podman runs a check only when asked (`podman healthcheck run`, which the runner calls every
 * interval: podman's own timer needs systemd); Docker runs it itself.
 */
function healthCheck(hc: { [key: string]: any }, where: string, docker: boolean, args: string[]): number {
  const command = stringList(hc.Command, `${where} HealthCheck.Command`);
  let cmd: string;
  if (command[0] === 'CMD-SHELL' && command.length === 2) {
    cmd = command[1];
  } else if (command[0] === 'CMD' && command.length >= 2) {
    if (docker) throw new RunPlanError(`${where}: HealthCheck.Command in the CMD form cannot be given to Docker's command line (it takes a shell command); run it with --engine podman, or write it as ["CMD-SHELL", "..."]`);
    cmd = JSON.stringify(command.slice(1));
  } else {
    throw new RunPlanError(`${where}: HealthCheck.Command ${JSON.stringify(command)} cannot be reproduced locally; expected ["CMD-SHELL", "command"] or ["CMD", "program", ...]`);
  }
  const interval = hc.Interval === undefined ? 30 : seconds(hc.Interval, `${where} HealthCheck.Interval`);
  const timeout = hc.Timeout === undefined ? 5 : seconds(hc.Timeout, `${where} HealthCheck.Timeout`);
  const retries = hc.Retries === undefined ? 3 : seconds(hc.Retries, `${where} HealthCheck.Retries`);
  const startPeriod = hc.StartPeriod === undefined ? 0 : seconds(hc.StartPeriod, `${where} HealthCheck.StartPeriod`);
  if (interval < 1 || timeout < 1) throw new RunPlanError(`${where}: HealthCheck Interval and Timeout must be at least 1 second`);
  args.push('--health-cmd', cmd, '--health-interval', docker ? `${interval}s` : 'disable', '--health-timeout', `${timeout}s`,
    '--health-retries', String(retries), '--health-start-period', `${startPeriod}s`);
  return interval;
}

/** The checks on the task definition's own settings; returns the names of its task volumes. */
function taskVolumes(task: { [key: string]: any }, options: RunPlanOptions, notReproduced: string[]): Map<string, string> {
  for (const key of Object.keys(task)) {
    if (!TASK_NOT_RUNTIME.has(key)) throw new RunPlanError(`task setting ${key} cannot be reproduced locally; run refuses the task rather than run it differently`);
  }
  if (task.NetworkMode !== undefined && task.NetworkMode !== 'awsvpc') {
    throw new RunPlanError(`task NetworkMode ${JSON.stringify(task.NetworkMode)} cannot be reproduced; run reproduces awsvpc (Fargate): one network namespace for the task`);
  }
  const arch = task.RuntimePlatform?.CpuArchitecture;
  if (arch !== undefined && PLATFORMS[arch] === undefined) throw new RunPlanError(`task RuntimePlatform.CpuArchitecture ${JSON.stringify(arch)}: expected X86_64 or ARM64`);
  const os = task.RuntimePlatform?.OperatingSystemFamily;
  if (os !== undefined && os !== 'LINUX') throw new RunPlanError(`task RuntimePlatform.OperatingSystemFamily ${JSON.stringify(os)}: run starts Linux containers only`);
  if (task.PidMode !== undefined && task.PidMode !== 'task') throw new RunPlanError(`task PidMode ${JSON.stringify(task.PidMode)} cannot be reproduced (Fargate allows 'task' only)`);
  notReproduced.push('the task metadata endpoint and the variables the ECS agent adds (ECS_CONTAINER_METADATA_URI_V4, AWS_REGION, AWS_EXECUTION_ENV...)');
  if (options.platform !== undefined && arch !== undefined && PLATFORMS[arch] !== options.platform) {
    notReproduced.push(`CPU architecture ${arch}: the ${options.platform} variants of the images run instead (--platform)`);
  }
  if (task.TaskRoleArn !== undefined) notReproduced.push('task role: the containers get no AWS credentials from it');
  const volumes = new Map<string, string>();
  for (const v of task.Volumes ?? []) {
    const name = checked(plainString(v.Name, 'task Volumes Name', 'name the volume'), 'task volume Name', x => NAME.test(x), 'a volume name (letters, digits, - and _)');
    const extra = Object.keys(v).filter(k => k !== 'Name');
    if (extra.length > 0) {
      throw new RunPlanError(`task volume '${name}': ${extra.join(', ')} cannot be reproduced; run supports task volumes with a name only (Fargate task storage)`);
    }
    volumes.set(name, name);
  }
  return volumes;
}

/**
 * Translates a task definition (the `Properties` of an `AWS::ECS::TaskDefinition`) into a local
 * run in ECS's start order. Pure; throws a `RunPlanError` for what it cannot reproduce.
 */
export function planTaskRun(task: { [key: string]: any }, options: RunPlanOptions): RunPlan {
  const engineName = (name: string) => `${options.namePrefix}-${name}`;
  const docker = options.engine === 'docker';
  const notReproduced: string[] = [];
  const volumes = taskVolumes(task, options, notReproduced);
  const all: CfnContainer[] = task.ContainerDefinitions ?? [];
  if (!Array.isArray(all) || all.length === 0) throw new RunPlanError('the task definition has no ContainerDefinitions');
  const names = new Set(all.map(c => c.Name));
  const without = new Set(options.without ?? []);
  for (const name of without) {
    if (!names.has(name)) throw new RunPlanError(`--without ${name}: the task has no container '${name}'; its containers: ${[...names].join(', ')}`);
  }
  for (const c of all) {
    if (without.has(c.Name)) continue;
    for (const d of [...(c.DependsOn ?? []).map((x: any) => x.ContainerName), ...(c.VolumesFrom ?? []).map((x: any) => x.SourceContainer)]) {
      if (without.has(d)) throw new RunPlanError(`--without ${d}: container '${c.Name}' depends on it`);
    }
  }
  const containers = all.filter(c => !without.has(c.Name));
  if (!containers.some(c => c.Essential !== false)) throw new RunPlanError('no essential container left to run: a task needs at least one');
  const usedSecrets = new Map<string, string>();
  const notReproducedBy: { [key: string]: string[] } = {};
  const byName = new Map(containers.map(c => [c.Name as string, c]));

  const planned = startOrder(containers).map((c): PlannedContainer => {
    const name = checked(plainString(c.Name, 'Name', 'name the container'), 'container Name', v => NAME.test(v), 'a container name (letters, digits, - and _)');
    const where = `container '${name}'`;
    for (const key of Object.keys(c)) {
      if (NOT_RUNTIME.has(key) || HANDLED.has(key)) continue;
      if (NOT_REPRODUCED[key] !== undefined) {
        if (!(key === 'Cpu' && Number(c.Cpu) === 0)) (notReproducedBy[key] ??= []).push(name);
        continue;
      }
      throw new RunPlanError(`${where}: ${key} cannot be reproduced locally${REFUSED_WHY[key] ? ` (${REFUSED_WHY[key]})` : ''}; run refuses the task rather than run it differently`);
    }
    if (c.FirelensConfiguration !== undefined && options.firelensRouterAsContainer !== true) {
      throw new RunPlanError(`${where}: FirelensConfiguration cannot be reproduced locally: ${REFUSED_WHY.FirelensConfiguration}`);
    }
    // The image variant of the task's CPU architecture, as Fargate pulls it (on another machine
    // architecture it runs only under emulation, or fails: it never runs another variant).
    const platform = options.platform ?? (task.RuntimePlatform?.CpuArchitecture !== undefined ? PLATFORMS[task.RuntimePlatform.CpuArchitecture] : undefined);
    const args: string[] = platform !== undefined ? ['--platform', platform] : [];
    const waitFor: PlannedContainer['waitFor'][number][] = [];
    for (const dep of c.DependsOn ?? []) {
      if (!['START', 'COMPLETE', 'SUCCESS', 'HEALTHY'].includes(dep.Condition)) {
        throw new RunPlanError(`${where}: dependency condition ${JSON.stringify(dep.Condition)} on '${dep.ContainerName}' is not supported: ECS knows START, COMPLETE, SUCCESS and HEALTHY`);
      }
      if (dep.Condition === 'HEALTHY' && byName.get(dep.ContainerName) !== undefined && byName.get(dep.ContainerName)!.HealthCheck === undefined) {
        throw new RunPlanError(`${where}: dependency condition HEALTHY on '${dep.ContainerName}' is not supported: '${dep.ContainerName}' has no HealthCheck, so it never becomes healthy`);
      }
      waitFor.push({ name: dep.ContainerName, condition: dep.Condition });
    }
    for (const v of c.VolumesFrom ?? []) {
      args.push('--volumes-from', `${engineName(v.SourceContainer)}:${v.ReadOnly === true ? 'ro' : 'rw'}`);
      // The agent's implicit dependency on a volume source: it must have been created and started
      // for its VOLUME to be filled (podman fills it on start, like Docker).
      if (!waitFor.some(w => w.name === v.SourceContainer)) waitFor.push({ name: v.SourceContainer, condition: 'START' });
    }
    for (const m of c.MountPoints ?? []) {
      const volume = plainString(m.SourceVolume, `${where} MountPoints SourceVolume`, 'name a task volume');
      if (!volumes.has(volume)) throw new RunPlanError(`${where}: mount point of volume '${volume}', which is not a volume of the task`);
      const target = checked(plainString(m.ContainerPath, `${where} MountPoints ContainerPath`, 'give the path'), `${where} MountPoints ContainerPath`,
        v => v.startsWith('/') && !/[:,]/.test(v), 'an absolute path without : or ,');
      // nocopy: a Fargate task volume starts empty (ECS copies image content into it only for a
      // VOLUME of the image at exactly that path, which the plan cannot see; see docs/run.md).
      args.push('-v', `${engineName(`volume-${volume}`)}:${target}:${m.ReadOnly === true ? 'ro' : 'rw'},nocopy`);
    }
    for (const kv of c.Environment ?? []) {
      const varName = checked(plainString(kv.Name, `${where} Environment`, 'name the variable'), `${where} Environment Name`, v => v !== '' && !v.includes('='), 'a variable name');
      const value = typeof kv.Value === 'object' && kv.Value !== null && options.environment?.[varName] !== undefined
        ? options.environment[varName]
        : plainString(kv.Value, `${where} Environment ${varName}`, `give it with --env ${varName}=VALUE`);
      args.push('-e', `${varName}=${value}`);
    }
    for (const s of c.Secrets ?? []) {
      const value = options.secretValues?.[s.Name];
      if (value === undefined) {
        throw new RunPlanError(`${where}: secret ${s.Name} has no local value; give it with --secret ${s.Name} (from this environment) or --secrets-file FILE (run never fetches secrets)`);
      }
      usedSecrets.set(s.Name, value);
      args.push('-e', options.inlineSecretValues ? `${s.Name}=${value}` : s.Name);
    }
    const linux = c.LinuxParameters ?? {};
    for (const key of Object.keys(linux)) {
      if (key !== 'Capabilities' && key !== 'InitProcessEnabled') {
        throw new RunPlanError(`${where}: LinuxParameters.${key} cannot be reproduced locally (run reproduces Capabilities and InitProcessEnabled); run refuses the task rather than run it differently`);
      }
    }
    for (const cap of linux.Capabilities?.Add ?? []) args.push('--cap-add', plainString(cap, `${where} capability`, 'name the capability'));
    for (const cap of linux.Capabilities?.Drop ?? []) args.push('--cap-drop', plainString(cap, `${where} capability`, 'name the capability'));
    if (linux.InitProcessEnabled === true) args.push('--init');
    if (c.ReadonlyRootFilesystem === true) args.push('--read-only', ...(docker ? [] : ['--read-only-tmpfs=false']));
    if (c.User !== undefined) args.push('--user', plainString(c.User, `${where} User`, 'run cannot know it'));
    if (c.WorkingDirectory !== undefined) args.push('--workdir', plainString(c.WorkingDirectory, `${where} WorkingDirectory`, 'run cannot know it'));
    for (const [key, value] of Object.entries(c.DockerLabels ?? {})) {
      args.push('--label', `${key}=${plainString(value, `${where} DockerLabels ${key}`, 'run cannot know it')}`);
    }
    for (const u of c.Ulimits ?? []) {
      args.push('--ulimit', `${plainString(u.Name, `${where} Ulimits`, '')}=${seconds(u.SoftLimit, `${where} Ulimits ${u.Name}`)}:${seconds(u.HardLimit, `${where} Ulimits ${u.Name}`)}`);
    }
    const healthCheckInterval = c.HealthCheck === undefined ? undefined : healthCheck(c.HealthCheck, where, docker, args);
    const entryPoint = c.EntryPoint === undefined ? undefined : stringList(c.EntryPoint, `${where} EntryPoint`);
    const command = c.Command === undefined ? [] : stringList(c.Command, `${where} Command`);
    if (entryPoint !== undefined) args.push('--entrypoint', docker ? (entryPoint[0] ?? '') : JSON.stringify(entryPoint));
    const templateImage = typeof c.Image === 'string' ? c.Image : undefined;
    const image = options.images?.[name] ?? (templateImage !== undefined ? options.images?.[templateImage] ?? templateImage : undefined);
    if (image === undefined) {
      throw new RunPlanError(`${where}: its image ${JSON.stringify(c.Image)} is a CloudFormation expression; give a local image with --image ${name}=REF`);
    }
    checked(image, `${where} Image`, v => v !== '' && !v.startsWith('-') && !/\s/.test(v), 'an image reference');
    return {
      name,
      podmanName: engineName(name),
      waitFor,
      essential: c.Essential !== false,
      startTimeout: c.StartTimeout === undefined ? undefined : seconds(c.StartTimeout, `${where} StartTimeout`),
      healthCheckInterval,
      stopTimeout: c.StopTimeout === undefined ? 30 : seconds(c.StopTimeout, `${where} StopTimeout`),
      image,
      options: args,
      command: docker && entryPoint !== undefined ? [...entryPoint.slice(1), ...command] : command,
    };
  });
  // A COMPLETE or SUCCESS dependency on an essential container is rejected by ECS at registration.
  for (const p of planned) {
    for (const w of p.waitFor) {
      if ((w.condition === 'COMPLETE' || w.condition === 'SUCCESS') && byName.get(w.name)?.Essential !== false) {
        throw new RunPlanError(`container '${p.name}': a dependency with condition ${w.condition} on '${w.name}' requires '${w.name}' to be non-essential (ECS rejects this task definition)`);
      }
    }
  }
  for (const [key, containerNames] of Object.entries(notReproducedBy)) {
    notReproduced.push(`${key} of ${containerNames.join(', ')}: ${NOT_REPRODUCED[key]}`);
  }
  return {
    containers: planned,
    volumes: [...volumes.keys()].map(v => engineName(`volume-${v}`)),
    sharedPidNamespace: task.PidMode === 'task',
    secretEnvironment: options.inlineSecretValues ? {} : Object.fromEntries(usedSecrets),
    notReproduced,
  };
}
