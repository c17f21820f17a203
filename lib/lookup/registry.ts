/**
 * Reads an image's ENTRYPOINT and CMD from its registry over the Registry HTTP API v2 (the OCI
 * distribution spec): manifest (an OCI image index or a Docker manifest list is narrowed to the
 * wanted platform), then the config blob, checked against its digest.
 *
 * Written on Node's fetch rather than a client library: the one maintained npm client
 * (`@snyk/docker-registry-v2-client` 4.x) always speaks https (no loopback registry, no
 * `--insecure`), knows nothing of Docker credential helpers, and brings needle, psl and tslib 1
 * to bundle. What is needed here is three GETs and the token challenge.
 */
import { createHash } from 'crypto';
import { Credentials } from './credentials';
import { ImageReference, isLoopback } from './reference';

/** What a lookup failed on; the CLI prints `kind` first. */
export type LookupFailure = 'not found' | 'unauthorized' | 'no matching platform' | 'registry unreachable' | 'bad response';

export class LookupError extends Error {
  constructor(public readonly kind: LookupFailure, message: string) {
    super(`${kind}: ${message}`);
  }
}

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export function parsePlatform(text: string): Platform | string {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some(p => p === '')) {
    return `'${text}' is not a platform (expected os/arch[/variant], e.g. linux/amd64 or linux/arm64)`;
  }
  return { os: parts[0], architecture: parts[1], variant: parts[2] };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(x => x).join('/');
}

export interface LookupOptions {
  readonly platform: Platform;
  /** Allow plain HTTP to a registry that is not on a loopback address. */
  readonly insecure?: boolean;
  readonly credentials?: (registry: string) => Credentials | undefined;
  /** Per-request timeout. Default 30 s. */
  readonly timeoutMs?: number;
}

export interface LookupResult {
  readonly entryPoint: string[];
  readonly command: string[];
  /** The digest the reference resolved to (of the index or list when there is one). */
  readonly digest: string;
  /** The digest of the platform's image manifest. */
  readonly manifestDigest: string;
  readonly platform: string;
}

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];
const MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];

/** Reads the ENTRYPOINT and CMD of `ref` for `options.platform`. Throws `LookupError`. */
export async function lookupImage(ref: ImageReference, options: LookupOptions): Promise<LookupResult> {
  const session = new RegistrySession(ref, options);
  const top = await session.manifest(ref.reference, [...INDEX_TYPES, ...MANIFEST_TYPES]);
  let manifest = top;
  const wanted = formatPlatform(options.platform);
  if (INDEX_TYPES.includes(top.mediaType)) {
    const entries: any[] = Array.isArray(top.body.manifests) ? top.body.manifests : [];
    const real = entries.filter(m => m.platform && m.platform.os !== 'unknown');
    const match = pickPlatform(real, options.platform);
    if (!match) {
      const offered = real.map(m => formatPlatform(m.platform)).join(', ') || 'none';
      throw new LookupError('no matching platform', `${ref.original} has no image for ${wanted} (it has: ${offered}); pass --platform with one of those, or use an image built for ${wanted}`);
    }
    manifest = await session.manifest(match.digest, MANIFEST_TYPES);
  }
  if (!MANIFEST_TYPES.includes(manifest.mediaType)) {
    throw new LookupError('bad response', `${ref.original}: unsupported manifest type '${manifest.mediaType}' from ${ref.apiHost}`);
  }
  const configDigest = manifest.body?.config?.digest;
  if (typeof configDigest !== 'string') throw new LookupError('bad response', `${ref.original}: the manifest has no config digest`);
  const config = await session.blobJson(configDigest);
  if (manifest === top) {
    // A single-platform image: it must be for the wanted platform.
    const has: Platform = { os: config.os, architecture: config.architecture, variant: config.variant };
    if (!pickPlatform([{ platform: has }], options.platform)) {
      throw new LookupError('no matching platform', `${ref.original} is a single-platform image for ${formatPlatform(has)}, not ${wanted}; pass --platform ${formatPlatform(has)} if the task runs there, or use an image built for ${wanted}`);
    }
  }
  const list = (v: unknown, what: string): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) throw new LookupError('bad response', `${ref.original}: config ${what} is not a list of strings`);
    return v;
  };
  return {
    entryPoint: list(config.config?.Entrypoint, 'Entrypoint'),
    command: list(config.config?.Cmd, 'Cmd'),
    digest: top.digest,
    manifestDigest: manifest.digest,
    platform: wanted,
  };
}

function pickPlatform<T extends { platform: Platform }>(entries: T[], want: Platform): T | undefined {
  const same = entries.filter(e => e.platform.os === want.os && e.platform.architecture === want.architecture);
  if (want.variant) return same.find(e => e.platform.variant === want.variant);
  // arm64 images carry variant v8 or none; either fits a request without a variant.
  return same.find(e => !e.platform.variant) ?? same.find(e => e.platform.variant === 'v8') ?? same[0];
}

interface Fetched {
  readonly mediaType: string;
  readonly body: any;
  readonly digest: string;
}

class RegistrySession {
  private authorization?: string;
  private readonly base: string;

  constructor(private readonly ref: ImageReference, private readonly options: LookupOptions) {
    this.base = `${registryOrigin(ref.apiHost, options.insecure)}/v2/${ref.repository}`;
  }

