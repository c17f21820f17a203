/**
 * A real container registry on loopback for the lookup tests: Debian's `docker-registry` (the
 * CNCF distribution registry), images built with podman from a static busybox, and a small token
 * server for the Bearer challenge. `.ci/run` installs the packages:
 *   apt-get install -y podman runc busybox-static docker-registry apache2-utils openssl
 *
 * One storage directory is served by three registries: an open one (podman pushes there), one
 * behind htpasswd (Basic challenge) and one behind token auth (Bearer challenge, tokens signed by
 * a throw-away key whose certificate the registry trusts).
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { createPrivateKey, randomUUID, sign } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const REQUIRED_PROGRAMS = ['podman', 'docker-registry', 'htpasswd', 'openssl', 'busybox'];
export const APT_PACKAGES = 'podman runc busybox-static docker-registry apache2-utils openssl';

export function missingPrograms(): string[] {
  return REQUIRED_PROGRAMS.filter(p => {
    try {
      execFileSync('sh', ['-c', `command -v ${p}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the registry exited (${child.exitCode}): ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise(r => setTimeout(r, 100));
    }
  }
  throw new Error(`the registry did not answer on ${url} within 15 s: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
}

export interface Registry {
  readonly host: string;
  stop(): void;
}

/** Starts `docker-registry serve` on 127.0.0.1 and a free port, with `auth` (YAML lines) if given. */
export async function startRegistry(dir: string, name: string, storage: string, auth?: string): Promise<Registry> {
  const port = await freePort();
  const config = path.join(dir, `${name}.yml`);
  fs.writeFileSync(config, [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
    ...(auth ? ['auth:', auth] : []),
    '',
  ].join('\n'));
  const log = path.join(dir, `${name}.log`);
  const out = fs.openSync(log, 'a');
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', out, out], detached: false });
  await waitForHttp(`http://127.0.0.1:${port}/v2/`, child, log);
  return { host: `127.0.0.1:${port}`, stop: () => { child.kill('SIGTERM'); } };
}

export interface TokenServer {
  readonly realm: string;
  /** Requests seen (query and whether Basic credentials came with them). */
  readonly requests: { scope: string | null; service: string | null; basic?: string }[];
  stop(): Promise<void>;
}

/**
 * A token server for the registry's token auth: grants pull to anonymous callers and to
 * `user:password`; refuses (401) any other Basic credentials.
 */
export async function startTokenServer(dir: string, issuer: string, service: string, user: string, password: string): Promise<{ server: TokenServer; rootCert: string }> {
  const key = path.join(dir, 'token.key');
  const cert = path.join(dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=token-test'], { stdio: 'ignore' });
  const privateKey = createPrivateKey(fs.readFileSync(key));
  const der = Buffer.from(fs.readFileSync(cert, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
  const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const requests: TokenServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const authz = req.headers.authorization;
    const basic = authz?.startsWith('Basic ') ? Buffer.from(authz.slice(6), 'base64').toString() : undefined;
    requests.push({ scope: url.searchParams.get('scope'), service: url.searchParams.get('service'), basic });
    if (basic !== undefined && basic !== `${user}:${password}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"details":"bad credentials"}');
      return;
    }
    const access = (url.searchParams.get('scope') ?? '').split(' ').filter(s => s).map(s => {
      const [type, name, actions] = s.split(':');
      return { type, name, actions: actions.split(',').filter(a => a === 'pull') };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [der.toString('base64')] };
    const claims = { iss: issuer, sub: basic?.split(':')[0] ?? '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access };
    const input = `${b64(header)}.${b64(claims)}`;
    const token = `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, expires_in: 300 }));
  });
  const port = await freePort();
  await new Promise<void>(r => server.listen(port, '127.0.0.1', () => r()));
  return {
    rootCert: cert,
    server: {
      realm: `http://127.0.0.1:${port}/token`,
      requests,
      stop: () => new Promise(r => server.close(() => r())),
    },
  };
}

/**
 * Runs podman with the two sandbox fixes (runc, ulimits) from TOOLCHAIN.md, on a storage of its
 * own under `dir` (the machine's image store is neither used nor touched, so a concurrent podman
 * user cannot disturb the tests, nor the tests it). `store` names the storage: podman 4.3 cannot
 * inspect any image of a store after a multi-platform `manifest push` from it (a missing
 * "manifest-sha256:..." item), so the builds that are inspected use a store of their own.
 */
export function podman(dir: string, args: string[], store = 'podman'): string {
  const conf = path.join(dir, 'containers.conf');
  if (!fs.existsSync(conf)) {
    fs.writeFileSync(conf, '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n[engine]\nruntime = "runc"\n');
  }
  // vfs: no overlay mount is left behind under `dir` (the images are a few kB).
  const root = ['--root', path.join(dir, `${store}-root`), '--runroot', path.join(dir, `${store}-run`), '--storage-driver', 'vfs'];
  return execFileSync('podman', [...root, ...args], { env: { ...process.env, CONTAINERS_CONF: conf }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A build context holding a static busybox, with one Dockerfile per entry of `dockerfiles`. */
export function buildContext(dir: string, dockerfiles: Record<string, string>): string {
  const ctx = fs.mkdtempSync(path.join(dir, 'ctx-'));
  fs.copyFileSync(fs.realpathSync(execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim()), path.join(ctx, 'busybox'));
  for (const [name, content] of Object.entries(dockerfiles)) fs.writeFileSync(path.join(ctx, name), content);
  return ctx;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
