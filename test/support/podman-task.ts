/**
 * Runs a synthesized ECS task definition in podman, the way the ECS agent starts it, for the
 * end-to-end tests. Test support only; nothing here is part of the library.
 *
 * `planTask()` is pure: it turns the `ContainerDefinitions` of an `AWS::ECS::TaskDefinition`
 * (CloudFormation casing, as in cdk.out/*.template.json) into one `podman run` argument list per
 * container, in the order ECS starts them. `runTask()` runs the plan and collects each container's
 * output and exit code.
 *
 * What is translated, and how ECS does it:
 * - order: a container starts after the containers it names in `DependsOn` and `VolumesFrom`
 *   (the agent adds an implicit dependency on a volume source). Ties keep the definition order.
 * - `DependsOn` conditions: START = the dependency was started (`podman run -d` returns then; a
 *   started container's VOLUME is filled, a created one's is not); COMPLETE = it exited;
 *   SUCCESS = it exited 0 (otherwise the dependent container is not started). HEALTHY is refused.
 * - `VolumesFrom`: `--volumes-from <source>:ro` when `ReadOnly` is true, else `:rw`.
 * - `EntryPoint`: `--entrypoint '<JSON list>'` (each element one argv element; as in Docker this
 *   also drops the image CMD). `Command`: the arguments after the image, one per element, no shell.
 * - `Environment`: `-e NAME=VALUE`; `Secrets`: `-e NAME=<fake value>` from `secretValues` (ECS
 *   resolves `ValueFrom` and passes a plain variable; a secret with no fake value is an error).
 * - `LinuxParameters.Capabilities`: `--cap-add`/`--cap-drop`; `ReadonlyRootFilesystem`:
 *   `--read-only` without podman's extra tmpfs mounts (ECS adds none).
 * - `User`, `WorkingDirectory`: `--user`, `--workdir`.
 * - always `--network none --pull=never`: nothing leaves the machine, images are local.
 * Properties with no effect on what runs in a local container (logging, ports, cpu/memory,
 * essential, FireLens) are ignored; any other property is an error, so that the translation never
 * silently runs something other than what the definition says.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The podman binary (CEF_PODMAN overrides it, e.g. to try the skip path). */
const PODMAN = process.env.CEF_PODMAN ?? 'podman';

/** Container definition keys that do not change what runs inside a local container. */
const IGNORED = new Set([
  'Name', 'Image', 'Essential', 'Cpu', 'Memory', 'MemoryReservation', 'PortMappings',
  'LogConfiguration', 'FirelensConfiguration', 'StartTimeout', 'StopTimeout',
]);
/** Container definition keys the translation handles. */
const HANDLED = new Set([
  'EntryPoint', 'Command', 'Environment', 'Secrets', 'VolumesFrom', 'DependsOn',
  'LinuxParameters', 'ReadonlyRootFilesystem', 'User', 'WorkingDirectory', 'DockerLabels',
]);

/** A container definition in CloudFormation casing (one element of `ContainerDefinitions`). */
export type CfnContainer = { [key: string]: any };

export interface PlanOptions {
  /** Prefix for podman container names, so that tasks do not clash. */
  readonly namePrefix: string;
  /** Fake values for the task's secrets, by variable name. */
  readonly secretValues?: { [name: string]: string };
  /** Local image to run instead of the template's `Image`, keyed by the template's value. */
  readonly images?: { [templateImage: string]: string };
}

export interface PlannedContainer {
  /** The container's name in the task definition. */
  readonly name: string;
  /** The podman container name (prefixed). */
  readonly podmanName: string;
  /** The dependencies to satisfy before this container starts. */
  readonly waitFor: { readonly name: string; readonly condition: 'START' | 'COMPLETE' | 'SUCCESS' }[];
  /** Arguments of `podman run` (after `run`). */
  readonly runArgs: string[];
}

function plainString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${where}: ${JSON.stringify(value)} is not a plain value; podman cannot run an unresolved CloudFormation expression`);
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list, got ${JSON.stringify(value)}`);
  return value.map((v, i) => plainString(v, `${where}[${i}]`));
}

/** Orders containers so that each comes after what it depends on; ties keep definition order. */
function startOrder(containers: CfnContainer[]): CfnContainer[] {
  const byName = new Map(containers.map(c => [c.Name as string, c]));
  const ordered: CfnContainer[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: CfnContainer, chain: string[]) => {
    const name = c.Name as string;
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`dependency cycle: ${[...chain, name].join(' -> ')}`);
    state.set(name, 'visiting');
    const needs = [
      ...(c.DependsOn ?? []).map((d: any) => d.ContainerName),
      ...(c.VolumesFrom ?? []).map((v: any) => v.SourceContainer),
    ];
    for (const need of needs) {
      const dep = byName.get(need);
      if (!dep) throw new Error(`container '${name}' depends on '${need}', which is not in the task`);
      visit(dep, [...chain, name]);
    }
    state.set(name, 'done');
    ordered.push(c);
  };
  containers.forEach(c => visit(c, []));
  return ordered;
}

