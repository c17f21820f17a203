/**
 * Reads an image's ENTRYPOINT and CMD from its registry over the Registry HTTP API v2 (the OCI
 * distribution spec): the manifest (an OCI image index or a Docker manifest list is narrowed to
 * the wanted platform), then the config blob.
 *
 * Nothing the registry sends is trusted: every content-addressed object (a manifest asked for by
 * digest, an index's child manifest, the config blob) is checked against its digest (sha256 or
 * sha512; another algorithm is refused); a manifest asked for by tag gets the digest computed
 * here, never the one a header claims; every JSON field is type-checked; each body is read under
 * a byte limit and a deadline; credentials go over HTTPS or to a loopback address only.
 *
 * Written on undici's fetch rather than a registry client library: the one maintained npm client
 * (`@snyk/docker-registry-v2-client` 4.x) always speaks https (no loopback registry), knows
 * nothing of Docker credential helpers, and does not verify digests.
 */
import { Dispatcher } from 'undici';
import { Credentials } from './credentials';
import { computeDigest, Digest, matchesDigest, parseDigest } from './digest';
import { HttpFailure, httpRequest, HttpResponse } from './http';
import { ImageReference, isLoopback } from './reference';
import { excerpt } from './text';

/** What a lookup failed on; messages read `<ref>: <kind>: <detail>`. */
export type LookupFailure = 'bad reference' | 'not found' | 'unauthorized' | 'no matching platform' | 'registry unreachable'
| 'timeout' | 'too large' | 'bad response' | 'digest mismatch' | 'insecure' | 'credentials';

export class LookupError extends Error {
  constructor(public readonly kind: LookupFailure, public readonly reference: string, public readonly detail: string) {
    super(`${reference}: ${kind}: ${detail}`);
  }
}

/** The largest manifest or index read (the OCI distribution spec's 4 MiB). */
export const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;
/** The largest config blob read. */
export const CONFIG_MAX_BYTES = 8 * 1024 * 1024;
/** The largest token response read. */
export const TOKEN_MAX_BYTES = 1024 * 1024;
/** Redirects followed per request. */
const MAX_REDIRECTS = 5;

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/** Parses `os/arch[/variant]`; only Linux (Fargate's Windows tasks are refused by the construct). */
export function parsePlatform(text: string): Platform | string {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some(p => !/^[a-z0-9_.-]+$/.test(p))) {
    return `'${text}' is not a platform (expected os/arch[/variant], e.g. linux/amd64 or linux/arm64)`;
  }
  if (parts[0] !== 'linux') {
    return `'${text}' is not a Linux platform: the construct protects Linux tasks only (it refuses Windows tasks), so only linux/ARCH images are looked up`;
  }
  return { os: parts[0], architecture: parts[1], variant: parts[2] };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(x => x).join('/');
}

export interface LookupOptions {
  readonly platform: Platform;
  /** Registries (host[:port], as in the reference) to reach over plain HTTP; loopback ones always are. */
  readonly insecureRegistries?: string[];
  readonly credentials?: (registry: string) => Credentials | undefined;
  /** Deadline of each request, body included. Default 30 s. */
  readonly timeoutMs?: number;
  /** Where requests go (a proxy agent, say). */
  readonly dispatcher: Dispatcher;
}

export interface LookupResult {
  readonly entryPoint: string[];
  readonly command: string[];
  /** The digest the reference resolved to (of the index or list when there is one), computed here. */
  readonly digest: string;
  /** The digest of the platform's image manifest. */
  readonly manifestDigest: string;
  readonly platform: string;
}

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];
const MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];