  async manifest(reference: string, accept: string[]): Promise<Fetched> {
    const res = await this.get(`${this.base}/manifests/${reference}`, accept.join(', '));
    if (res.status === 404) {
      throw new LookupError('not found', `${this.ref.original}: ${this.ref.apiHost} has no manifest '${reference}' in repository '${this.ref.repository}'${await this.detail(res)}; check the name and tag`);
    }
    await this.check(res, `manifest '${reference}'`);
    const bytes = Buffer.from(await res.arrayBuffer());
    let body: any;
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new LookupError('bad response', `${this.ref.original}: the manifest from ${this.ref.apiHost} is not JSON`);
    }
    const digest = reference.includes(':') ? reference : (res.headers.get('docker-content-digest') ?? sha256(bytes));
    const mediaType = body.mediaType ?? (res.headers.get('content-type') ?? '').split(';')[0].trim();
    return { mediaType, body, digest };
  }

  async blobJson(digest: string): Promise<any> {
    const res = await this.get(`${this.base}/blobs/${digest}`, '*/*');
    if (res.status === 404) throw new LookupError('not found', `${this.ref.original}: ${this.ref.apiHost} has no config blob ${digest}`);
    await this.check(res, `config blob ${digest}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (digest.startsWith('sha256:') && sha256(bytes) !== digest) {
      throw new LookupError('bad response', `${this.ref.original}: the config blob from ${this.ref.apiHost} does not match its digest ${digest}`);
    }
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new LookupError('bad response', `${this.ref.original}: the config blob ${digest} is not JSON`);
    }
  }

  private async check(res: Response, what: string): Promise<void> {
    if (res.status === 401 || res.status === 403) {
      throw new LookupError('unauthorized', `${this.ref.original}: ${this.ref.apiHost} refused ${what} (HTTP ${res.status})${await this.detail(res)}${this.credentialsHint()}`);
    }
    if (!res.ok) {
      throw new LookupError('bad response', `${this.ref.original}: ${this.ref.apiHost} answered HTTP ${res.status} for ${what}${await this.detail(res)}`);
    }
  }

  private credentialsHint(): string {
    const creds = this.options.credentials?.(this.ref.registry);
    return creds
      ? `; the credentials from ${creds.from} were sent and refused: renew them (docker login ${this.ref.registry})`
      : `; no credentials for ${this.ref.registry} in the Docker config: run docker login ${this.ref.registry} (or configure a credential helper)`;
  }

  /** The registry's own error code and message, when it sent them. */
  private async detail(res: Response): Promise<string> {
    try {
      const body: any = JSON.parse(await res.text());
      const e = body?.errors?.[0];
      return e ? ` [${e.code}: ${e.message}]` : '';
    } catch {
      return '';
    }
  }

  private async get(url: string, accept: string, retried = false): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    if (this.authorization) headers.Authorization = this.authorization;
    const res = await this.fetch(url, headers, this.ref.apiHost);
    if (res.status === 401 && !retried) {
      const challenge = res.headers.get('www-authenticate');
      if (challenge) {
        await res.arrayBuffer();
        this.authorization = await this.authenticate(challenge);
        return this.get(url, accept, true);
      }
    }
    return res;
  }

  private async fetch(url: string, headers: Record<string, string>, host: string): Promise<Response> {
    try {
      return await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
    } catch (e: any) {
      const cause = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(e);
      throw new LookupError('registry unreachable', `${this.ref.original}: cannot reach ${host} (${url.split('/v2/')[0].split('?')[0]}): ${cause}`);
    }
  }

  private async authenticate(header: string): Promise<string> {
    const { scheme, params } = parseChallenge(header);
    const creds = this.options.credentials?.(this.ref.registry);
    const basic = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.secret}`).toString('base64')}` : undefined;
    if (scheme === 'basic') {
      if (!basic) {
        throw new LookupError('unauthorized', `${this.ref.original}: ${this.ref.apiHost} requires a login${this.credentialsHint()}`);
      }
      return basic;
    }
    if (scheme !== 'bearer' || !params.realm) {
      throw new LookupError('bad response', `${this.ref.original}: ${this.ref.apiHost} asks for an authentication scheme this tool does not speak: ${header}`);
    }
    let realm: URL;
    try {
      realm = new URL(params.realm);
    } catch {
      throw new LookupError('bad response', `${this.ref.original}: ${this.ref.apiHost} sent a token realm that is not a URL: ${params.realm}`);
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && (isLoopback(realm.host) || this.options.insecure))) {
      throw new LookupError('bad response', `${this.ref.original}: the token realm ${params.realm} is not https; pass --insecure to allow it`);
    }
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', `repository:${this.ref.repository}:pull`);
    const headers: Record<string, string> = basic ? { Authorization: basic } : {};
    const res = await this.fetch(realm.toString(), headers, realm.host);
    if (res.status === 401 || res.status === 403) {
      throw new LookupError('unauthorized', `${this.ref.original}: the token service ${realm.origin} refused a pull token for ${this.ref.repository} (HTTP ${res.status})${this.credentialsHint()}`);
    }
    if (!res.ok) throw new LookupError('bad response', `${this.ref.original}: the token service ${realm.origin} answered HTTP ${res.status}`);
    const body: any = await res.json().catch(() => ({}));
    const token = body.token ?? body.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new LookupError('bad response', `${this.ref.original}: the token service ${realm.origin} sent no token`);
    }
    return `Bearer ${token}`;
  }
}

/** The registry's origin: plain HTTP only on a loopback address or when insecure is asked for. */
export function registryOrigin(apiHost: string, insecure?: boolean): string {
  return `${isLoopback(apiHost) || insecure === true ? 'http' : 'https'}://${apiHost}`;
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

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
