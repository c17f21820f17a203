/**
 * `cdk-enforced-fargate lookup`: reads images' ENTRYPOINT and CMD from their registries and
 * writes them, with the digest they resolved to and the platform they were read for, into
 * cdk.context.json under `cdk-enforced-fargate:imageDefaults`, where the construct reads them.
 * See docs/lookup.md.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseOptions } from './args';
import { Command, Io, packageVersion } from './io';
import { IMAGE_DEFAULTS_CONTEXT_KEY } from '../image-defaults';
import { BatchOutcome, lookupAll, LookupRequest } from '../lookup/batch';
import { contextPath, ContextFileError, updateImageDefaults } from '../lookup/context-file';
import { dockerConfigPath } from '../lookup/credentials';
import { environmentDispatcher } from '../lookup/http';
import { formatPlatform, parsePlatform } from '../lookup/registry';
import { lookupRequests } from '../lookup/requests';
import { sanitize } from '../lookup/text';

const USAGE = `Usage:
  cdk-enforced-fargate lookup [options] IMAGE...
  cdk-enforced-fargate lookup [options] --from-synth
  cdk-enforced-fargate lookup [options] --synth-output FILE|-

Reads each image's ENTRYPOINT and CMD from its registry (Registry HTTP API v2), checks every
manifest and config against its digest, and writes them, with the digest and the platform, into
cdk.context.json under '${IMAGE_DEFAULTS_CONTEXT_KEY}'.

Options:
  --platform linux/ARCH[/VARIANT]  platform to read from a multi-platform image (default linux/amd64)
  --from-synth                  run 'npx cdk synth' and look up every image it reports as unknown
  --synth-output FILE|-         look up the images named in a saved synthesis output ('-' = stdin)
  --context-file FILE           file to update (default ./cdk.context.json; a cdk.json is updated
                                under its "context" key, where the CDK reads context from it)
  --insecure HOST[:PORT]        reach this registry over plain HTTP (repeatable or comma-separated;
                                loopback registries always are). Credentials are never sent over
                                plain HTTP except to a loopback address.
  --timeout SECONDS             deadline of each request, body included (default 30)
  --docker-config FILE          Docker config with credentials (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)
  --help, --version
Proxies: HTTPS_PROXY, HTTP_PROXY and NO_PROXY are honoured.
Exit code: 0 all found, 1 some failed (the others are still written), 2 usage.`;

/** The largest saved synthesis output read. */
const SYNTH_OUTPUT_MAX_BYTES = 64 * 1024 * 1024;

/** Checks --insecure values: registry names, not URLs or images. */
export function parseInsecure(values: string[]): string[] | string {
  const names = values.flatMap(v => v.split(',')).map(v => v.trim()).filter(v => v !== '');
  const bad = names.find(n => !/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::\d+)?$/.test(n));
  if (bad !== undefined) {
    return `--insecure takes registry names (host or host:port, like Docker's insecure-registries), got '${bad}'`;
  }
  return names;
}

/** What the user can do when a lookup fails: declare the values, read them with a local tool. */
export function declareHint(failed: LookupRequest[], contextFile: string): string[] {
  if (failed.length === 0) return [];
  const underContext = contextPath(contextFile).length > 0;
  const lines = [
    '',
    `To go on without the registry, declare each image's ENTRYPOINT/CMD yourself in ${path.basename(contextFile)}${underContext ? ' (under "context")' : ''}`,
    '(the same JSON for every language; or in the task\'s imageDefaults prop, keyed the same way):',
    `  "${IMAGE_DEFAULTS_CONTEXT_KEY}": {`,
    ...failed.map((r, i) => `    ${JSON.stringify(r.reference)}: { "entryPoint": [ ... ], "command": [ ... ] }${i < failed.length - 1 ? ',' : ''}`),
    '  }',
    '("entryPoint": [] and "command": [] declare that the image has none.) Read the values from the image with one of:',
  ];
  for (const r of failed) {
    const p = parsePlatform(r.platform);
    const arch = typeof p === 'string' ? 'amd64' : p.architecture;
    lines.push(
      `  docker pull --platform ${r.platform} ${r.reference} && docker image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' ${r.reference}`,
      `  podman pull --platform ${r.platform} ${r.reference} && podman image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' ${r.reference}`,
      `  skopeo inspect --override-os linux --override-arch ${arch} --config docker://${r.reference}   (its .config.Entrypoint and .config.Cmd)`,
    );
  }
  return lines;
}