type Json = { [key: string]: unknown };
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads the ENTRYPOINT and CMD of `ref` for `options.platform`. Throws `LookupError` only. */
export async function lookupImage(ref: ImageReference, options: LookupOptions): Promise<LookupResult> {
  const session = new RegistrySession(ref, options);
  const fail = (kind: LookupFailure, detail: string) => new LookupError(kind, ref.original, detail);
  const wanted = formatPlatform(options.platform);

  const asked = ref.reference.includes(':') ? parseDigest(ref.reference) : undefined;
  if (typeof asked === 'string') throw fail('bad reference', asked);
  const top = await session.manifest(ref.reference, [...INDEX_TYPES, ...MANIFEST_TYPES], asked);
  let manifest = top;
  if (INDEX_TYPES.includes(top.mediaType)) {
    const entries = indexEntries(top.body, fail);
    const real = entries.filter(m => m.platform && m.platform.os !== 'unknown') as (IndexEntry & { platform: Platform })[];
    const match = pickPlatform(real, options.platform);
    if (!match) {
      const offered = real.map(m => formatPlatform(m.platform)).join(', ') || 'none';
      throw fail('no matching platform', `the image has no ${wanted} variant (it has: ${excerpt(offered, 300)}); pass --platform with one of those, or use an image built for ${wanted}`);
    }
    const digest = parseDigest(match.digest);
    if (typeof digest === 'string') throw fail('bad response', `the index entry for ${wanted}: ${digest}`);
    manifest = await session.manifest(match.digest as string, MANIFEST_TYPES, digest, match.size);
  }
  if (!MANIFEST_TYPES.includes(manifest.mediaType)) {
    throw fail('bad response', `unsupported manifest type '${excerpt(manifest.mediaType, 100)}' from ${ref.apiHost} (expected an OCI or Docker v2 image manifest)`);
  }
  const descriptor = manifest.body.config;
  if (!isObject(descriptor)) throw fail('bad response', 'the manifest has no "config" object');
  const configDigest = parseDigest(descriptor.digest);
  if (typeof configDigest === 'string') throw fail('bad response', `the manifest's config: ${configDigest}`);
  const size = descriptor.size;
  if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)) {
    throw fail('bad response', `the manifest's config size is ${excerpt(JSON.stringify(size), 50)}, not a byte count`);
  }
  const config = await session.blobJson(descriptor.digest as string, configDigest, size);

  const has = { os: config.os, architecture: config.architecture, variant: config.variant };
  if (typeof has.os !== 'string' || typeof has.architecture !== 'string' || (has.variant !== undefined && typeof has.variant !== 'string')) {
    throw fail('bad response', 'the image config names no os/architecture strings');
  }
  if (has.os !== options.platform.os || has.architecture !== options.platform.architecture) {
    const found = formatPlatform(has as Platform);
    if (manifest === top) {
      throw fail('no matching platform', `it is a single-platform image for ${excerpt(found, 100)}, not ${wanted}; pass --platform ${excerpt(found, 100)} if the task runs there, or use an image built for ${wanted}`);
    }
    throw fail('bad response', `the index lists the manifest for ${wanted}, but its config says ${excerpt(found, 100)}`);
  }
  const inner = config.config;
  if (inner !== undefined && inner !== null && !isObject(inner)) throw fail('bad response', 'the image config\'s "config" is not an object');
  const list = (v: unknown, what: string): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) throw fail('bad response', `the image config's ${what} is not a list of strings`);
    return v as string[];
  };
  return {
    entryPoint: list(inner?.Entrypoint, 'Entrypoint'),
    command: list(inner?.Cmd, 'Cmd'),
    digest: top.digest,
    manifestDigest: manifest.digest,
    platform: wanted,
  };
}

interface IndexEntry {
  readonly digest: unknown;
  readonly size?: number;
  readonly platform?: Platform;
}

/** The entries of an image index, each type-checked. */
function indexEntries(body: Json, fail: (kind: LookupFailure, detail: string) => LookupError): IndexEntry[] {
  if (!Array.isArray(body.manifests)) throw fail('bad response', 'the image index has no "manifests" list');
  return body.manifests.map((m: unknown, i: number) => {
    const where = `the image index's manifests[${i}]`;
    if (!isObject(m)) throw fail('bad response', `${where} is not an object`);
    if (m.size !== undefined && (typeof m.size !== 'number' || !Number.isSafeInteger(m.size) || m.size < 0)) {
      throw fail('bad response', `${where}.size is not a byte count`);
    }
    const p = m.platform;
    if (p === undefined || p === null) return { digest: m.digest, size: m.size as number | undefined };
    if (!isObject(p) || typeof p.os !== 'string' || typeof p.architecture !== 'string' || (p.variant !== undefined && typeof p.variant !== 'string')) {
      throw fail('bad response', `${where}.platform is not {os, architecture[, variant]} strings`);
    }
    return { digest: m.digest, size: m.size as number | undefined, platform: { os: p.os, architecture: p.architecture, variant: p.variant as string | undefined } };
  });
}

