/**
 * Runs a planned task (plan.ts) in podman or Docker the way ECS runs a Fargate task:
 * - one network namespace for the whole task (awsvpc: the containers reach each other on
 *   localhost): a podman pod, or with Docker a pause container the others join;
 * - each container starts once its dependencies are satisfied (START, COMPLETE, SUCCESS, HEALTHY,
 *   with the dependency's StartTimeout); a container whose dependency can no longer be satisfied
 *   is never started; health checks run in the engine (podman: every interval, when asked);
 * - the task stops when an essential container stops (or cannot be started): the others get
 *   SIGTERM in reverse start order and SIGKILL after their StopTimeout; the task's exit code is
 *   that essential container's;
 * - each container's output is passed on line by line, named;
 * - everything the run created (containers with their anonymous volumes, task volumes, the pod or
 *   pause container) is removed afterwards, whatever happened: every object carries the run's
 *   label, and cleanup looks for the label as well as for the names it knows.
 */
import { Engine } from './engine';
import { PlannedContainer, RunPlan } from './plan';

/** The Docker label every object of a run carries; its value is the run's id. */
export const RUN_LABEL = 'cdk-enforced-fargate.run';

/** How to run a plan. */
export interface RunTaskOptions {
  readonly engine: Engine;
  /** The run's id (the value of RUN_LABEL on everything it creates). */
  readonly runId: string;
  /** Engine name of the task's pod (podman) or pause container (Docker). */
  readonly taskName: string;
  /** `none`: the task has only its own localhost; `bridge`: the engine's default network too. */
  readonly network: 'none' | 'bridge';
  /** The engine's pull policy for the task's images. */
  readonly pull: 'never' | 'missing' | 'always';
  /** Ports to publish on the task's namespace (`-p` values of the engine). */
  readonly publish?: string[];
  /** Docker only: the image of the pause container that holds the task's namespaces. */
  readonly pauseImage?: string;
  /** Receives each line a container writes. */
  readonly log: (container: string, line: string, stream: 'stdout' | 'stderr') => void;
  /** Receives the run's own messages. */
  readonly say: (line: string) => void;
  /** Aborting it stops the task (as ECS's StopTask does) and cleans up. */
  readonly signal?: AbortSignal;
  /** Aborting it kills the task's containers at once (a second Ctrl-C) instead of waiting out their StopTimeout. */
  readonly force?: AbortSignal;
}

/** What became of one container. */
export interface ContainerOutcome {
  /** `exited`: it ran and stopped; `not-started`: it never ran. */
  readonly state: 'exited' | 'not-started';
  /** Its exit code, or the engine's status when it could not be started. */
  readonly exitCode?: number;
  /** Why it did not start, when it did not. */
  readonly reason?: string;
}

/** What became of the task. */
export interface TaskOutcome {
  /** The exit code of the essential container that stopped the task (see `stoppedReason`). */
  readonly exitCode: number;
  readonly stoppedReason: string;
  /** Whether the task was stopped by the signal. */
  readonly interrupted: boolean;
  readonly containers: { [name: string]: ContainerOutcome };
  /** Objects of the run that cleanup could not remove (empty when all went). */
  readonly leftovers: string[];
}

type State =
  | { status: 'pending' }
  | { status: 'running'; startedAt: number; health?: string }
  | { status: 'exited'; exitCode: number }
  | { status: 'not-started'; reason: string; exitCode?: number };

/** Wakes the scheduler; a wake-up that comes while it is busy is kept for its next wait. */
class Wakeup {
  private pending = false;
  private resolve: (() => void) | undefined;
  public wake(): void {
    if (this.resolve) { const r = this.resolve; this.resolve = undefined; r(); } else { this.pending = true; }
  }
  public wait(ms: number): Promise<void> {
    if (this.pending) { this.pending = false; return Promise.resolve(); }
    return new Promise(r => {
      const timer = ms === Infinity ? undefined : setTimeout(() => { this.resolve = undefined; r(); }, Math.max(ms, 0));
      this.resolve = () => { if (timer) clearTimeout(timer); r(); };
    });
  }
}

