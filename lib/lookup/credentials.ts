/**
 * Registry credentials from the Docker client's config (`$DOCKER_CONFIG/config.json`, default
 * `~/.docker/config.json`): `credHelpers[host]`, then `credsStore`, then `auths[host]` (`auth`,
 * `username`/`password`, or `identitytoken`). A helper is the program `docker-credential-<name>`,
 * asked with `get` and the host on standard input, answering `{"Username": ..., "Secret": ...}`
 * (that is how private ECR works, with `docker-credential-ecr-login`); a Username of `<token>`
 * means the Secret is an identity token (an OAuth2 refresh token), as in Docker.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { excerpt } from './text';

export interface Credentials {
  readonly username: string;
  readonly secret: string;
  /** An OAuth2 refresh token (Docker's `identitytoken`), exchanged at the token service. */
  readonly identityToken?: string;
  /** Where they came from, for messages (never the secret). */
  readonly from: string;
}

/** Thrown when the config or a helper is broken; "no credentials" is not an error. */
export class CredentialsError extends Error {}

export interface HelperLimits {
  /** How long a helper may take. Default 30 s. */
  readonly timeoutMs?: number;
  /** The most a helper may print. Default 64 KiB. */
  readonly maxBytes?: number;
}

/** The largest Docker config read. */
const CONFIG_MAX_BYTES = 1024 * 1024;

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

function readConfig(configPath: string): any {
  let text: string;
  try {
    const size = fs.statSync(configPath).size;
    if (size > CONFIG_MAX_BYTES) throw new CredentialsError(`${configPath} is ${size} bytes, more than the ${CONFIG_MAX_BYTES} this tool reads`);
    text = fs.readFileSync(configPath, 'utf8');
  } catch (e: any) {
    if (e instanceof CredentialsError) throw e;
    if (e.code === 'ENOENT') return undefined;
    throw new CredentialsError(`cannot read ${configPath}: ${e.message}`);
  }
  try {
    const config = JSON.parse(text.replace(/^\uFEFF/, ''));
    if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new Error('not a JSON object');
    return config;
  } catch (e) {
    throw new CredentialsError(`cannot read ${configPath}: ${(e as Error).message}`);
  }
}

export function findCredentials(registry: string, configPath: string = dockerConfigPath(), limits: HelperLimits = {}): Credentials | undefined {
  const config = readConfig(configPath);
  if (config === undefined) return undefined;
  const keys = hostKeys(registry);
  const pick = (map: unknown): [string, any] | undefined => {
    if (!map || typeof map !== 'object' || Array.isArray(map)) return undefined;
    const entries = Object.entries(map as Record<string, unknown>);
    return entries.find(([k]) => keys.includes(k)) ?? entries.find(([k]) => keys.includes(normalizeKey(k)));
  };
  const helper = pick(config.credHelpers)?.[1] ?? config.credsStore;
  if (helper !== undefined && helper !== '') {
    if (typeof helper !== 'string' || !/^[A-Za-z0-9._-]+$/.test(helper)) {
      throw new CredentialsError(`${configPath}: the credential helper name ${excerpt(JSON.stringify(helper) ?? '', 60)} is not a program name suffix`);
    }
    const fromHelper = askHelper(helper, keys[0], limits);
    if (fromHelper) return fromHelper;
  }
  const auth = pick(config.auths);
  if (auth) {
    const [key, entry] = auth;
    const from = `${configPath} auths['${excerpt(key, 100)}']`;
    if (entry === null || typeof entry !== 'object') throw new CredentialsError(`${from} is not an object`);
    if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
      return { username: typeof entry.username === 'string' ? entry.username : '<token>', secret: '', identityToken: entry.identitytoken, from };
    }
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep < 0) throw new CredentialsError(`${from}.auth is not base64 of 'user:password'`);
      return { username: decoded.slice(0, sep), secret: decoded.slice(sep + 1), from };
    }
    if (typeof entry.username === 'string' && typeof entry.password === 'string') {
      return { username: entry.username, secret: entry.password, from };
    }
  }
  return undefined;
}

function askHelper(helper: string, host: string, limits: HelperLimits): Credentials | undefined {
  const program = `docker-credential-${helper}`;
  const timeoutMs = limits.timeoutMs ?? 30_000;
  const maxBytes = limits.maxBytes ?? 64 * 1024;
  const run = spawnSync(program, ['get'], {
    input: host, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: maxBytes, env: process.env,
  });
  const said = () => excerpt(`${run.stderr ?? ''}${run.stdout ?? ''}`.trim(), 200);
  const code = (run.error as NodeJS.ErrnoException | undefined)?.code;
  // A helper that exits without reading the host (EPIPE) is judged by its answer, as Docker does.
  if (run.error && code !== 'EPIPE') {
    if (code === 'ENOENT') throw new CredentialsError(`credential helper ${program} (configured for ${host}) is not on the PATH; install it or remove it from the Docker config`);
    if (code === 'EACCES') throw new CredentialsError(`credential helper ${program} (configured for ${host}) is not executable (EACCES)`);
    if (code === 'ETIMEDOUT') throw new CredentialsError(`credential helper ${program} did not answer for ${host} within ${timeoutMs / 1000} s and was stopped; it may be waiting for a prompt or a keychain unlock`);
    if (code === 'ENOBUFS') throw new CredentialsError(`credential helper ${program} printed more than ${maxBytes} bytes for ${host} and was stopped`);
    throw new CredentialsError(`credential helper ${program} (configured for ${host}) failed to run: ${excerpt(run.error.message, 200)}`);
  }
  if (run.status !== 0) {
    // Helpers answer "credentials not found in native keychain" when they have nothing for the host.
    if (/credentials not found/i.test(`${run.stdout}${run.stderr}`)) return undefined;
    const how = run.status === null ? `was killed by ${run.signal}` : `exited ${run.status}`;
    throw new CredentialsError(`credential helper ${program} failed for ${host} (${how})${code === 'EPIPE' ? ' without reading the host from its standard input' : ''}: ${said()}`);
  }
  let answer: any;
  try {
    answer = JSON.parse(run.stdout);
  } catch {
    throw new CredentialsError(`credential helper ${program} answered for ${host} with something that is not JSON: ${excerpt(run.stdout, 80)}`);
  }
  if (answer === null || typeof answer !== 'object' || typeof answer.Username !== 'string' || typeof answer.Secret !== 'string') {
    throw new CredentialsError(`credential helper ${program} answered for ${host} without Username and Secret strings`);
  }
  if (answer.Username === '<token>') {
    return { username: answer.Username, secret: '', identityToken: answer.Secret, from: `credential helper ${program}` };
  }
  return { username: answer.Username, secret: answer.Secret, from: `credential helper ${program}` };
}
