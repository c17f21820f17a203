/**
 * `lookup` against a hostile or broken registry (test/support/fake-registry.ts): every
 * content-addressed object is checked against its digest, every JSON field is type-checked, each
 * body is bounded in size and time, registry text is sanitized, credentials never travel over
 * plain HTTP to another machine, proxies are honoured; one failing image never costs the others
 * their results.
 */
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { lookup as lookupCommand } from '../lib/cli/lookup';
import { config, FakeProxy, FakeRegistry, OCI_INDEX, OCI_MANIFEST, sha } from './support/fake-registry';

let registry: FakeRegistry;
const dirs: string[] = [];

beforeEach(async () => { registry = await new FakeRegistry().start(); });
afterEach(async () => { await registry.stop(); });
afterAll(() => dirs.forEach(d => fs.rmSync(d, { recursive: true, force: true })));

async function lookup(args: string[], options: { dockerConfig?: object; env?: NodeJS.ProcessEnv } = {}) {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-hostile-'));
  dirs.push(cwd);
  const configFile = path.join(cwd, 'docker-config.json');
  fs.writeFileSync(configFile, JSON.stringify(options.dockerConfig ?? {}));
  const out: string[] = [];
  const err: string[] = [];
  const code = await lookupCommand.run(['--docker-config', configFile, ...args], {
    out: l => out.push(l), err: l => err.push(l), cwd, stdin: () => '', env: options.env ?? {},
  });
  const file = path.join(cwd, 'cdk.context.json');
  const context = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
  return { code, out: out.join('\n'), err: err.join('\n'), defaults: context?.['cdk-enforced-fargate:imageDefaults'] ?? {} };
}

