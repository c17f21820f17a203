/**
 * What a command of the package's CLI gets from the outside world, so that tests can run every
 * command in-process with their own streams and working directory.
 */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly cwd: string;
  readonly stdin: () => string;
  /** The environment (proxies, DOCKER_CONFIG). Default: the process's. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A command of `cdk-enforced-fargate`: takes its own arguments (after the command's name). */
export interface Command {
  /** One line for the top-level usage. */
  readonly summary: string;
  /** Runs the command; resolves to its exit code (0 success, 1 a finding or failure, 2 usage). */
  readonly run: (args: string[], io: Io) => Promise<number>;
}

/** The package's version, from its package.json. */
export function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../package.json') as { version: string }).version;
}

/**
 * The process's own streams and directory. When the reader of standard output goes away
 * (`... | head`), further output is dropped quietly and the command still finishes its work
 * (a context file is still written); the exit code is the command's.
 */
export function defaultIo(): Io {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('fs') as typeof import('fs');
  let stdoutGone = false;
  let stderrGone = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stdoutGone = true;
  });
  process.stderr.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stderrGone = true;
  });
  return {
    out: line => { if (!stdoutGone) process.stdout.write(`${line}\n`); },
    err: line => { if (!stderrGone) process.stderr.write(`${line}\n`); },
    cwd: process.cwd(),
    stdin: () => fs.readFileSync(0, 'utf8'),
    env: process.env,
  };
}
