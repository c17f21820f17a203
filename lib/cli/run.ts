/**
 * `cdk-enforced-fargate run`: starts a synthesized task definition from cdk.out in podman or Docker
 * as ECS would (lib/run/), prints each container's output under its name, and exits with the exit
 * code of the essential container that stopped the task. Everything it created is removed
 * afterwards, also after a failure or Ctrl-C.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { Command, Io } from './io';
import { AssemblyError, buildArgs, describeTask, findTasks, imageAssets, selectTask } from '../run/assembly';
import { Engine } from '../run/engine';
import { planTaskRun, RunPlanError } from '../run/plan';
import { runTask } from '../run/runner';

/** Exit code when run itself fails or refuses the task (as `docker run` does). */
export const RUN_FAILED = 125;
/** The largest secrets file read. */
const MAX_SECRETS_FILE = 1024 * 1024;

const USAGE = `Usage: cdk-enforced-fargate run [options] [TASK]

Starts a synthesized task definition in podman or Docker the way ECS starts it: containers in
dependency order and condition (START, COMPLETE, SUCCESS, HEALTHY with the health checks run by the
engine), volumesFrom, environment, secrets given here, one network namespace for the task; the
task stops when an essential container stops, and run exits with that container's exit code.
Everything run creates is removed afterwards. Settings it cannot reproduce (a FireLens router,
most linuxParameters, EFS volumes...) are refused. See docs/run.md.

TASK   a construct path (MyStack/Web/TaskDef), MyStack/LogicalId, or a logical id;
       optional when the cloud assembly holds one task definition

Options:
  --cdk-out DIR           the cloud assembly (default ./cdk.out)
  --list                  list the task definitions of the cloud assembly and exit
  --engine podman|docker  the container engine (default podman when found on PATH, else docker)
  --image NAME=REF        run container NAME from local image REF (needed when its image is a
                          CloudFormation expression, e.g. an ECR repository of the stack)
  --secret NAME           the value of secret NAME from this environment's variable NAME
  --secrets-file FILE     secret values, NAME=VALUE per line (# comments); run never fetches secrets
  --env NAME=VALUE        the value of variable NAME where the template has a CloudFormation expression
  --without NAME          leave container NAME out (e.g. a FireLens log router)
  --network bridge|none   bridge: the engine's default network (like awsvpc's ENI, default);
                          none: the task has only its own localhost
  --publish SPEC          publish a port of the task, as the engine's -p (e.g. 127.0.0.1:8080:80)
  --pull missing|always|never   pull policy for the images (default missing)
  --platform OS/ARCH      run these image variants instead of the task's CPU architecture's
                          (e.g. linux/amd64 for an ARM64 task on an x86-64 machine without emulation)
  --pause-image REF       Docker: image of the container holding the task's namespaces
                          (default registry.k8s.io/pause:3.10)
  --dry-run               print the plan and the engine commands, start nothing

Exit code: the essential container's exit code; 1 when an essential container was not started
because a dependency failed; 125 when run refused the task or failed; 130/143 after SIGINT/SIGTERM;
2 for a usage error.`;

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some(dir => {
    try {
      fs.accessSync(path.join(dir, program), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** NAME=VALUE pairs of a repeated option. */
function pairs(values: string[] | undefined, option: string): { [name: string]: string } {
  const out: { [name: string]: string } = {};
  for (const v of values ?? []) {
    const i = v.indexOf('=');
    if (i <= 0) throw new UsageError(`--${option} ${JSON.stringify(v)}: expected NAME=VALUE`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

class UsageError extends Error {}

/** Secret values from --secrets-file and --secret (the environment). */
function secretValues(file: string | undefined, names: string[] | undefined, cwd: string): { [name: string]: string } {
  const values: { [name: string]: string } = {};
  if (file !== undefined) {
    const full = path.resolve(cwd, file);
    let text;
    try {
      const stat = fs.statSync(full);
      if (stat.size > MAX_SECRETS_FILE) throw new RunPlanError(`--secrets-file ${file}: larger than ${MAX_SECRETS_FILE} bytes`);
      text = fs.readFileSync(full, 'utf8');
    } catch (e) {
      if (e instanceof RunPlanError) throw e;
      throw new RunPlanError(`--secrets-file ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '' || line.trimStart().startsWith('#')) return;
      const eq = line.indexOf('=');
      if (eq <= 0) throw new RunPlanError(`--secrets-file ${file}:${i + 1}: expected NAME=VALUE`);
      values[line.slice(0, eq).trim()] = line.slice(eq + 1);
    });
  }
  for (const name of names ?? []) {
    const value = process.env[name];
    if (value === undefined) throw new RunPlanError(`--secret ${name}: this environment has no variable ${name}; export it or put it in --secrets-file`);
    values[name] = value;
  }
  return values;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

/** Runs the command; `signal` stops the task (the bin wires SIGINT/SIGTERM to it). */
export async function runCommand(args: string[], io: Io, signal?: AbortSignal, force?: AbortSignal): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'cdk-out': { type: 'string' },
        'list': { type: 'boolean' },
        'engine': { type: 'string' },
        'image': { type: 'string', multiple: true },
        'secret': { type: 'string', multiple: true },
        'secrets-file': { type: 'string' },
        'env': { type: 'string', multiple: true },
        'without': { type: 'string', multiple: true },
        'network': { type: 'string' },
        'publish': { type: 'string', multiple: true },
        'pull': { type: 'string' },
        'platform': { type: 'string' },
        'pause-image': { type: 'string' },
        'dry-run': { type: 'boolean' },
        'help': { type: 'boolean', short: 'h' },
      },
    }));
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (positionals.length > 1) throw new UsageError(`one TASK at most, got ${positionals.length}: ${positionals.join(' ')}`);
    if (values.engine !== undefined && values.engine !== 'podman' && values.engine !== 'docker') throw new UsageError(`--engine ${values.engine}: podman or docker`);
    if (values.network !== undefined && values.network !== 'bridge' && values.network !== 'none') throw new UsageError(`--network ${values.network}: bridge or none`);
    if (values.pull !== undefined && !['missing', 'always', 'never'].includes(values.pull)) throw new UsageError(`--pull ${values.pull}: missing, always or never`);
    if (values.platform !== undefined && !/^linux\/(amd64|arm64)$/.test(values.platform)) throw new UsageError(`--platform ${values.platform}: linux/amd64 or linux/arm64`);
  } catch (e) {
    io.err(`cdk-enforced-fargate run: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const say = (line: string) => io.err(`cdk-enforced-fargate run: ${line}`);
  try {
    const images = pairs(values.image, 'image');
    const environment = pairs(values.env, 'env');
    const cdkOut = path.resolve(io.cwd, values['cdk-out'] ?? 'cdk.out');
    const tasks = findTasks(cdkOut);
    if (values.list) {
      tasks.forEach(t => io.out(describeTask(t)));
      return 0;
    }
    const task = selectTask(tasks, positionals[0]);
    const kind = (values.engine ?? (onPath('podman') ? 'podman' : 'docker')) as 'podman' | 'docker';
    const engine = new Engine({ kind });
    const runId = randomBytes(6).toString('hex');
    const prefix = `cef-run-${runId}`;

    // Image assets of the stack are built from the cloud assembly, unless --image names an image.
    const assets = imageAssets(task);
    const builds: { container: string; tag: string; args: string[] }[] = [];
    for (const [container, asset] of Object.entries(assets)) {
      if (images[container] !== undefined) continue;
      const tag = `localhost/cdk-enforced-fargate-asset:${asset.hash.slice(0, 64)}`;
      builds.push({ container, tag, args: buildArgs(asset, tag) });
      images[container] = tag;
    }
    const containerNames = new Set((task.properties.ContainerDefinitions ?? []).map((c: any) => c.Name));
    for (const name of Object.keys(images)) {
      if (!containerNames.has(name) && !(task.properties.ContainerDefinitions ?? []).some((c: any) => c.Image === name)) {
        throw new RunPlanError(`--image ${name}=...: the task has no container '${name}'; its containers: ${[...containerNames].join(', ')}`);
      }
    }
    const plan = planTaskRun(task.properties, {
      namePrefix: prefix,
      images,
      environment,
      secretValues: secretValues(values['secrets-file'], values.secret, io.cwd),
      without: values.without,
      engine: kind,
      platform: values.platform,
    });
    say(`task ${describeTask(task)}, ${plan.containers.length} containers, engine ${kind}`);
    for (const line of plan.notReproduced) say(`not reproduced: ${line}`);
    if (values['dry-run']) {
      for (const b of builds) io.out(`${kind} ${b.args.map(quote).join(' ')}`);
      for (const c of plan.containers) {
        const deps = c.waitFor.map(w => `${w.name} ${w.condition}`).join(', ');
        io.out(`# ${c.name}${c.essential ? ' (essential)' : ''}${deps ? ` after ${deps}` : ''}`);
        io.out(`${kind} run -d --name ${c.podmanName} ${[...c.options, c.image, ...c.command].map(quote).join(' ')}`);
      }
      return 0;
    }
    for (const b of builds) {
      say(`building image asset of container '${b.container}' (${b.tag})`);
      const r = await engine.exec(b.args, {}, signal);
      if (signal?.aborted) {
        say(`${String(signal.reason)}: image build stopped`);
        return signal.reason === 'SIGTERM' ? 143 : 130;
      }
      if (r.status !== 0) throw new RunPlanError(`building the image asset of container '${b.container}' failed (${kind} exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
    const width = Math.max(...plan.containers.map(c => c.name.length));
    const outcome = await runTask(plan, {
      engine,
      runId,
      taskName: prefix,
      network: (values.network ?? 'bridge') as 'bridge' | 'none',
      pull: (values.pull ?? 'missing') as 'missing' | 'always' | 'never',
      publish: values.publish,
      pauseImage: values['pause-image'],
      log: (container, line, stream) => (stream === 'stdout' ? io.out : io.err)(`${container.padEnd(width)} | ${line}`),
      say,
      signal,
      force,
    });
    say(`task stopped: ${outcome.stoppedReason}; exit code ${outcome.exitCode}`);
    if (outcome.leftovers.length > 0) return outcome.exitCode === 0 ? RUN_FAILED : outcome.exitCode;
    return outcome.exitCode;
  } catch (e) {
    if (e instanceof AssemblyError || e instanceof RunPlanError) {
      say(e.message);
      return RUN_FAILED;
    }
    if (e instanceof UsageError) {
      io.err(`cdk-enforced-fargate run: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

/** The `run` command: SIGINT and SIGTERM stop the task and clean up before the process exits. */
export const runCliCommand: Command = {
  summary: 'start a synthesized task definition locally (podman or Docker) as ECS would',
  run: async (args, io) => {
    const controller = new AbortController();
    const force = new AbortController();
    const handlers = (['SIGINT', 'SIGTERM'] as const).map(sig => {
      const handler = () => {
        if (!controller.signal.aborted) {
          io.err(`cdk-enforced-fargate run: ${sig}: stopping the task and removing what it created (again to kill it at once)`);
          controller.abort(sig);
        } else if (!force.signal.aborted) {
          io.err(`cdk-enforced-fargate run: ${sig} again: killing the task, then removing what it created`);
          force.abort(sig);
        }
      };
      process.on(sig, handler);
      return () => process.off(sig, handler);
    });
    try {
      return await runCommand(args, io, controller.signal, force.signal);
    } finally {
      handlers.forEach(off => off());
    }
  },
};
