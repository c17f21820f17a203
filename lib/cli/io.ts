/**
 * What a command of the package's CLI gets from the outside world, so that tests can run every
 * command in-process with their own streams and working directory.
 */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly cwd: string;
  readonly stdin: () => string;
}

/** A command of `cdk-enforced-fargate`: takes its own arguments (after the command's name). */
export interface Command {
  /** One line for the top-level usage. */
  readonly summary: string;
  /** Runs the command; resolves to its exit code (0 success, 1 a finding or failure, 2 usage). */
  readonly run: (args: string[], io: Io) => Promise<number>;
}

/** The process's own streams and directory. */
export function defaultIo(): Io {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('fs') as typeof import('fs');
  return {
    out: line => process.stdout.write(`${line}\n`),
    err: line => process.stderr.write(`${line}\n`),
    cwd: process.cwd(),
    stdin: () => fs.readFileSync(0, 'utf8'),
  };
}