describe('lookup against a hostile registry', () => {
  describe('digests', () => {
    test('a manifest asked for by digest must have that digest', async () => {
      // GIVEN a registry that serves another manifest under the digest asked for
      const real = registry.image('app', '1', config(['/real'], []));
      const evil = registry.image('app', 'evil', config(['/evil'], []));
      registry.serve(`/v2/app/manifests/${real.manifestDigest}`, evil.manifest, OCI_MANIFEST);
      // WHEN
      const r = await lookup([`${registry.host}/app@${real.manifestDigest}`]);
      // THEN
      expect(r.code).toBe(1);
      expect(r.err).toContain(`error: ${registry.host}/app@${real.manifestDigest}: digest mismatch: ${registry.host} sent a manifest for ${real.manifestDigest} whose content has the digest ${evil.manifestDigest}: it is not the manifest asked for`);
      expect(r.defaults).toEqual({});
    });

    test('by tag, the digest written is the one computed here; a lying Docker-Content-Digest is refused', async () => {
      const img = registry.image('app', '1', config(['/bin/app'], ['serve']));
      const ok = await lookup([`${registry.host}/app:1`]);
      expect(ok.code).toBe(0);
      expect(ok.defaults[`${registry.host}/app:1`].digest).toBe(img.manifestDigest);
      // GIVEN a header that names another digest
      registry.serve('/v2/app/manifests/1', img.manifest, OCI_MANIFEST, { 'docker-content-digest': sha('sha256', 'something else') });
      const r = await lookup([`${registry.host}/app:1`]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`digest mismatch: ${registry.host} says the manifest of '1' is ${sha('sha256', 'something else')}, but the manifest it sent is ${img.manifestDigest}`);
    });

    test("an index child that is not the manifest its descriptor names is refused", async () => {
      const amd = registry.image('multi', 'amd', config(['/amd'], []));
      const other = registry.image('multi', 'other', config(['/other'], []));
      const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [
        { mediaType: OCI_MANIFEST, digest: amd.manifestDigest, size: amd.manifest.length, platform: { os: 'linux', architecture: 'amd64' } },
      ] });
      registry.serve('/v2/multi/manifests/1', index, OCI_INDEX);
      expect((await lookup([`${registry.host}/multi:1`])).defaults[`${registry.host}/multi:1`]).toMatchObject({ entryPoint: ['/amd'], digest: sha('sha256', index) });
      registry.serve(`/v2/multi/manifests/${amd.manifestDigest}`, other.manifest, OCI_MANIFEST);
      const r = await lookup([`${registry.host}/multi:1`]);
      expect(r.err).toContain(`digest mismatch: ${registry.host} sent a manifest for ${amd.manifestDigest} whose content has the digest ${other.manifestDigest}`);
    });

    test('a config blob must match its digest, sha512 included', async () => {
      const img = registry.image('app', '512', config(['/bin/app'], []), { configAlgorithm: 'sha512' });
      expect(img.configDigest).toMatch(/^sha512:[0-9a-f]{128}$/);
      expect((await lookup([`${registry.host}/app:512`])).code).toBe(0);
      registry.serve(`/v2/app/blobs/${img.configDigest}`, JSON.stringify(config(['/evil'], [])), 'application/octet-stream');
      const r = await lookup([`${registry.host}/app:512`]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`digest mismatch: the config blob ${registry.host} sent has the digest sha512:`);
      expect(r.err).toContain(`not ${img.configDigest}`);
    });

    test('an unknown digest algorithm is refused, in a reference and in a manifest', async () => {
      const bad = await lookup([`${registry.host}/app@md5:${'a'.repeat(32)}`]);
      expect(bad.err).toContain("bad reference: '127.0.0.1");
      expect(bad.err).toContain("the digest algorithm 'md5' is not one this tool can verify (sha256, sha512)");
      expect(registry.seen).toEqual([]);
      registry.image('app', '1', config([], ['x']), { manifestOverrides: { config: { mediaType: 'x', digest: `md5:${'a'.repeat(32)}`, size: 2 } } });
      const r = await lookup([`${registry.host}/app:1`]);
      expect(r.err).toContain("bad response: the manifest's config: the digest algorithm 'md5' is not one this tool can verify");
    });
  });

  describe('defensive parsing: one line per failing image, the others still written', () => {
    const cases: [string, (r: FakeRegistry) => void, string][] = [
      ['a manifest that is JSON null', r => r.serve('/v2/bad/manifests/1', 'null', OCI_MANIFEST), 'bad response: the manifest \'1\' from 127.0.0.1'],
      ['a manifest whose config is null', r => r.image('bad', '1', config([], []), { manifestOverrides: { config: null } }), 'bad response: the manifest has no "config" object'],
      ['a manifest whose mediaType is a number', r => r.serve('/v2/bad/manifests/1', '{"mediaType": 7}', OCI_MANIFEST), 'has a mediaType that is not a string'],
      ['an index whose manifests holds null', r => r.serve('/v2/bad/manifests/1', JSON.stringify({ mediaType: OCI_INDEX, manifests: [null] }), OCI_INDEX), "the image index's manifests[0] is not an object"],
      ['an index entry whose platform is a string', r => r.serve('/v2/bad/manifests/1', JSON.stringify({ mediaType: OCI_INDEX, manifests: [{ digest: 'x', platform: 'linux' }] }), OCI_INDEX), 'manifests[0].platform is not {os, architecture[, variant]} strings'],
      ['an index whose manifests is an object', r => r.serve('/v2/bad/manifests/1', JSON.stringify({ mediaType: OCI_INDEX, manifests: {} }), OCI_INDEX), 'the image index has no "manifests" list'],
      ['a config that is an array', r => r.image('bad', '1', [1, 2]), 'is not a JSON object'],
      ['a config whose Entrypoint is a number', r => r.image('bad', '1', config(5, [])), "the image config's Entrypoint is not a list of strings"],
      ['a config whose config is a string', r => r.image('bad', '1', { os: 'linux', architecture: 'amd64', config: 'x' }), 'the image config\'s "config" is not an object'],
      ['a config with no os', r => r.image('bad', '1', { architecture: 'amd64', config: {} }), 'the image config names no os/architecture strings'],
      ['an index entry whose config says another platform', r => {
        const arm = r.image('bad', 'arm', config([], ['x'], 'arm64'));
        r.serve('/v2/bad/manifests/1', JSON.stringify({ mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: arm.manifestDigest, platform: { os: 'linux', architecture: 'amd64' } }] }), OCI_INDEX);
      }, 'the index lists the manifest for linux/amd64, but its config says linux/arm64'],
      ['a token response that is null', r => {
        r.routes.set('/v2/bad/manifests/1', (_q, s) => { s.writeHead(401, { 'www-authenticate': `Bearer realm="http://${r.host}/token",service="x"` }); s.end(); });
        r.serve('/token', 'null', 'application/json');
      }, 'the token service http://127.0.0.1'],
    ];
    test.each(cases)('%s', async (_name, arrange, message) => {
      registry.image('good', '1', config(['/bin/good'], ['run']));
      arrange(registry);
      const r = await lookup([`${registry.host}/bad:1`, `${registry.host}/good:1`]);
      expect(r.code).toBe(1);
      const lines = r.err.split('\n').filter(l => l.startsWith('error: '));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^error: ${registry.host}/bad:1: [a-z ]+: `));
      expect(lines[0]).toContain(message);
      expect(r.defaults[`${registry.host}/good:1`]).toMatchObject({ entryPoint: ['/bin/good'], command: ['run'] });
    });
  });

  describe('limits', () => {
    test('a body that never ends is cut at the byte limit (4 MiB for a manifest)', async () => {
      registry.image('good', '1', config(['/bin/good'], []));
      let sent = 0;
      registry.routes.set('/v2/huge/manifests/1', (_q, res) => {
        res.writeHead(200, { 'content-type': OCI_MANIFEST });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => { while (sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length; if (sent < 64 * 1024 * 1024) res.once('drain', pump); else res.end(); };
        res.on('close', () => { sent = Infinity; });
        pump();
      });
      const r = await lookup([`${registry.host}/huge:1`, `${registry.host}/good:1`]);
      expect(r.err).toContain(`error: ${registry.host}/huge:1: too large: 127.0.0.1:${registry.port} (http://${registry.host}): the response is more than the limit of 4194304 bytes`);
      expect(r.defaults[`${registry.host}/good:1`].entryPoint).toEqual(['/bin/good']);
    });

    test('a body declared too large is refused before it is read', async () => {
      registry.routes.set('/v2/huge/manifests/1', (_q, res) => { res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': String(5 * 1024 * 1024) }); res.write('{'); });
      const r = await lookup([`${registry.host}/huge:1`]);
      expect(r.err).toContain('too large: 127.0.0.1');
      expect(r.err).toContain('the response declares 5242880 bytes, more than the limit of 4194304');
    });

    test('a body that stalls ends in a timeout error, and the others are still written', async () => {
      registry.image('good', '1', config(['/bin/good'], []));
      registry.routes.set('/v2/slow/manifests/1', (_q, res) => { res.writeHead(200, { 'content-type': OCI_MANIFEST }); res.write('{"schemaVersion":'); });
      const r = await lookup(['--timeout', '1', `${registry.host}/slow:1`, `${registry.host}/good:1`]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`error: ${registry.host}/slow:1: timeout: 127.0.0.1:${registry.port} (http://${registry.host}): the response did not arrive within 1 s`);
      expect(r.defaults[`${registry.host}/good:1`].entryPoint).toEqual(['/bin/good']);
    });
  });

  describe('registry text on the terminal', () => {
    test('escape sequences in an error message are printed escaped', async () => {
      registry.routes.set('/v2/app/manifests/1', (_q, res) => {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'gone\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202eevil' }] }));
      });
      const r = await lookup([`${registry.host}/app:1`]);
      // eslint-disable-next-line no-control-regex
      expect(r.err).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
      expect(r.err).toContain('[MANIFEST_UNKNOWN: gone\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{9b}31m\\u{202e}evil]');
    });

    test('an image config with escape sequences in its argv is printed escaped and written as it is', async () => {
      registry.image('app', '1', config(['/bin/app'], ['\u009b2J']));
      const r = await lookup([`${registry.host}/app:1`]);
      expect(r.out).toContain('command=["\\u{9b}2J"]');
      expect(r.defaults[`${registry.host}/app:1`].command).toEqual(['\u009b2J']);
    });
  });

  describe('credentials and plain HTTP', () => {
    let proxy: FakeProxy;
    beforeEach(async () => { proxy = await new FakeProxy({ 'registry.test:5000': registry.port, 'evil.test:80': registry.port }).start(); });
    afterEach(async () => { await proxy.stop(); });
    const basic = { auths: { 'registry.test:5000': { auth: Buffer.from('me:secret').toString('base64') } } };

    test('HTTP_PROXY is honoured; --insecure names the registry; credentials are not sent over plain HTTP to it', async () => {
      registry.routes.set('/v2/app/manifests/1', (_req, res) => { res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }); res.end(); });
      const r = await lookup(['--insecure', 'registry.test:5000', 'registry.test:5000/app:1'], { dockerConfig: basic, env: { HTTP_PROXY: proxy.url } });
      // (undici's proxy agent tunnels plain HTTP through CONNECT too)
      expect(proxy.requests).toEqual(['CONNECT registry.test:5000']);
      expect(r.err).toContain('error: registry.test:5000/app:1: unauthorized: registry.test:5000 requires a login; credentials are never sent over plain HTTP to a registry that is not on a loopback address: serve registry.test:5000 over HTTPS to use them');
      expect(registry.seen.every(s => s.authorization === undefined)).toBe(true);
    });

    test('a proxy that refuses is a clear "registry unreachable"', async () => {
      const r = await lookup(['unmapped.test:5000/app:1'], { env: { HTTPS_PROXY: proxy.url } });
      expect(r.err).toMatch(/error: unmapped\.test:5000\/app:1: registry unreachable: cannot reach unmapped\.test:5000 \(https:\/\/unmapped\.test:5000\): .*502/);
    });

    test('without --insecure, a registry that is not on loopback is reached over HTTPS only', async () => {
      const r = await lookup(['registry.test:5000/app:1'], { env: { HTTPS_PROXY: proxy.url } });
      expect(proxy.requests).toEqual(['CONNECT registry.test:5000']);
      expect(r.err).toContain('error: registry.test:5000/app:1: registry unreachable: cannot reach registry.test:5000 (https://registry.test:5000)');
    });

    test('NO_PROXY exempts a host', async () => {
      registry.image('app', '1', config(['/bin/app'], []));
      const r = await lookup([`${registry.host}/app:1`], { env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } });
      expect(r.code).toBe(0);
      expect(proxy.requests).toEqual([]);
    });

    test('a redirect to plain HTTP on another host is not followed', async () => {
      registry.routes.set('/v2/app/manifests/1', (_q, res) => { res.writeHead(307, { location: 'http://evil.test/steal' }); res.end(); });
      const r = await lookup([`${registry.host}/app:1`], { env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } });
      expect(r.err).toContain(`error: ${registry.host}/app:1: insecure: ${registry.host} redirected manifest '1' to plain HTTP (http://evil.test); name that host in --insecure if that is intended`);
      expect(proxy.requests).toEqual([]);
    });

    test('a redirect to another origin does not carry the Authorization header', async () => {
      const img = registry.image('app', '1', config(['/bin/app'], []));
      const blob = registry.routes.get(`/v2/app/blobs/${img.configDigest}`)!;
      registry.routes.set('/v2/app/manifests/1', (req, res) => {
        if (req.headers.authorization !== `Basic ${Buffer.from('me:secret').toString('base64')}`) { res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }); res.end(); return; }
        res.writeHead(200, { 'content-type': OCI_MANIFEST }); res.end(img.manifest);
      });
      registry.routes.set(`/v2/app/blobs/${img.configDigest}`, (_q, res) => { res.writeHead(307, { location: `http://localhost:${registry.port}/cdn/config` }); res.end(); });
      registry.routes.set('/cdn/config', blob);
      const r = await lookup([`${registry.host}/app:1`], { dockerConfig: { auths: { [registry.host]: { username: 'me', password: 'secret' } } } });
      expect(r.code).toBe(0);
      expect(registry.seen.find(s => s.url === '/cdn/config')?.authorization).toBeUndefined();
      expect(registry.seen.find(s => s.url === `/v2/app/blobs/${img.configDigest}`)?.authorization).toMatch(/^Basic /);
    });

    test("Docker's identitytoken is exchanged at the token service (OAuth2 refresh token)", async () => {
      const img = registry.image('app', '1', config(['/bin/app'], []));
      const manifest = registry.routes.get('/v2/app/manifests/1')!;
      registry.routes.set('/v2/app/manifests/1', (req, res, body) => {
        if (req.headers.authorization !== 'Bearer access-123') { res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${registry.host}/oauth",service="fake"` }); res.end(); return; }
        manifest(req, res, body);
      });
      const blob = registry.routes.get(`/v2/app/blobs/${img.configDigest}`)!;
      registry.routes.set(`/v2/app/blobs/${img.configDigest}`, (req, res, body) => blob(req, res, body));
      registry.routes.set('/oauth', (req, res, body) => {
        const form = new URLSearchParams(body);
        const ok = req.method === 'POST' && form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === 'refresh-abc' && form.get('scope') === 'repository:app:pull' && form.get('service') === 'fake';
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        res.end(ok ? '{"access_token":"access-123"}' : '{}');
      });
      const r = await lookup([`${registry.host}/app:1`], { dockerConfig: { auths: { [registry.host]: { identitytoken: 'refresh-abc' } } } });
      expect(r.err).toBe('');
      expect(r.defaults[`${registry.host}/app:1`].entryPoint).toEqual(['/bin/app']);
    });
  });

  describe('HTTPS through a CONNECT proxy (the real bin, as a user runs it)', () => {
    test('HTTPS_PROXY tunnels to a registry only the proxy can reach; credentials go over that HTTPS', async () => {
      let openssl = true;
      try { execFileSync('openssl', ['version'], { stdio: 'ignore' }); } catch { openssl = false; }
      if (!openssl) {
        if (process.env.CI) throw new Error('openssl is missing');
        // eslint-disable-next-line no-console
        console.error('!!! SKIPPING the HTTPS proxy test: openssl is missing');
        return;
      }
      // GIVEN a TLS registry for the made-up name registry.test, reachable only through the proxy
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-tls-'));
      dirs.push(dir);
      const key = path.join(dir, 'key.pem');
      const cert = path.join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=registry.test', '-addext', 'subjectAltName=DNS:registry.test'], { stdio: 'ignore' });
      const tls = await new FakeRegistry().start(https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }));
      const proxy = await new FakeProxy({ 'registry.test:443': tls.port }).start();
      try {
        const img = tls.image('app', '1', config(['/bin/tls'], ['serve']));
        const manifest = tls.routes.get('/v2/app/manifests/1')!;
        const expected = `Basic ${Buffer.from('me:secret').toString('base64')}`;
        tls.routes.set('/v2/app/manifests/1', (req, res, body) => {
          if (req.headers.authorization !== expected) { res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }); res.end(); return; }
          manifest(req, res, body);
        });
        fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { 'registry.test': { username: 'me', password: 'secret' } } }));
        // WHEN the bin runs with HTTPS_PROXY and the test CA
        const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
        const bin = path.join(__dirname, '..', 'lib', 'cli', 'main.ts');
        const result = await new Promise<{ code: number | null; out: string; err: string }>(resolve => {
          const env: NodeJS.ProcessEnv = { ...process.env, HTTPS_PROXY: proxy.url, NO_PROXY: '', DOCKER_CONFIG: dir, NODE_EXTRA_CA_CERTS: cert };
          delete env.HTTP_PROXY; delete env.http_proxy; delete env.https_proxy; delete env.no_proxy;
          const child = spawn(tsx, [bin, 'lookup', 'registry.test/app:1'], { cwd: dir, env });
          let out = '';
          let err = '';
          child.stdout.on('data', d => { out += d; });
          child.stderr.on('data', d => { err += d; });
          child.on('close', code => resolve({ code, out, err }));
        });
        // THEN
        expect(result.err).toBe('');
        expect(result.code).toBe(0);
        expect(proxy.requests.every(r => r === 'CONNECT registry.test:443')).toBe(true);
        expect(tls.seen.find(s => s.url === '/v2/app/manifests/1' && s.authorization === expected)).toBeDefined();
        const written = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.context.json'), 'utf8'))['cdk-enforced-fargate:imageDefaults']['registry.test/app:1'];
        expect(written).toMatchObject({ entryPoint: ['/bin/tls'], command: ['serve'], digest: img.manifestDigest, platform: 'linux/amd64' });
      } finally {
        await proxy.stop();
        await tls.stop();
      }
    }, 60_000);
  });
});