function pickPlatform<T extends { platform: Platform }>(entries: T[], want: Platform): T | undefined {
  const same = entries.filter(e => e.platform.os === want.os && e.platform.architecture === want.architecture);
  if (want.variant) return same.find(e => e.platform.variant === want.variant);
  // arm64 images carry variant v8 or none; either fits a request without a variant.
  return same.find(e => !e.platform.variant) ?? same.find(e => e.platform.variant === 'v8') ?? same[0];
}

interface Fetched {
  readonly mediaType: string;
  readonly body: Json;
  readonly digest: string;
}

class RegistrySession {
  private authorization?: string;
  private readonly origin: string;
  private readonly base: string;

  constructor(private readonly ref: ImageReference, private readonly options: LookupOptions) {
    this.origin = registryOrigin(ref.registry, ref.apiHost, options.insecureRegistries);
    this.base = `${this.origin}/v2/${ref.repository}`;
  }

  private fail(kind: LookupFailure, detail: string): LookupError {
    return new LookupError(kind, this.ref.original, detail);
  }

  async manifest(reference: string, accept: string[], expected?: Digest, size?: number): Promise<Fetched> {
    const res = await this.get(`${this.base}/manifests/${reference}`, accept.join(', '), MANIFEST_MAX_BYTES, `manifest '${reference}'`);
    if (res.status === 404) {
      throw this.fail('not found', `${this.ref.apiHost} has no manifest '${reference}' in repository '${this.ref.repository}'${this.detail(res)}; check the name and tag`);
    }
    this.check(res, `manifest '${reference}'`);
    const bytes = res.body;
    let digest: string;
    if (expected) {
      if (!matchesDigest(expected, bytes)) {
        throw this.fail('digest mismatch', `${this.ref.apiHost} sent a manifest for ${reference} whose content has the digest ${computeDigest(expected.algorithm, bytes)}: it is not the manifest asked for`);
      }
      digest = reference;
    } else {
      digest = computeDigest('sha256', bytes);
      const claimed = parseDigest(res.headers.get('docker-content-digest') ?? undefined);
      if (typeof claimed !== 'string' && !matchesDigest(claimed, bytes)) {
        throw this.fail('digest mismatch', `${this.ref.apiHost} says the manifest of '${reference}' is ${claimed.algorithm}:${claimed.hex}, but the manifest it sent is ${computeDigest(claimed.algorithm, bytes)}`);
      }
    }
    if (size !== undefined && bytes.length !== size) {
      throw this.fail('bad response', `the manifest ${reference} is ${bytes.length} bytes, but the index says ${size}`);
    }
    const body = this.json(bytes, `the manifest '${reference}'`);
    if (body.mediaType !== undefined && typeof body.mediaType !== 'string') {
      throw this.fail('bad response', `the manifest '${reference}' has a mediaType that is not a string`);
    }
    const mediaType = (body.mediaType as string | undefined) ?? (res.headers.get('content-type') ?? '').split(';')[0].trim();
    return { mediaType, body, digest };
  }

  async blobJson(digest: string, expected: Digest, size?: number): Promise<Json> {
    const res = await this.get(`${this.base}/blobs/${digest}`, '*/*', CONFIG_MAX_BYTES, `config blob ${digest}`);
    if (res.status === 404) throw this.fail('not found', `${this.ref.apiHost} has no config blob ${digest}${this.detail(res)}`);
    this.check(res, `config blob ${digest}`);
    if (!matchesDigest(expected, res.body)) {
      throw this.fail('digest mismatch', `the config blob ${this.ref.apiHost} sent has the digest ${computeDigest(expected.algorithm, res.body)}, not ${digest}`);
    }
    if (size !== undefined && res.body.length !== size) {
      throw this.fail('bad response', `the config blob is ${res.body.length} bytes, but the manifest says ${size}`);
    }
    return this.json(res.body, `the config blob ${digest}`);
  }