/** Translates a task's container definitions into podman runs, in ECS's start order. Pure. */
export function planTask(containers: CfnContainer[], options: PlanOptions): PlannedContainer[] {
  const podmanName = (name: string) => `${options.namePrefix}-${name}`;
  return startOrder(containers).map(c => {
    const name = plainString(c.Name, 'Name');
    const where = `container '${name}'`;
    for (const key of Object.keys(c)) {
      if (!IGNORED.has(key) && !HANDLED.has(key)) throw new Error(`${where}: property ${key} is not translated to podman`);
    }
    const args = ['-d', '--name', podmanName(name), '--network', 'none', '--pull=never'];
    const waitFor: PlannedContainer['waitFor'][number][] = [];
    for (const dep of c.DependsOn ?? []) {
      if (!['START', 'COMPLETE', 'SUCCESS'].includes(dep.Condition)) {
        throw new Error(`${where}: dependency condition ${dep.Condition} on '${dep.ContainerName}' is not supported here`);
      }
      waitFor.push({ name: dep.ContainerName, condition: dep.Condition });
    }
    for (const v of c.VolumesFrom ?? []) {
      args.push('--volumes-from', `${podmanName(v.SourceContainer)}:${v.ReadOnly === true ? 'ro' : 'rw'}`);
      // The agent's implicit dependency on a volume source: it must have been created and started
      // for its VOLUME to be filled (podman fills it on start, like Docker).
      if (!waitFor.some(w => w.name === v.SourceContainer)) waitFor.push({ name: v.SourceContainer, condition: 'START' });
    }
    for (const kv of c.Environment ?? []) {
      args.push('-e', `${plainString(kv.Name, `${where} Environment`)}=${plainString(kv.Value, `${where} Environment ${kv.Name}`)}`);
    }
    for (const s of c.Secrets ?? []) {
      const value = options.secretValues?.[s.Name];
      if (value === undefined) throw new Error(`${where}: secret ${s.Name} has no fake value in secretValues`);
      args.push('-e', `${s.Name}=${value}`);
    }
    const linux = c.LinuxParameters ?? {};
    for (const key of Object.keys(linux)) {
      if (key !== 'Capabilities') throw new Error(`${where}: LinuxParameters.${key} is not translated to podman`);
    }
    for (const cap of linux.Capabilities?.Add ?? []) args.push('--cap-add', plainString(cap, `${where} capability`));
    for (const cap of linux.Capabilities?.Drop ?? []) args.push('--cap-drop', plainString(cap, `${where} capability`));
    if (c.ReadonlyRootFilesystem === true) args.push('--read-only', '--read-only-tmpfs=false');
    for (const [key, value] of Object.entries(c.DockerLabels ?? {})) args.push('--label', `${key}=${plainString(value, `${where} DockerLabels ${key}`)}`);
    if (c.User !== undefined) args.push('--user', plainString(c.User, `${where} User`));
    if (c.WorkingDirectory !== undefined) args.push('--workdir', plainString(c.WorkingDirectory, `${where} WorkingDirectory`));
    if (c.EntryPoint !== undefined) args.push('--entrypoint', JSON.stringify(stringList(c.EntryPoint, `${where} EntryPoint`)));
    const image = plainString(c.Image, `${where} Image`);
    args.push(options.images?.[image] ?? image);
    if (c.Command !== undefined) args.push(...stringList(c.Command, `${where} Command`));
    return { name, podmanName: podmanName(name), waitFor, runArgs: args };
  });
}

/** The outcome of one container of a task run. */
export interface ContainerRun {
  /** Whether podman started the container's process. */
  readonly started: boolean;
  /** The exit code (podman's 125-127 when the process could not be started). */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Why the container was not started, when a dependency was not satisfied. */
  readonly skipped?: string;
}

export interface CommandResult { readonly status: number; readonly stdout: string; readonly stderr: string }

/**
 * A podman with its own storage under a temporary directory (vfs driver, cgroupfs, file events),
 * so tests neither see nor disturb other images and containers on the machine.
 * `containersConf` is written with the two sandbox fixes of TOOLCHAIN.md (runc; ulimits root may set).
 */
