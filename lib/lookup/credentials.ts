/**
 * Registry credentials from the Docker client's config (`$DOCKER_CONFIG/config.json`, default
 * `~/.docker/config.json`): `credHelpers[host]`, then `credsStore`, then `auths[host].auth`
 * (or `username`/`password`). A helper is the program `docker-credential-<name>`, asked with
 * `get` and the host on standard input, answering `{"Username": ..., "Secret": ...}`
 * (that is how private ECR works, with `docker-credential-ecr-login`).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface Credentials {
  readonly username: string;
  readonly secret: string;
  /** Where they came from, for messages (never the secret). */
  readonly from: string;
}

/** Thrown when the config or a helper is broken; "no credentials" is not an error. */
export class CredentialsError extends Error {}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json');
}

/** The names a host may be filed under in `auths` / `credHelpers`. */
function hostKeys(registry: string): string[] {
  if (registry === 'docker.io') return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [registry];
}

function normalizeKey(key: string): string {
  return key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

export function findCredentials(registry: string, configPath: string = dockerConfigPath()): Credentials | undefined {
  let config: any;
  try {
    config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  } catch (e: any) {
    if (e.code === 'ENOENT') return undefined;
    throw new CredentialsError(`cannot read ${configPath}: ${e.message}`);
  }
  const keys = hostKeys(registry);
  const pick = (map: unknown): [string, any] | undefined => {
    if (!map || typeof map !== 'object') return undefined;
    const entries = Object.entries(map as Record<string, unknown>);
    return entries.find(([k]) => keys.includes(k)) ?? entries.find(([k]) => keys.includes(normalizeKey(k)));
  };
  const helper = pick(config.credHelpers)?.[1] ?? config.credsStore;
  if (typeof helper === 'string' && helper !== '') {
    const fromHelper = askHelper(helper, keys[0]);
    if (fromHelper) return fromHelper;
  }
  const auth = pick(config.auths);
  if (auth) {
    const [key, entry] = auth;
    if (entry && typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep < 0) throw new CredentialsError(`${configPath}: auths['${key}'].auth is not base64 of 'user:password'`);
      return { username: decoded.slice(0, sep), secret: decoded.slice(sep + 1), from: `${configPath} auths['${key}']` };
    }
    if (entry && typeof entry.username === 'string' && typeof entry.password === 'string') {
      return { username: entry.username, secret: entry.password, from: `${configPath} auths['${key}']` };
    }
  }
  return undefined;
}

function askHelper(helper: string, host: string): Credentials | undefined {
  const program = `docker-credential-${helper}`;
  const run = spawnSync(program, ['get'], { input: host, encoding: 'utf8', timeout: 60_000, env: process.env });
  if (run.error) {
    throw new CredentialsError(`credential helper ${program} (configured for ${host}) cannot be run: ${run.error.message}; install it or remove it from the Docker config`);
  }
  if (run.status !== 0) {
    // Helpers answer "credentials not found in native keychain" when they have nothing for the host.
    if (/credentials not found/i.test(`${run.stdout}${run.stderr}`)) return undefined;
    throw new CredentialsError(`credential helper ${program} failed for ${host} (exit ${run.status}): ${`${run.stderr}${run.stdout}`.trim()}`);
  }
  let answer: any;
  try {
    answer = JSON.parse(run.stdout);
  } catch {
    throw new CredentialsError(`credential helper ${program} answered for ${host} with something that is not JSON`);
  }
  if (typeof answer.Username !== 'string' || typeof answer.Secret !== 'string') {
    throw new CredentialsError(`credential helper ${program} answered for ${host} without Username and Secret`);
  }
  return { username: answer.Username, secret: answer.Secret, from: `credential helper ${program}` };
}