  private json(bytes: Buffer, what: string): Json {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw this.fail('bad response', `${what} from ${this.ref.apiHost} is not JSON`);
    }
    if (!isObject(value)) throw this.fail('bad response', `${what} from ${this.ref.apiHost} is not a JSON object`);
    return value;
  }

  private check(res: HttpResponse, what: string): void {
    if (res.status === 401 || res.status === 403) {
      throw this.fail('unauthorized', `${this.ref.apiHost} refused ${what} (HTTP ${res.status})${this.detail(res)}${this.credentialsHint()}`);
    }
    if (res.status < 200 || res.status >= 300) {
      throw this.fail('bad response', `${this.ref.apiHost} answered HTTP ${res.status} for ${what}${this.detail(res)}`);
    }
  }

  /** Credentials for this registry, unless they would travel over plain HTTP to another machine. */
  private usableCredentials(): Credentials | undefined {
    if (!this.credentialsAllowed(this.origin)) return undefined;
    try {
      return this.options.credentials?.(this.ref.registry);
    } catch (e) {
      throw this.fail('credentials', (e as Error).message);
    }
  }

  private credentialsAllowed(url: string): boolean {
    const u = new URL(url);
    return u.protocol === 'https:' || isLoopback(u.host);
  }

  private credentialsHint(): string {
    if (!this.credentialsAllowed(this.origin)) {
      return `; credentials are never sent over plain HTTP to a registry that is not on a loopback address: serve ${this.ref.registry} over HTTPS to use them`;
    }
    const creds = this.usableCredentials();
    return creds
      ? `; the credentials from ${creds.from} were sent and refused: renew them (docker login ${this.ref.registry})`
      : `; no credentials for ${this.ref.registry} in the Docker config: run docker login ${this.ref.registry} (or configure a credential helper)`;
  }

  /** The registry's own error code and message, when it sent them (sanitized, cut short). */
  private detail(res: HttpResponse): string {
    try {
      const body: unknown = JSON.parse(res.body.toString('utf8'));
      const e = isObject(body) && Array.isArray(body.errors) ? body.errors[0] : undefined;
      if (!isObject(e)) return '';
      const text = (v: unknown) => (typeof v === 'string' ? excerpt(v, 200) : '');
      return ` [${text(e.code)}: ${text(e.message)}]`;
    } catch {
      return '';
    }
  }

  private async send(url: string, init: { method?: 'GET' | 'POST'; headers: Record<string, string>; body?: string }, maxBytes: number, host: string): Promise<HttpResponse> {
    try {
      return await httpRequest(url, { ...init, maxBytes, timeoutMs: this.options.timeoutMs ?? 30_000, dispatcher: this.options.dispatcher });
    } catch (e) {
      if (!(e instanceof HttpFailure)) throw e;
      const where = `${host} (${new URL(url).origin})`;
      if (e.kind === 'registry unreachable') throw this.fail('registry unreachable', `cannot reach ${where}: ${excerpt(e.message, 200)}`);
      throw this.fail(e.kind, `${where}: ${e.message}`);
    }
  }

  /** GET with the registry's authorization, following redirects where credentials may not leak. */
  private async get(url: string, accept: string, maxBytes: number, what: string, retried = false): Promise<HttpResponse> {
    let current = new URL(url);
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { Accept: accept };
      if (this.authorization && current.origin === this.origin && this.credentialsAllowed(current.href)) headers.Authorization = this.authorization;
      const res = await this.send(current.href, { headers }, maxBytes, current.host);
      if ([301, 302, 303, 307, 308].includes(res.status)) {
        const location = res.headers.get('location');
        let next: URL;
        try {
          next = new URL(location ?? '', current);
        } catch {
          throw this.fail('bad response', `${current.host} redirected ${what} to something that is not a URL`);
        }
        if (location === null || (next.protocol !== 'https:' && next.protocol !== 'http:')) {
          throw this.fail('bad response', `${current.host} redirected ${what} without an http(s) Location`);
        }
        if (next.protocol === 'http:' && !this.plainHttpAllowed(next.host)) {
          throw this.fail('insecure', `${current.host} redirected ${what} to plain HTTP (${excerpt(next.origin, 100)}); name that host in --insecure if that is intended`);
        }
        if (hop >= MAX_REDIRECTS) throw this.fail('bad response', `more than ${MAX_REDIRECTS} redirects for ${what}`);
        current = next;
        continue;
      }
      if (res.status === 401 && !retried && current.origin === this.origin) {
        const challenge = res.headers.get('www-authenticate');
        if (challenge) {
          this.authorization = await this.authenticate(challenge);
          return this.get(url, accept, maxBytes, what, true);
        }
      }
      return res;
    }
  }

  private plainHttpAllowed(host: string): boolean {
    return isLoopback(host) || (this.options.insecureRegistries ?? []).includes(host);
  }

  private async authenticate(header: string): Promise<string> {
    const { scheme, params } = parseChallenge(header);
    const creds = this.usableCredentials();
    if (scheme === 'basic') {
      if (!creds) throw this.fail('unauthorized', `${this.ref.apiHost} requires a login${this.credentialsHint()}`);
      if (creds.identityToken !== undefined) {
        throw this.fail('unauthorized', `${this.ref.apiHost} asks for Basic authentication, but the Docker config holds an identity token for it (${creds.from}), which only a token service accepts; log in with a password (docker login ${this.ref.registry})`);
      }
      return `Basic ${Buffer.from(`${creds.username}:${creds.secret}`).toString('base64')}`;
    }
    if (scheme !== 'bearer' || !params.realm) {
      throw this.fail('bad response', `${this.ref.apiHost} asks for an authentication scheme this tool does not speak: ${excerpt(header, 100)}`);
    }
    let realm: URL;
    try {
      realm = new URL(params.realm);
    } catch {
      throw this.fail('bad response', `${this.ref.apiHost} sent a token realm that is not a URL: ${excerpt(params.realm, 100)}`);
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.plainHttpAllowed(realm.host))) {
      throw this.fail('insecure', `the token realm ${excerpt(realm.origin, 100)} is not https; name ${excerpt(realm.host, 100)} in --insecure to allow it`);
    }
    const withCredentials = creds !== undefined && this.credentialsAllowed(realm.href);
    const scope = `repository:${this.ref.repository}:pull`;
    let res: HttpResponse;
    if (withCredentials && creds.identityToken !== undefined) {
      // Docker's identity token is an OAuth2 refresh token: exchanged at the realm with a POST.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, service: params.service ?? '', scope, client_id: 'cdk-enforced-fargate' });
      res = await this.send(realm.href, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() }, TOKEN_MAX_BYTES, realm.host);
    } else {
      if (params.service) realm.searchParams.set('service', params.service);
      realm.searchParams.set('scope', scope);
      const headers: Record<string, string> = withCredentials ? { Authorization: `Basic ${Buffer.from(`${creds.username}:${creds.secret}`).toString('base64')}` } : {};
      res = await this.send(realm.href, { headers }, TOKEN_MAX_BYTES, realm.host);
    }
    if (res.status === 401 || res.status === 403) {
      throw this.fail('unauthorized', `the token service ${realm.origin} refused a pull token for ${this.ref.repository} (HTTP ${res.status})${this.credentialsHint()}`);
    }
    if (res.status < 200 || res.status >= 300) throw this.fail('bad response', `the token service ${realm.origin} answered HTTP ${res.status}`);
    let body: unknown;
    try {
      body = JSON.parse(res.body.toString('utf8'));
    } catch {
      body = undefined;
    }
    const token = isObject(body) ? (typeof body.token === 'string' && body.token !== '' ? body.token : body.access_token) : undefined;
    if (typeof token !== 'string' || token === '') {
      throw this.fail('bad response', `the token service ${realm.origin} sent no token (expected JSON with a "token" or "access_token" string)`);
    }
    if (/[\r\n]/.test(token)) throw this.fail('bad response', `the token service ${realm.origin} sent a token with a line break`);
    return `Bearer ${token}`;
  }
}

/**
 * The registry's origin: plain HTTP for a loopback address or a registry named in `insecure`
 * (as written in the reference, or its API host), HTTPS otherwise.
 */
export function registryOrigin(registry: string, apiHost: string, insecure: string[] = []): string {
  const plain = isLoopback(apiHost) || insecure.includes(registry) || insecure.includes(apiHost);
  return `${plain ? 'http' : 'https'}://${apiHost}`;
}

/** `Bearer realm="https://auth",service="registry",scope="..."` → scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*(\S+)\s*(.*)$/.exec(header) ?? ['', '', ''];
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  }
  return { scheme: m[1].toLowerCase(), params };
}
