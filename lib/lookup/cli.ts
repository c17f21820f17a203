#!/usr/bin/env node
/**
 * `cdk-enforced-fargate lookup`: reads images' ENTRYPOINT and CMD from their registries and
 * writes them, with the digest they resolved to, into cdk.context.json under
 * `cdk-enforced-fargate:imageDefaults`, where EnforcedFargateTaskDefinition reads them.
 *
 *   npx cdk-enforced-fargate lookup [--platform linux/amd64] [--insecure] [--context-file F] REF...
 *   npx cdk-enforced-fargate lookup --from-synth            # runs `npx cdk synth`, looks up what it asks for
 *   npx cdk synth 2>&1 | npx cdk-enforced-fargate lookup --synth-output -
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { CredentialsError, dockerConfigPath, findCredentials } from './credentials';
import { parseImageReference } from './reference';
import { formatPlatform, lookupImage, LookupError, parsePlatform } from './registry';
import { lookupRequests } from './requests';

/** The context key the construct reads (kept in step with image-defaults.ts). */
const CONTEXT_KEY = 'cdk-enforced-fargate:imageDefaults';

const USAGE = `Usage:
  cdk-enforced-fargate lookup [options] IMAGE...
  cdk-enforced-fargate lookup [options] --from-synth
  cdk-enforced-fargate lookup [options] --synth-output FILE|-

Reads each image's ENTRYPOINT and CMD from its registry (Registry HTTP API v2) and writes them,
with the resolved digest, into cdk.context.json under '${CONTEXT_KEY}'.

Options:
  --platform OS/ARCH[/VARIANT]  platform to read from a multi-platform image (default linux/amd64)
  --from-synth                  run 'npx cdk synth' and look up every image it reports as unknown
  --synth-output FILE|-         look up the images named in a saved synthesis output ('-' = stdin)
  --context-file FILE           file to update (default ./cdk.context.json)
  --insecure                    allow plain HTTP to registries that are not on a loopback address
  --docker-config FILE          Docker config with credentials (default $DOCKER_CONFIG/config.json or ~/.docker/config.json)
`;

interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly cwd: string;
  readonly stdin: () => string;
}

