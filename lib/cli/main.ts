#!/usr/bin/env node
/**
 * `cdk-enforced-fargate`: the package's command line. Each command lives in a file of its own and
 * is listed in COMMANDS; this file only dispatches.
 */
import { audit } from './audit';
import { Command, defaultIo, Io, packageVersion } from './io';
import { drift } from './drift';
import { ENFORCE } from './enforce';
import { lookup } from './lookup';
import { runCliCommand } from './run';

/** Every command, by name. A new command adds one line here and a file beside this one. */
export const COMMANDS: { [name: string]: Command } = {
  lookup,
  drift,
  enforce: ENFORCE,
  run: runCliCommand,
  audit,
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map(n => n.length));
  return [
    'Usage: cdk-enforced-fargate COMMAND [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'cdk-enforced-fargate COMMAND --help' for a command's options.",
    '  --help      this text',
    '  --version   the package version',
  ].join('\n');
}

/** The package's version, from its package.json. */
export function version(): string {
  return packageVersion();
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(version());
    return 0;
  }
  if (name === undefined) {
    io.err(usage());
    return 2;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.err(`cdk-enforced-fargate: unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')} (see --help)`);
    return 2;
  }
  return command.run(rest, io);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(code => { process.exitCode = code; }, e => {
    process.stderr.write(`cdk-enforced-fargate: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  });
}