function lines(text: string): string[] {
  return text.split('\n').map(l => l.trimEnd()).filter(l => l.length > 0);
}

/** Runs the plan; resolves when the task has stopped and everything it created is removed. */
export async function runTask(plan: RunPlan, o: RunTaskOptions): Promise<TaskOutcome> {
  const e = o.engine;
  const label = `${RUN_LABEL}=${o.runId}`;
  const states = new Map<string, State>(plan.containers.map(c => [c.name, { status: 'pending' } as State]));
  const byName = new Map(plan.containers.map(c => [c.name, c]));
  const startOrder: PlannedContainer[] = [];
  const followers: { done: Promise<void>; stop: () => void }[] = [];
  const waiters: Promise<void>[] = [];
  const wakeup = new Wakeup();
  let stop: { exitCode: number; reason: string } | undefined;
  const onAbort = () => wakeup.wake();
  o.signal?.addEventListener('abort', onAbort);

  const stopTask = (exitCode: number, reason: string) => {
    if (stop === undefined) {
      stop = { exitCode, reason };
      o.say(`task stopping: ${reason}`);
    }
    wakeup.wake();
  };

  /** Why a container cannot start (yet): 'ready', 'wait', or the reason it never will. */
  const evaluate = (c: PlannedContainer, now: number): { verdict: 'ready' | 'wait' } | { verdict: 'never'; reason: string } | { verdict: 'wait'; until: number } => {
    let until = Infinity;
    for (const w of c.waitFor) {
      const d = states.get(w.name)!;
      if (d.status === 'not-started') return { verdict: 'never', reason: `dependency '${w.name}' was not started (${d.reason})` };
      if (d.status === 'pending') return { verdict: 'wait' };
      if (w.condition === 'START') continue;
      if (d.status === 'running' && w.condition === 'HEALTHY' && d.health === 'healthy') continue;
      if (d.status === 'running' && w.condition === 'HEALTHY' && d.health === 'unhealthy') {
        return { verdict: 'never', reason: `dependency '${w.name}' is unhealthy (condition HEALTHY)` };
      }
      if (d.status === 'exited' && w.condition === 'HEALTHY') {
        return { verdict: 'never', reason: `dependency '${w.name}' exited ${d.exitCode} before it was healthy (condition HEALTHY)` };
      }
      if (d.status === 'running') {
        const timeout = byName.get(w.name)!.startTimeout;
        if (timeout !== undefined) {
          const deadline = d.startedAt + timeout * 1000;
          if (now >= deadline) return { verdict: 'never', reason: `dependency '${w.name}' did not reach ${w.condition} within its StartTimeout of ${timeout}s` };
          until = Math.min(until, deadline);
        }
        return { verdict: 'wait', until };
      }
      if (w.condition === 'SUCCESS' && d.exitCode !== 0) {
        return { verdict: 'never', reason: `dependency '${w.name}' exited ${d.exitCode}, not 0 (condition SUCCESS)` };
      }
    }
    return { verdict: 'ready' };
  };

  // Health checks: Docker runs them itself; podman when asked (its own timer needs systemd).
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) => new Promise<void>(resolve => {
    const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
    timers.add(t);
  });
  const monitorHealth = async (c: PlannedContainer, interval: number) => {
    const running = () => states.get(c.name)!.status === 'running' && stop === undefined;
    while (running()) {
      await sleep(interval * 1000);
      if (!running()) return;
      if (e.kind === 'podman') await e.exec(['healthcheck', 'run', c.podmanName]);
      const r = await e.exec(['inspect', '--format', '{{.State.Health.Status}}', c.podmanName]);
      const s = states.get(c.name)!;
      const health = r.stdout.trim();
      if (s.status === 'running' && s.health !== health) {
        s.health = health;
        o.say(`container '${c.name}' is ${health}`);
        wakeup.wake();
      }
    }
  };

  const netArgs = e.kind === 'podman'
    ? ['--pod', o.taskName]
    : ['--network', `container:${o.taskName}`, ...(plan.sharedPidNamespace ? ['--pid', `container:${o.taskName}`] : [])];

  const start = async (c: PlannedContainer) => {
    startOrder.push(c);
    const r = await e.exec(['run', '-d', '--name', c.podmanName, '--label', label, ...netArgs, `--pull=${o.pull}`, ...c.options, c.image, ...c.command],
      plan.secretEnvironment);
    if (r.status !== 0) {
      for (const l of lines(r.stderr)) o.log(c.name, l, 'stderr');
      states.set(c.name, { status: 'not-started', reason: `the engine could not start it: exit ${r.status}`, exitCode: r.status });
      o.say(`container '${c.name}' could not be started (engine exit ${r.status})`);
      if (c.essential) stopTask(r.status, `essential container '${c.name}' could not be started (exit ${r.status})`);
      return;
    }
    states.set(c.name, { status: 'running', startedAt: Date.now() });
    o.say(`container '${c.name}' started${c.essential ? '' : ' (not essential)'}`);
    followers.push(e.follow(c.podmanName, (text, stream) => o.log(c.name, text, stream)));
    if (c.healthCheckInterval !== undefined) void monitorHealth(c, c.healthCheckInterval);
    waiters.push(e.exec(['wait', c.podmanName]).then(w => {
      const code = w.status === 0 && /^-?\d+\s*$/.test(w.stdout) ? Number(w.stdout.trim()) : -1;
      states.set(c.name, { status: 'exited', exitCode: code });
      o.say(`container '${c.name}' exited ${code}`);
      if (c.essential) stopTask(code, `essential container '${c.name}' exited ${code}`);
      wakeup.wake();
    }));
  };

  const createTaskNamespace = async () => {
    const publish = (o.publish ?? []).flatMap(p => ['-p', p]);
    const network = o.network === 'none' ? ['--network', 'none'] : [];
    const r = e.kind === 'podman'
      ? await e.exec(['pod', 'create', '--name', o.taskName, '--label', label, '--share', plan.sharedPidNamespace ? 'net,pid' : 'net', ...network, ...publish])
      : await e.exec(['run', '-d', '--name', o.taskName, '--label', label, ...network, ...publish,
        `--pull=${o.pull}`, o.pauseImage ?? 'registry.k8s.io/pause:3.10']);
    if (r.status !== 0) throw new Error(`could not create the task's network namespace: ${e.program} exited ${r.status}: ${lines(r.stderr).join(' ')}`);
  };

  let interrupted = false;
  let leftovers: string[] = [];
  try {
    await createTaskNamespace();
    for (const v of plan.volumes) {
      const r = await e.exec(['volume', 'create', '--label', label, v]);
      if (r.status !== 0) throw new Error(`could not create task volume ${v}: ${lines(r.stderr).join(' ')}`);
    }
    while (stop === undefined) {
      if (o.signal?.aborted) {
        interrupted = true;
        stopTask(o.signal.reason === 'SIGTERM' ? 143 : 130, `interrupted (${String(o.signal.reason ?? 'abort')})`);
        break;
      }
      let changed = true;
      let nextDeadline = Infinity;
      while (changed && stop === undefined && !o.signal?.aborted) {
        changed = false;
        nextDeadline = Infinity;
        for (const c of plan.containers) {
          if (states.get(c.name)!.status !== 'pending' || stop !== undefined || o.signal?.aborted) continue;
          const v = evaluate(c, Date.now());
          if (v.verdict === 'ready') {
            await start(c);
            changed = true;
          } else if (v.verdict === 'never') {
            states.set(c.name, { status: 'not-started', reason: v.reason });
            o.say(`container '${c.name}' will not be started: ${v.reason}`);
            if (c.essential) stopTask(1, `essential container '${c.name}' was not started: ${v.reason}`);
            changed = true;
          } else if ('until' in v) {
            nextDeadline = Math.min(nextDeadline, v.until);
          }
        }
      }
      if (stop !== undefined || o.signal?.aborted) continue;
      if ([...states.values()].every(s => s.status === 'exited' || s.status === 'not-started')) {
        stopTask(0, 'every container has stopped');
        break;
      }
      await wakeup.wait(nextDeadline === Infinity ? Infinity : nextDeadline - Date.now());
    }
  } catch (err) {
    stopTask(125, (err as Error).message);
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    timers.forEach(t => clearTimeout(t));
    // ECS stops the containers in reverse start order: SIGTERM, then SIGKILL after StopTimeout.
    const kill = () => {
      o.say('killing the task\'s containers');
      for (const c of startOrder) if (states.get(c.name)!.status === 'running') void e.exec(['kill', c.podmanName]);
    };
    if (o.force?.aborted) kill(); else o.force?.addEventListener('abort', kill);
    for (const c of [...startOrder].reverse()) {
      if (states.get(c.name)!.status === 'running' && !o.force?.aborted) await e.exec(['stop', '-t', String(c.stopTimeout), c.podmanName]);
    }
    o.force?.removeEventListener('abort', kill);
    // A container that does not stop is killed by the cleanup below; do not wait for it forever.
    const longest = Math.max(0, ...startOrder.map(c => c.stopTimeout));
    await Promise.race([Promise.all(waiters), new Promise(r => setTimeout(r, (longest + 15) * 1000).unref())]);
    await Promise.race([Promise.all(followers.map(f => f.done)), new Promise(r => setTimeout(r, 5000).unref())]);
    followers.forEach(f => f.stop());
    leftovers = await cleanup(e, label, startOrder.map(c => c.podmanName), o.taskName);
    if (leftovers.length > 0) o.say(`could not remove: ${leftovers.join(', ')}`);
  }
  const containers: { [name: string]: ContainerOutcome } = {};
  for (const [name, s] of states) {
    if (s.status === 'exited') containers[name] = { state: 'exited', exitCode: s.exitCode };
    else if (s.status === 'not-started') containers[name] = { state: 'not-started', exitCode: s.exitCode, reason: s.reason };
    else containers[name] = { state: 'not-started', reason: 'the task stopped before its turn' };
  }
  const final = stop ?? { exitCode: 125, reason: 'the task stopped for no known reason' };
  return { exitCode: final.exitCode, stoppedReason: final.reason, interrupted, containers, leftovers };
}