export class Podman {
  public readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-podman-'));
    const conf = path.join(this.dir, 'containers.conf');
    fs.writeFileSync(conf, [
      '[containers]',
      'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
      '[engine]',
      'runtime = "runc"',
      '',
    ].join('\n'));
    this.env = { ...process.env, CONTAINERS_CONF: conf };
  }

  /** Runs `podman <args>` with this instance's storage. Never throws on a non-zero exit. */
  public run(args: string[], input?: string): CommandResult {
    const global = [
      '--root', path.join(this.dir, 'root'), '--runroot', path.join(this.dir, 'run'),
      '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
      '--tmpdir', path.join(this.dir, 'tmp'),
    ];
    const r = spawnSync(PODMAN, [...global, ...args], { env: this.env, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.error) return { status: -1, stdout: '', stderr: String(r.error) };
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Like `run`, but throws with podman's output on a non-zero exit. */
  public must(args: string[]): string {
    const r = this.run(args);
    if (r.status !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /**
   * Why containers cannot run here (podman missing or unable to start one), or undefined when
   * they can. Builds and runs a one-file image from `probeBinary` (a static program).
   */
  public unavailableReason(probeBinary: string): string | undefined {
    const version = this.run(['--version']);
    if (version.status !== 0) return `podman is not usable: ${version.stderr.trim() || 'not installed'}`;
    try {
      const image = this.buildImage('localhost/cef-probe:1', { files: { '/probe': probeBinary }, entryPoint: ['/probe'] });
      const r = this.run(['run', '--rm', '--network', 'none', '--pull=never', image]);
      if (r.status !== 0) return `podman cannot start a container: ${r.stderr.trim()}`;
    } catch (e) {
      return `podman cannot build an image: ${(e as Error).message}`;
    }
    return undefined;
  }

  /**
   * Builds an image FROM scratch with no network: the given files (mode 0755), an optional
   * VOLUME, ENTRYPOINT and CMD (exec form), and a PATH. Returns the tag.
   */
  public buildImage(tag: string, spec: ImageSpec): string {
    const context = fs.mkdtempSync(path.join(this.dir, 'ctx-'));
    const lines = ['FROM scratch', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
    Object.entries(spec.files).forEach(([target, source], i) => {
      fs.copyFileSync(source, path.join(context, `f${i}`));
      fs.chmodSync(path.join(context, `f${i}`), 0o755);
      lines.push(`COPY f${i} ${target}`);
    });
    for (const dir of spec.directories ?? []) {
      // COPY of an empty directory creates it (used for a VOLUME with no binary in it).
      fs.mkdirSync(path.join(context, 'empty'), { recursive: true });
      lines.push(`COPY empty ${dir}`);
    }
    if (spec.volume) lines.push(`VOLUME ${JSON.stringify([spec.volume])}`);
    if (spec.entryPoint) lines.push(`ENTRYPOINT ${JSON.stringify(spec.entryPoint)}`);
    if (spec.command) lines.push(`CMD ${JSON.stringify(spec.command)}`);
    fs.writeFileSync(path.join(context, 'Containerfile'), lines.join('\n') + '\n');
    this.must(['build', '-q', '--network=none', '-t', tag, '-f', path.join(context, 'Containerfile'), context]);
    return tag;
  }

  /** Removes every container of this instance and its storage directory. */
  public dispose(): void {
    this.run(['rm', '-af', '-t', '0']);
    this.run(['system', 'reset', '-f']);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ImageSpec {
  /** Files to put in the image: path in the image -> file on this machine. */
  readonly files: { [target: string]: string };
  /** Empty directories to create. */
  readonly directories?: string[];
  /** A `VOLUME` of the image. */
  readonly volume?: string;
  readonly entryPoint?: string[];
  readonly command?: string[];
}

/**
 * Runs a planned task: each container with `podman run -d` in start order once its dependencies
 * are satisfied, then waits for all of them and collects their output. Containers are removed
 * afterwards.
 */
export function runTask(podman: Podman, plan: PlannedContainer[]): { [name: string]: ContainerRun } {
  const results: { [name: string]: ContainerRun } = {};
  const started = new Set<string>();
  const exitCodes = new Map<string, number>();
  const exitCodeOf = (name: string): number => {
    if (!exitCodes.has(name)) {
      const podmanName = plan.find(p => p.name === name)!.podmanName;
      exitCodes.set(name, Number(podman.must(['wait', podmanName]).trim()));
    }
    return exitCodes.get(name)!;
  };
  try {
    for (const container of plan) {
      let skipped: string | undefined;
      for (const dep of container.waitFor) {
        if (!started.has(dep.name)) { skipped = `dependency '${dep.name}' was not started`; break; }
        if (dep.condition === 'COMPLETE') exitCodeOf(dep.name);
        if (dep.condition === 'SUCCESS' && exitCodeOf(dep.name) !== 0) { skipped = `dependency '${dep.name}' did not succeed`; break; }
      }
      if (skipped) {
        results[container.name] = { started: false, exitCode: -1, stdout: '', stderr: '', skipped };
        continue;
      }
      const r = podman.run(['run', ...container.runArgs]);
      if (r.status === 0) {
        started.add(container.name);
      } else {
        // The runtime could not start the process (for instance exit 127: the entry point binary
        // does not exist). Nothing of the program ran.
        results[container.name] = { started: false, exitCode: r.status, stdout: '', stderr: r.stderr };
        exitCodes.set(container.name, r.status);
      }
    }
    for (const container of plan) {
      if (!started.has(container.name)) continue;
      const exitCode = exitCodeOf(container.name);
      const logs = podman.run(['logs', container.podmanName]);
      results[container.name] = { started: true, exitCode, stdout: logs.stdout, stderr: logs.stderr };
    }
  } finally {
    for (const container of plan) podman.run(['rm', '-f', '-t', '0', container.podmanName]);
  }
  return results;
}
