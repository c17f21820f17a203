/**
 * Runs a synthesized ECS task definition in podman for the end-to-end tests. The translation is
 * the library's own (lib/run/plan.ts, which `cdk-enforced-fargate run` uses too); this file keeps
 * the tests' synchronous helpers on top of it: `planTask()` (one `podman run` argument list per
 * container, `--network none --pull=never`), `runTask()` (runs them and collects each container's
 * output and exit code) and `Podman` (a podman with its own storage in a temporary directory).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnContainer, Condition, planTaskRun } from '../../lib/run/plan';

export type { CfnContainer } from '../../lib/run/plan';

/** The podman binary (CEF_PODMAN overrides it, e.g. to try the skip path). */
const PODMAN = process.env.CEF_PODMAN ?? 'podman';

export interface PlanOptions {
  /** Prefix for podman container names, so that tasks do not clash. */
  readonly namePrefix: string;
  /** Fake values for the task's secrets, by variable name. */
  readonly secretValues?: { [name: string]: string };
  /** Local image to run instead of the template's `Image`, keyed by the template's value. */
  readonly images?: { [templateImage: string]: string };
  /** The names of the task's volumes (`Volumes[].Name`); a mount point of another is an error. */
  readonly volumes?: string[];
}

export interface PlannedContainer {
  /** The container's name in the task definition. */
  readonly name: string;
  /** The podman container name (prefixed). */
  readonly podmanName: string;
  /** The dependencies to satisfy before this container starts. */
  readonly waitFor: { readonly name: string; readonly condition: Condition }[];
  /** Arguments of `podman run` (after `run`). */
  readonly runArgs: string[];
}

/**
 * Translates a task's container definitions into podman runs, in ECS's start order, with
 * lib/run/plan.ts. A FireLens router runs as a plain container (the tests look at what runs
 * inside it); `cdk-enforced-fargate run` refuses it instead.
 */
export function planTask(containers: CfnContainer[], options: PlanOptions): PlannedContainer[] {
  const task = { ContainerDefinitions: containers, ...(options.volumes ? { Volumes: options.volumes.map(Name => ({ Name })) } : {}) };
  const plan = planTaskRun(task, { ...options, inlineSecretValues: true, firelensRouterAsContainer: true });
  return plan.containers.map(c => ({
    name: c.name,
    podmanName: c.podmanName,
    waitFor: c.waitFor,
    runArgs: ['-d', '--name', c.podmanName, '--network', 'none', '--pull=never', ...c.options, c.image, ...c.command],
  }));
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
    // The same storage for any podman started with `environment` (e.g. by `cdk-enforced-fargate run`).
    const storage = path.join(this.dir, 'storage.conf');
    fs.writeFileSync(storage, [
      '[storage]',
      'driver = "vfs"',
      `graphroot = "${path.join(this.dir, 'root')}"`,
      `runroot = "${path.join(this.dir, 'run')}"`,
      '',
    ].join('\n'));
    fs.appendFileSync(conf, ['cgroup_manager = "cgroupfs"', 'events_logger = "file"', `tmp_dir = "${path.join(this.dir, 'tmp')}"`, ''].join('\n'));
    this.env = { ...process.env, CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storage };
  }

  /** The environment under which any podman uses this instance's storage and settings. */
  public get environment(): NodeJS.ProcessEnv {
    return { ...this.env };
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