async function run(args: string[], rawIo: Io): Promise<number> {
  // Everything printed may carry registry text: no control characters reach the terminal.
  const clean = (text: string) => text.split('\n').map(sanitize).join('\n');
  const io: Io = { ...rawIo, out: l => rawIo.out(clean(l)), err: l => rawIo.err(clean(l)) };
  const parsed = parseOptions('lookup', args, {
    'platform': { type: 'string' },
    'from-synth': { type: 'boolean' },
    'synth-output': { type: 'string' },
    'context-file': { type: 'string' },
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
    io.err(`cdk-enforced-fargate lookup: ${message}`);
    return 2;
  };
  const explicitPlatform = values.platform as string | undefined;
  const platform = parsePlatform(explicitPlatform ?? 'linux/amd64');
  if (typeof platform === 'string') return usageError(`--platform ${platform}`);
  const insecure = parseInsecure((values.insecure as string[] | undefined) ?? []);
  if (typeof insecure === 'string') return usageError(insecure);
  const timeoutText = values.timeout as string | undefined;
  const timeoutSeconds = timeoutText === undefined ? 30 : Number(timeoutText);
  if (!(timeoutSeconds > 0 && timeoutSeconds <= 3600)) return usageError(`--timeout takes seconds between 0 and 3600, got '${timeoutText}'`);

  // What to look up: the arguments, or what a synthesis asked for (with its platform).
  let requests: LookupRequest[] = positionals.map(reference => ({ reference, platform: formatPlatform(platform) }));
  const synthOutput = values['synth-output'] as string | undefined;
  if (values['from-synth'] || synthOutput !== undefined) {
    let text: string;
    if (synthOutput !== undefined) {
      try {
        if (synthOutput !== '-' && fs.statSync(path.resolve(io.cwd, synthOutput)).size > SYNTH_OUTPUT_MAX_BYTES) {
          return usageError(`--synth-output ${synthOutput} is larger than ${SYNTH_OUTPUT_MAX_BYTES} bytes; save only the synthesis errors`);
        }
        text = synthOutput === '-' ? io.stdin() : fs.readFileSync(path.resolve(io.cwd, synthOutput), 'utf8');
      } catch (e) {
        return usageError(`cannot read --synth-output ${synthOutput}: ${(e as Error).message}`);
      }
    } else {
      io.err('running npx cdk synth --quiet --no-notices to find the images it cannot start ...');
      const synth = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices'], { cwd: io.cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: io.env ?? process.env });
      if (synth.error) {
        io.err(`cdk-enforced-fargate lookup: cannot run npx cdk synth: ${synth.error.message}`);
        return 2;
      }
      text = `${synth.stdout}\n${synth.stderr}`;
      if (synth.status !== 0 && lookupRequests(text).length === 0) {
        io.err(`cdk-enforced-fargate lookup: npx cdk synth failed (exit ${synth.status}) for a reason other than unknown image defaults:\n${text.trim().split('\n').slice(-20).join('\n')}`);
        return 1;
      }
    }
    const asked = lookupRequests(text).map(r => ({ reference: r.reference, platform: explicitPlatform !== undefined ? formatPlatform(platform) : r.platform }));
    requests = [...requests, ...asked];
    if (asked.length === 0 && positionals.length === 0) {
      io.out('the synthesis reports no image with unknown ENTRYPOINT/CMD: nothing to look up');
      return 0;
    }
  }
  if (requests.length === 0) {
    io.err('cdk-enforced-fargate lookup: name at least one image, or use --from-synth');
    io.err(USAGE);
    return 2;
  }

  const contextFile = path.resolve(io.cwd, (values['context-file'] as string | undefined) ?? 'cdk.context.json');
  const env = io.env ?? process.env;
  const dispatcher = environmentDispatcher(env);
  let outcomes: BatchOutcome[];
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

  const found: Record<string, unknown> = {};
  for (const o of outcomes) {
    if (o.result && o.entry) {
      found[o.request.reference] = o.entry;
      io.out(`${o.request.reference}  ${o.result.platform}  ${o.result.digest}  entryPoint=${JSON.stringify(o.result.entryPoint)} command=${JSON.stringify(o.result.command)}`);
    } else if (o.error) {
      io.err(`error: ${o.error.line}`);
    }
  }
  const failed = outcomes.filter(o => o.error);
  let code = failed.length > 0 ? 1 : 0;
  if (Object.keys(found).length > 0) {
    try {
      await updateImageDefaults(contextFile, found);
      const where = [...contextPath(contextFile), IMAGE_DEFAULTS_CONTEXT_KEY].map(k => `'${k}'`).join(' > ');
      io.out(`wrote ${Object.keys(found).length} image(s) to ${contextFile} under ${where}`);
    } catch (e) {
      if (!(e instanceof ContextFileError)) throw e;
      io.err(`error: ${e.message}`);
      code = 1;
    }
  }
  if (failed.length > 0) {
    io.err(`${failed.length} of ${requests.length} image(s) could not be looked up`);
    for (const line of declareHint(failed.filter(o => o.error?.kind !== 'bad reference').map(o => o.request), contextFile)) io.err(line);
  }
  return code;
}

export const lookup: Command = {
  summary: "read images' ENTRYPOINT/CMD from their registries into cdk.context.json",
  run,
};
