/**
 * The container engine `run` drives: podman or Docker, through its command-line client. Every
 * call runs in a process group of its own, so that a Ctrl-C in the terminal reaches `run` (which
 * then stops and removes the task) and not the engine calls that do the stopping.
 */
import { spawn } from 'child_process';

/** The largest output kept from one engine call (the rest is dropped). */
const MAX_OUTPUT = 1024 * 1024;

/** Which engine, and how to call it. */
export interface EngineOptions {
  /** `podman` or `docker`: decides how the task's network namespace is made. */
  readonly kind: 'podman' | 'docker';
  /** The client program (default: the kind's name, found on PATH). */
  readonly program?: string;
  /** The client's environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
}

/** The result of one engine call. */
export interface EngineResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A podman or Docker client. */
export class Engine {
  public readonly kind: 'podman' | 'docker';
  public readonly program: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: EngineOptions) {
    this.kind = options.kind;
    this.program = options.program ?? options.kind;
    this.env = options.env ?? process.env;
  }

  /**
   * Runs `<engine> <args>`; resolves with its status and (bounded) output. Never rejects.
   * Aborting `signal` ends the call (its whole process group), e.g. a long image build on Ctrl-C.
   */
  public exec(args: string[], extraEnv: { [name: string]: string } = {}, signal?: AbortSignal): Promise<EngineResult> {
    return new Promise(resolve => {
      const child = spawn(this.program, args, { env: { ...this.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const kill = () => { if (child.pid !== undefined && child.exitCode === null) { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } } };
      signal?.addEventListener('abort', kill);
      child.on('close', () => signal?.removeEventListener('abort', kill));
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => { if (stdout.length < MAX_OUTPUT) stdout += d.toString('utf8'); });
      child.stderr.on('data', (d: Buffer) => { if (stderr.length < MAX_OUTPUT) stderr += d.toString('utf8'); });
      child.on('error', e => resolve({ status: -1, stdout, stderr: `${this.program}: ${e.message}` }));
      child.on('close', code => resolve({ status: code ?? -1, stdout, stderr }));
    });
  }

  /**
   * Follows a container's logs, calling `line` for each line of its stdout and stderr; resolves
   * when the container has stopped and its logs are read. `stop()` ends the following early.
   */
  public follow(container: string, line: (text: string, stream: 'stdout' | 'stderr') => void): { done: Promise<void>; stop: () => void } {
    const child = spawn(this.program, ['logs', '-f', container], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const split = (stream: 'stdout' | 'stderr') => {
      let rest = '';
      child[stream].on('data', (d: Buffer) => {
        rest += d.toString('utf8');
        let i;
        while ((i = rest.indexOf('\n')) >= 0) {
          line(rest.slice(0, i), stream);
          rest = rest.slice(i + 1);
        }
        if (rest.length > MAX_OUTPUT) { line(rest, stream); rest = ''; }
      });
      return new Promise<void>(resolve => child[stream].on('end', () => { if (rest) line(rest, stream); resolve(); }));
    };
    const streams = Promise.all([split('stdout'), split('stderr')]);
    const exited = new Promise<void>(resolve => { child.on('close', () => resolve()); child.on('error', () => resolve()); });
    return {
      done: Promise.all([streams, exited]).then(() => undefined),
      stop: () => { if (child.exitCode === null && child.pid !== undefined) { try { process.kill(child.pid, 'SIGTERM'); } catch { /* already gone */ } } },
    };
  }
}