/**
 * Removes every object of the run: its containers (dependents first, with their anonymous
 * volumes), then anything else carrying its label, its volumes and its pod or pause container.
 * Returns what is still there.
 */
export async function cleanup(e: Engine, label: string, names: string[], taskName: string): Promise<string[]> {
  const filter = ['--filter', `label=${label}`];
  const ids = async (args: string[]) => lines((await e.exec(args)).stdout);
  // podman's rm takes a stop timeout; Docker's kills at once.
  const rm = e.kind === 'podman' ? ['rm', '-f', '-v', '-t', '0'] : ['rm', '-f', '-v'];
  for (const name of [...names].reverse()) await e.exec([...rm, name]);
  for (const id of await ids(['ps', '-a', '-q', ...filter])) await e.exec([...rm, id]);
  if (e.kind === 'podman') {
    await e.exec(['pod', 'rm', '-f', taskName]);
  } else {
    await e.exec([...rm, taskName]);
  }
  for (const v of await ids(['volume', 'ls', '-q', ...filter])) await e.exec(['volume', 'rm', '-f', v]);
  const left = [
    ...(await ids(['ps', '-a', '-q', ...filter])).map(id => `container ${id}`),
    ...(await ids(['volume', 'ls', '-q', ...filter])).map(v => `volume ${v}`),
    ...(e.kind === 'podman' ? (await ids(['pod', 'ps', '-q', ...filter])).map(p => `pod ${p}`) : []),
  ];
  return left;
}