/** Runs the CLI; returns the exit code (0 all found, 1 some failed, 2 usage). */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h') {
    io.out(USAGE);
    return subcommand === undefined ? 2 : 0;
  }
  if (subcommand !== 'lookup') {
    io.err(`cdk-enforced-fargate: unknown subcommand '${subcommand}'\n${USAGE}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        'platform': { type: 'string' },
        'from-synth': { type: 'boolean' },
        'synth-output': { type: 'string' },
        'context-file': { type: 'string' },
        'insecure': { type: 'boolean' },
        'docker-config': { type: 'string' },
        'help': { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.err(`cdk-enforced-fargate lookup: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }

  const platformText = values.platform ?? 'linux/amd64';
  const platform = parsePlatform(platformText);
  if (typeof platform === 'string') {
    io.err(`cdk-enforced-fargate lookup: --platform ${platform}`);
    return 2;
  }

  // What to look up: the arguments, or what a synthesis asked for (with its platform).
  let requests = positionals.map(reference => ({ reference, platform: formatPlatform(platform) }));
  if (values['from-synth'] || values['synth-output'] !== undefined) {
    let text: string;
    if (values['synth-output'] !== undefined) {
      const file = values['synth-output'];
      try {
        text = file === '-' ? io.stdin() : fs.readFileSync(path.resolve(io.cwd, file), 'utf8');
      } catch (e) {
        io.err(`cdk-enforced-fargate lookup: cannot read --synth-output ${file}: ${(e as Error).message}`);
        return 2;
      }
    } else {
      io.err('running npx cdk synth --quiet --no-notices to find the images it cannot start ...');
      const run = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices'], { cwd: io.cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (run.error) {
        io.err(`cdk-enforced-fargate lookup: cannot run npx cdk synth: ${run.error.message}`);
        return 2;
      }
      text = `${run.stdout}\n${run.stderr}`;
      if (run.status !== 0 && lookupRequests(text).length === 0) {
        io.err(`cdk-enforced-fargate lookup: npx cdk synth failed (exit ${run.status}) for a reason other than unknown image defaults:\n${text.trim().split('\n').slice(-20).join('\n')}`);
        return 1;
      }
    }
    const asked = lookupRequests(text).map(r => ({
      reference: r.reference,
      platform: values.platform !== undefined ? formatPlatform(platform) : r.platform,
    }));
    requests = [...requests, ...asked];
    if (asked.length === 0 && positionals.length === 0) {
      io.out('the synthesis reports no image with unknown ENTRYPOINT/CMD: nothing to look up');
      return 0;
    }
  }
  if (requests.length === 0) {
    io.err(`cdk-enforced-fargate lookup: name at least one image, or use --from-synth\n${USAGE}`);
    return 2;
  }

  const configPath = values['docker-config'] ?? dockerConfigPath();
  const credentialCache = new Map<string, ReturnType<typeof findCredentials>>();
  const credentials = (registry: string) => {
    if (!credentialCache.has(registry)) credentialCache.set(registry, findCredentials(registry, configPath));
    return credentialCache.get(registry);
  };

  const found: Record<string, unknown> = {};
  let failures = 0;
  for (const request of requests) {
    const ref = parseImageReference(request.reference);
    if (typeof ref === 'string') {
      io.err(`error: ${request.reference}: bad reference: ${ref}`);
      failures++;
      continue;
    }
    const requestPlatform = parsePlatform(request.platform);
    if (typeof requestPlatform === 'string') {
      io.err(`error: ${request.reference}: bad platform: ${requestPlatform}`);
      failures++;
      continue;
    }
    try {
      const result = await lookupImage(ref, { platform: requestPlatform, insecure: values.insecure, credentials });
      found[request.reference] = {
        entryPoint: result.entryPoint,
        command: result.command,
        digest: result.digest,
        source: `registry ${ref.registry}/${ref.repository} ${result.platform} ${result.manifestDigest}`,
      };
      io.out(`${request.reference}  ${result.platform}  ${result.digest}  entryPoint=${JSON.stringify(result.entryPoint)} command=${JSON.stringify(result.command)}`);
    } catch (e) {
      if (e instanceof LookupError) io.err(`error: ${e.message}`);
      else if (e instanceof CredentialsError) io.err(`error: ${request.reference}: credentials: ${e.message}`);
      else throw e;
      failures++;
    }
  }

  if (Object.keys(found).length > 0) {
    const file = path.resolve(io.cwd, values['context-file'] ?? 'cdk.context.json');
    try {
      writeContext(file, found);
    } catch (e) {
      io.err(`error: cannot update ${file}: ${(e as Error).message}`);
      return 1;
    }
    io.out(`wrote ${Object.keys(found).length} image(s) to ${file} under '${CONTEXT_KEY}'`);
  }
  if (failures > 0) io.err(`${failures} of ${requests.length} image(s) could not be looked up`);
  return failures > 0 ? 1 : 0;
}

/** Merges the entries into the context file's image-defaults map, keeping everything else. */
export function writeContext(file: string, entries: Record<string, unknown>): void {
  let context: Record<string, unknown> = {};
  if (fs.existsSync(file)) {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('it does not hold a JSON object');
    context = parsed;
  }
  const existing = context[CONTEXT_KEY];
  if (existing !== undefined && (existing === null || typeof existing !== 'object' || Array.isArray(existing))) {
    throw new Error(`its '${CONTEXT_KEY}' is not an object`);
  }
  const merged = { ...(existing as Record<string, unknown> | undefined), ...entries };
  const sorted = Object.fromEntries(Object.keys(merged).sort().map(k => [k, merged[k]]));
  context[CONTEXT_KEY] = sorted;
  fs.writeFileSync(file, `${JSON.stringify(context, undefined, 2)}\n`);
}

function defaultIo(): Io {
  return {
    out: line => process.stdout.write(`${line}\n`),
    err: line => process.stderr.write(`${line}\n`),
    cwd: process.cwd(),
    stdin: () => fs.readFileSync(0, 'utf8'),
  };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(code => { process.exitCode = code; }, e => {
    process.stderr.write(`cdk-enforced-fargate: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  });
}
