/**
 * A scripted registry on 127.0.0.1 for the hostile-input tests of `lookup`: each path answers
 * what the test says (wrong digests, nulls, slow or endless bodies, escape sequences, redirects),
 * and every request is recorded. Plus a tiny forward proxy (absolute-form HTTP and CONNECT) that
 * maps made-up host names to loopback ports, so a test can reach "registry.test" only through it.
 */
import { createHash } from 'crypto';
import * as http from 'http';
import * as net from 'net';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization?: string;
  readonly body: string;
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export const sha = (algorithm: 'sha256' | 'sha512', data: string | Buffer) => `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;

export class FakeRegistry {
  readonly routes = new Map<string, Handler>();
  readonly seen: Seen[] = [];
  private server?: http.Server;
  private sockets = new Set<net.Socket>();
  port = 0;

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(server?: http.Server): Promise<this> {
    this.server = server ?? http.createServer();
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      let body = '';
      req.on('data', d => { body += d; });
      req.on('end', () => {
        const url = req.url ?? '/';
        this.seen.push({ method: req.method ?? 'GET', url, authorization: req.headers.authorization, body });
        const handler = this.routes.get(url.split('?')[0]);
        if (handler) handler(req, res, body);
        else { res.writeHead(404, { 'content-type': 'application/json' }); res.end('{"errors":[{"code":"NAME_UNKNOWN","message":"no such route"}]}'); }
      });
    });
    this.server.on('connection', s => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    await new Promise<void>(r => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise(r => this.server?.close(() => r(undefined)));
  }

  /** Serves `body` at `path` with the content type (and headers) given. */
  serve(path: string, body: string | Buffer, contentType: string, headers: Record<string, string> = {}): void {
    this.routes.set(path, (_req, res) => {
      res.writeHead(200, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), ...headers });
      res.end(body);
    });
  }

  /**
   * An image in repository `repo`: its config blob, its manifest (served at `tag` and at its
   * digest), with the algorithm given for the config's digest. Returns the digests.
   */
  image(repo: string, tag: string, config: unknown, options: { configAlgorithm?: 'sha256' | 'sha512'; manifestOverrides?: object } = {}) {
    const configText = typeof config === 'string' ? config : JSON.stringify(config);
    const configDigest = sha(options.configAlgorithm ?? 'sha256', configText);
    this.serve(`/v2/${repo}/blobs/${configDigest}`, configText, 'application/octet-stream');
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: Buffer.byteLength(configText) },
      layers: [],
      ...options.manifestOverrides,
    });
    const manifestDigest = sha('sha256', manifest);
    this.serve(`/v2/${repo}/manifests/${tag}`, manifest, OCI_MANIFEST);
    this.serve(`/v2/${repo}/manifests/${manifestDigest}`, manifest, OCI_MANIFEST);
    return { configDigest, manifest, manifestDigest };
  }
}

/** An image config as registries hold it. */
export const config = (entrypoint: unknown, cmd: unknown, arch = 'amd64') =>
  ({ architecture: arch, os: 'linux', config: { Entrypoint: entrypoint, Cmd: cmd }, rootfs: { type: 'layers', diff_ids: [] } });

/** A forward proxy on 127.0.0.1 that sends `name:port` to the loopback port `hosts` maps it to. */
export class FakeProxy {
  readonly requests: string[] = [];
  private server?: http.Server;
  private sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly hosts: Record<string, number>) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private target(authority: string): number | undefined {
    return this.hosts[authority];
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      const url = new URL(req.url ?? '/');
      const port = this.target(url.host);
      if (port === undefined) { res.writeHead(502); res.end(); return; }
      const upstream = http.request({ host: '127.0.0.1', port, method: req.method, path: `${url.pathname}${url.search}`, headers: { ...req.headers, host: url.host } }, up => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => { res.writeHead(502); res.end(); });
      req.pipe(upstream);
    });
    this.server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      this.requests.push(`CONNECT ${req.url}`);
      const port = this.target(req.url ?? '');
      if (port === undefined) { socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'); return; }
      const upstream = net.connect(port, '127.0.0.1', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
      this.sockets.add(socket);
      this.sockets.add(upstream);
    });
    this.server.on('connection', s => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    await new Promise<void>(r => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise(r => this.server?.close(() => r(undefined)));
  }
}
