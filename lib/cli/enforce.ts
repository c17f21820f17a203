/**
 * `cdk-enforced-fargate enforce`: applies the enforcement core to a task definition JSON in the
 * ECS API form (describe-task-definition output, or register input such as CodeDeploy's
 * taskdef.json with `<IMAGE1_NAME>`), so that pipelines that register their own task definitions
 * run them protected too. Same rules, image-defaults sources and errors as at synthesis.
 *
 *   npx cdk-enforced-fargate enforce --enforcer enforcer.json [-o out.json] [--context-file F] taskdef.json|-
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { Command, Io } from './io';
import { IMAGE_DEFAULTS_CONTEXT_KEY } from '../image-defaults';

/** The largest input file read (task definitions are at most 64 KiB in ECS; descriptions are small). */
const MAX_INPUT_BYTES = 4 * 1024 * 1024;

const USAGE = `Usage:
  cdk-enforced-fargate enforce --enforcer FILE [options] TASKDEF|-

Protects every container of a task definition in the ECS API form (the output of
'aws ecs describe-task-definition', or register input such as CodeDeploy's taskdef.json) with the
enforcer the description FILE names, and writes the result as register-task-definition input.

Options:
  --enforcer FILE       the enforcer description (JSON: image, binaryPath, environment, secrets, ...;
                        see docs/enforce-command.md)
  -o, --output FILE     write the protected task definition here, atomically (default: stdout)
  --context-file FILE   image defaults under '${IMAGE_DEFAULTS_CONTEXT_KEY}' (default ./cdk.context.json if present)

Exit status: 0 protected, 1 a container cannot be protected (each error names the fix), 2 usage.
`;

/** Reads a file (or stdin for '-') up to MAX_INPUT_BYTES and parses it as JSON; throws one line. */
function readJson(file: string, io: Io, what: string): unknown {
  let text: string;
  try {
    if (file === '-') {
      text = io.stdin();
    } else {
      const full = path.resolve(io.cwd, file);
      const size = fs.statSync(full).size;
      if (size > MAX_INPUT_BYTES) throw new Error(`it is ${size} bytes; the limit is ${MAX_INPUT_BYTES}`);
      text = fs.readFileSync(full, 'utf8');
    }
  } catch (e) {
    throw new Error(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  if (text.length > MAX_INPUT_BYTES) throw new Error(`${what} ${file} is larger than ${MAX_INPUT_BYTES} bytes`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} ${file} is not JSON: ${(e as Error).message}`);
  }
}

/** Writes a file atomically: a temporary file beside it, then a rename. */
export function writeAtomically(file: string, content: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, content, { mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

async function run(args: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'enforcer': { type: 'string' },
        'output': { type: 'string', short: 'o' },
        'context-file': { type: 'string' },
        'help': { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.err(`cdk-enforced-fargate enforce: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (values.enforcer === undefined || positionals.length !== 1) {
    io.err(`cdk-enforced-fargate enforce: give --enforcer FILE and exactly one task definition file (or - for stdin)\n${USAGE}`);
    return 2;
  }
  const fail = (message: string) => {
    io.err(`cdk-enforced-fargate enforce: ${message}`);
    return 1;
  };
  let descriptionJson: unknown;
  let input: unknown;
  let context: { [image: string]: unknown } | undefined;
  try {
    descriptionJson = readJson(values.enforcer, io, 'the enforcer description');
    input = readJson(positionals[0], io, 'the task definition');
    const contextFile = values['context-file'] ?? (fs.existsSync(path.join(io.cwd, 'cdk.context.json')) ? 'cdk.context.json' : undefined);
    if (contextFile !== undefined) {
      const whole = readJson(contextFile, io, 'the context file');
      const value = whole !== null && typeof whole === 'object' ? (whole as Record<string, unknown>)[IMAGE_DEFAULTS_CONTEXT_KEY] : undefined;
      if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
        return fail(`context '${IMAGE_DEFAULTS_CONTEXT_KEY}' in ${contextFile} must be an object keyed by image reference, got ${JSON.stringify(value)}`);
      }
      context = value as { [image: string]: unknown } | undefined;
    }
  } catch (e) {
    return fail((e as Error).message);
  }
  // Loaded here, not at the top: it needs aws-cdk-lib (a peer dependency), and the other commands
  // of the bin must run where only the unpacked package is (as the jsii runtimes run it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  let core: typeof import('../enforcement/ecs-json');
  try {
    core = require('../enforcement/ecs-json') as typeof import('../enforcement/ecs-json');
  } catch (e) {
    if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
    return fail("needs aws-cdk-lib (this library's peer dependency) where Node finds it: run it in a CDK app's directory (npx cdk-enforced-fargate enforce ...) or 'npm install aws-cdk-lib' beside it");
  }
  const { enforceEcsJson, readEnforcerDescription } = core;
  const description = readEnforcerDescription(descriptionJson);
  if (typeof description === 'string') return fail(`${values.enforcer}: ${description}`);
  const result = enforceEcsJson(input, description, context);
  for (const note of result.notes) io.err(note);
  if (result.errors.length > 0 || result.output === undefined) {
    for (const e of result.errors) io.err(`error: ${e}`);
    return 1;
  }
  const text = `${JSON.stringify(result.output, undefined, 2)}\n`;
  if (values.output !== undefined) {
    const file = path.resolve(io.cwd, values.output);
    try {
      writeAtomically(file, text);
    } catch (e) {
      return fail(`cannot write ${file}: ${(e as Error).message}`);
    }
  } else {
    io.out(text.trimEnd());
  }
  const excluded = result.excluded.map(e => `${e.name} (${e.reason})`);
  io.err(`protected ${result.protected.length} container(s)${result.protected.length ? `: ${result.protected.join(', ')}` : ''}` +
    `; excluded ${excluded.length}${excluded.length ? `: ${excluded.join(', ')}` : ''}${values.output !== undefined ? `; wrote ${values.output}` : ''}`);
  return 0;
}

/** The `enforce` command. */
export const ENFORCE: Command = {
  summary: 'protect a task definition JSON (ECS API form, e.g. CodeDeploy taskdef.json) with an enforcer',
  run,
};
