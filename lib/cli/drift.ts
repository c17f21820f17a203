/**
 * `cdk-enforced-fargate drift`: for CI. Re-reads every image that `lookup` recorded in the
 * context (cdk.context.json, and cdk.json's "context"), for the platform it was recorded for, and
 * exits 1 when a tag now points at another digest, saying whether the image's ENTRYPOINT/CMD
 * changed with it (then the protected container would start something else than the template
 * says). See docs/lookup.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseOptions } from './args';
import { Command, Io, packageVersion } from './io';
import { parseInsecure } from './lookup';
import { lookupCommand } from '../lookup/requests';
import { IMAGE_DEFAULTS_CONTEXT_KEY } from '../image-defaults';
import { lookupAll, LookupRequest } from '../lookup/batch';
import { ContextFileError, readImageDefaults } from '../lookup/context-file';
import { dockerConfigPath } from '../lookup/credentials';
import { environmentDispatcher } from '../lookup/http';
import { sanitize } from '../lookup/text';

const USAGE = `Usage:
  cdk-enforced-fargate drift [options]

Re-reads every image recorded under '${IMAGE_DEFAULTS_CONTEXT_KEY}' (by 'lookup') from its
registry, for the platform it was recorded for, and compares: exit 1 when a tag now points at a
different digest (saying whether ENTRYPOINT/CMD changed with it) or an image cannot be read.
Entries without a recorded digest (declared by hand) are listed and not checked.

Options:
  --context-file FILE      file to read (repeatable; default: cdk.context.json and cdk.json, those that exist)
  --insecure HOST[:PORT]   reach this registry over plain HTTP (as for lookup)
  --timeout SECONDS        deadline of each request (default 30)
  --docker-config FILE     Docker config with credentials
  --help, --version
Exit code: 0 no drift, 1 drift or a failed lookup, 2 usage.`;

interface Recorded {
  readonly reference: string;
  readonly file: string;
  readonly digest?: string;
  readonly platform?: string;
  readonly entryPoint?: unknown;
  readonly command?: unknown;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

async function run(args: string[], rawIo: Io): Promise<number> {
  const clean = (text: string) => text.split('\n').map(sanitize).join('\n');
  const io: Io = { ...rawIo, out: l => rawIo.out(clean(l)), err: l => rawIo.err(clean(l)) };
  const parsed = parseOptions('drift', args, {
    'context-file': { type: 'string', multiple: true },
    'insecure': { type: 'string', multiple: true },
    'timeout': { type: 'string' },
    'docker-config': { type: 'string' },
    'help': { type: 'boolean', short: 'h' },
    'version': { type: 'boolean' },
  });
  if (typeof parsed === 'string') {
    io.err(parsed);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (values.version) {
    io.out(packageVersion());
    return 0;
  }
  const usageError = (message: string) => {
    io.err(`cdk-enforced-fargate drift: ${message}`);
    return 2;
  };
  if (positionals.length > 0) return usageError(`takes no image arguments (got '${positionals[0]}'): it checks the images recorded in the context; see --help`);
  const insecure = parseInsecure((values.insecure as string[] | undefined) ?? []);
  if (typeof insecure === 'string') return usageError(insecure);
  const timeoutText = values.timeout as string | undefined;
  const timeoutSeconds = timeoutText === undefined ? 30 : Number(timeoutText);
  if (!(timeoutSeconds > 0 && timeoutSeconds <= 3600)) return usageError(`--timeout takes seconds between 0 and 3600, got '${timeoutText}'`);

  const named = values['context-file'] as string[] | undefined;
  const files = named !== undefined
    ? named.map(f => path.resolve(io.cwd, f))
    : ['cdk.context.json', 'cdk.json'].map(f => path.resolve(io.cwd, f)).filter(f => fs.existsSync(f));
  const recorded: Recorded[] = [];
  for (const file of files) {
    if (named !== undefined && !fs.existsSync(file)) return usageError(`--context-file ${file} does not exist`);
    let entries: Record<string, unknown>;
    try {
      entries = readImageDefaults(file);
    } catch (e) {
      if (!(e instanceof ContextFileError)) throw e;
      io.err(`error: ${e.message}`);
      return 1;
    }
    for (const [reference, value] of Object.entries(entries)) {
      const v = (value !== null && typeof value === 'object' ? value : {}) as Record<string, unknown>;
      recorded.push({
        reference, file,
        digest: typeof v.digest === 'string' ? v.digest : undefined,
        platform: typeof v.platform === 'string' ? v.platform : undefined,
        entryPoint: v.entryPoint, command: v.command,
      });
    }
  }
  const checked = recorded.filter(r => r.digest !== undefined);
  for (const r of recorded.filter(x => x.digest === undefined)) {
    io.out(`skipped  ${r.reference}: no digest recorded (declared by hand in ${path.basename(r.file)}), so nothing to compare`);
  }
  if (checked.length === 0) {
    io.out(`no image recorded by lookup in ${files.length > 0 ? files.map(f => path.basename(f)).join(', ') : `${io.cwd} (no cdk.context.json or cdk.json)`}: nothing to check`);
    return 0;
  }

  const requests: LookupRequest[] = checked.map(r => ({ reference: r.reference, platform: r.platform ?? 'linux/amd64' }));
  for (const r of checked.filter(x => x.platform === undefined)) {
    io.err(`note: ${r.reference} records no platform (looked up by an older version): checked for linux/amd64`);
  }
  const env = io.env ?? process.env;
  const dispatcher = environmentDispatcher(env);
  let outcomes;
  try {
    outcomes = await lookupAll(requests, {
      dockerConfig: (values['docker-config'] as string | undefined) ?? dockerConfigPath(env),
      insecureRegistries: insecure,
      timeoutMs: timeoutSeconds * 1000,
      dispatcher,
      progress: line => io.err(line),
    });
  } finally {
    await dispatcher.close().catch(() => undefined);
  }

  let drifted = 0;
  let failed = 0;
  const again: string[] = [];
  outcomes.forEach((o, i) => {
    const before = checked[i];
    const platform = requests[i].platform;
    if (o.error || !o.result) {
      failed++;
      io.err(`error: ${o.error?.line ?? `${before.reference}: no result`}`);
      return;
    }
    const now = o.result;
    if (now.digest === before.digest) {
      io.out(`ok       ${before.reference}  ${platform}  ${now.digest}`);
      return;
    }
    drifted++;
    again.push(`  ${lookupCommand(platform, before.reference)}`);
    const argvSame = same(before.entryPoint, now.entryPoint) && same(before.command, now.command);
    const argv = argvSame
      ? 'ENTRYPOINT/CMD unchanged'
      : `ENTRYPOINT/CMD CHANGED: entryPoint ${JSON.stringify(before.entryPoint ?? [])} -> ${JSON.stringify(now.entryPoint)}, command ${JSON.stringify(before.command ?? [])} -> ${JSON.stringify(now.command)}`;
    io.out(`DRIFT    ${before.reference}  ${platform}  ${before.digest} -> ${now.digest}; ${argv}`);
  });
  if (drifted > 0) {
    io.err(`${drifted} of ${checked.length} image(s) drifted. To accept the new images, look them up again (it rewrites their entries):`);
    again.forEach(line => io.err(line));
    io.err('To make drift impossible, reference each image by digest in the task definition (image@sha256:..., see docs/lookup.md).');
  }
  if (failed > 0) io.err(`${failed} of ${checked.length} image(s) could not be read`);
  if (drifted === 0 && failed === 0) io.out(`no drift: ${checked.length} image(s) still resolve to the recorded digest`);
  return drifted > 0 || failed > 0 ? 1 : 0;
}

export const drift: Command = {
  summary: 'exit 1 when an image recorded by lookup now resolves to another digest (for CI)',
  run,
};
