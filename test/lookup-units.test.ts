import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findCredentials } from '../lib/lookup/credentials';
import { computeDigest, parseDigest } from '../lib/lookup/digest';
import { excerpt, sanitize } from '../lib/lookup/text';
import { isLoopback, parseImageReference } from '../lib/lookup/reference';
import { parseChallenge, parsePlatform, registryOrigin } from '../lib/lookup/registry';
import { lookupCommand, lookupRequests } from '../lib/lookup/requests';

describe('image references', () => {
  test.each([
    ['nginx', 'docker.io', 'registry-1.docker.io', 'library/nginx', 'latest'],
    ['nginx:1.27', 'docker.io', 'registry-1.docker.io', 'library/nginx', '1.27'],
    ['bitnami/redis:7', 'docker.io', 'registry-1.docker.io', 'bitnami/redis', '7'],
    ['docker.io/nginx', 'docker.io', 'registry-1.docker.io', 'library/nginx', 'latest'],
    ['index.docker.io/library/nginx:1', 'docker.io', 'registry-1.docker.io', 'library/nginx', '1'],
    ['ghcr.io/acme/api:2.1', 'ghcr.io', 'ghcr.io', 'acme/api', '2.1'],
    ['localhost:5000/app', 'localhost:5000', 'localhost:5000', 'app', 'latest'],
    ['localhost/app:1', 'localhost', 'localhost', 'app', '1'],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:v1', '123456789012.dkr.ecr.eu-west-1.amazonaws.com', '123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'team/app', 'v1'],
    [`public.ecr.aws/nginx/nginx@sha256:${'a'.repeat(64)}`, 'public.ecr.aws', 'public.ecr.aws', 'nginx/nginx', `sha256:${'a'.repeat(64)}`],
    [`nginx:1.27@sha256:${'b'.repeat(64)}`, 'docker.io', 'registry-1.docker.io', 'library/nginx', `sha256:${'b'.repeat(64)}`],
  ])('%s', (original, registry, apiHost, repository, reference) => {
    expect(parseImageReference(original)).toEqual({ original, registry, apiHost, repository, reference });
  });

  test.each(['Nginx', 'a b', 'nginx:', 'nginx@sha256', '/nginx', 'nginx:tag/x', `nginx@md5:${'a'.repeat(32)}`, 'nginx@sha256:abc', `nginx@sha512:${'a'.repeat(64)}`])('refuses %j', bad => {
    expect(typeof parseImageReference(bad)).toBe('string');
  });

  test('loopback hosts', () => {
    expect(['127.0.0.1:5000', 'localhost', 'localhost:80', '[::1]:5000', '127.1.2.3'].every(isLoopback)).toBe(true);
    expect(['10.0.0.1:5000', 'ghcr.io', 'localhost.example.com', '127.0.0.1.nip.io'].some(isLoopback)).toBe(false);
  });
});

describe('challenges and platforms', () => {
  test('a Bearer challenge with quoted parameters', () => {
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' },
    });
    expect(parseChallenge('Basic realm="basic-realm"')).toEqual({ scheme: 'basic', params: { realm: 'basic-realm' } });
  });
  test('plain HTTP only for loopback registries and those named in --insecure', () => {
    expect(registryOrigin('ghcr.io', 'ghcr.io')).toBe('https://ghcr.io');
    expect(registryOrigin('10.0.0.5:5000', '10.0.0.5:5000')).toBe('https://10.0.0.5:5000');
    expect(registryOrigin('10.0.0.5:5000', '10.0.0.5:5000', ['10.0.0.5:5000'])).toBe('http://10.0.0.5:5000');
    // --insecure names registries: the others of the run stay on HTTPS
    expect(registryOrigin('ghcr.io', 'ghcr.io', ['10.0.0.5:5000'])).toBe('https://ghcr.io');
    expect(registryOrigin('docker.io', 'registry-1.docker.io', ['10.0.0.5:5000'])).toBe('https://registry-1.docker.io');
    expect(registryOrigin('127.0.0.1:5000', '127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryOrigin('localhost:5000', 'localhost:5000')).toBe('http://localhost:5000');
  });
  test('platforms', () => {
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('linux')).toMatch(/is not a platform/);
  });
});

describe('the lookup sentence of synthesis errors', () => {
  test('round trip, deduplicated, whatever surrounds it', () => {
    const text = `[S/T] container 'a': ... Read them from the registry with \`${lookupCommand('linux/arm64', 'nginx:1.27')}\` (it writes ...\n` +
      `[S/T] container 'b': ... \`${lookupCommand('linux/arm64', 'nginx:1.27')}\`\n[S/U] ... \`${lookupCommand('linux/amd64', 'ghcr.io/a/b@sha256:00')}\``;
    expect(lookupRequests(text)).toEqual([
      { platform: 'linux/arm64', reference: 'nginx:1.27' },
      { platform: 'linux/amd64', reference: 'ghcr.io/a/b@sha256:00' },
    ]);
  });
});

describe('Docker config credentials', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(d => fs.rmSync(d, { recursive: true, force: true })));
  const write = (config: object) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-cfg-'));
    dirs.push(d);
    const file = path.join(d, 'config.json');
    fs.writeFileSync(file, JSON.stringify(config));
    return file;
  };
  test('auths by host, Docker Hub under its legacy key, username/password form', () => {
    const file = write({ auths: {
      'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') },
      'ghcr.io': { username: 'gh', password: 'tok' },
    } });
    expect(findCredentials('docker.io', file)).toMatchObject({ username: 'hub', secret: 'pw' });
    expect(findCredentials('ghcr.io', file)).toMatchObject({ username: 'gh', secret: 'tok' });
    expect(findCredentials('quay.io', file)).toBeUndefined();
  });
  test('no config file means anonymous; a broken one is an error', () => {
    expect(findCredentials('ghcr.io', '/nonexistent/config.json')).toBeUndefined();
    const file = write({});
    fs.writeFileSync(file, '{ not json');
    expect(() => findCredentials('ghcr.io', file)).toThrow(/cannot read .*config\.json/);
  });
});

describe('credential helpers and identity tokens', () => {
  const dirs: string[] = [];
  let saved: string | undefined;
  beforeAll(() => { saved = process.env.PATH; });
  afterAll(() => { process.env.PATH = saved; dirs.forEach(d => fs.rmSync(d, { recursive: true, force: true })); });
  /** A Docker config naming the helper `cef-<name>` whose script is `body`. */
  const withHelper = (name: string, body: string) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-helper-'));
    dirs.push(d);
    fs.writeFileSync(path.join(d, `docker-credential-cef-${name}`), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    process.env.PATH = `${d}:${saved}`;
    const file = path.join(d, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ credHelpers: { 'reg.example': `cef-${name}` } }));
    return file;
  };

  test('a helper that hangs is stopped with a message saying so', () => {
    const file = withHelper('hang', 'sleep 30');
    const started = Date.now();
    expect(() => findCredentials('reg.example', file, { timeoutMs: 500 })).toThrow('credential helper docker-credential-cef-hang did not answer for reg.example within 0.5 s and was stopped; it may be waiting for a prompt or a keychain unlock');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  test('a helper that prints without end is stopped at the byte limit', () => {
    const file = withHelper('flood', 'yes');
    expect(() => findCredentials('reg.example', file, { maxBytes: 4096 })).toThrow('credential helper docker-credential-cef-flood printed more than 4096 bytes for reg.example and was stopped');
  });

  test('a helper that closes its standard input unread is judged by its answer (as Docker does)', () => {
    const file = withHelper('nostdin', 'exec 0<&-\nsleep 0.2\necho \'{"Username":"u","Secret":"s"}\'');
    expect(findCredentials('reg.example', file)).toMatchObject({ username: 'u', secret: 's' });
  });

  test('a helper that fails says how, with its output sanitized', () => {
    const file = withHelper('fails', 'read host; printf "boom\\033[31m" >&2; exit 3');
    expect(() => findCredentials('reg.example', file)).toThrow('credential helper docker-credential-cef-fails failed for reg.example (exited 3): boom\\u{1b}[31m');
  });

  test('a helper answering <token> gives an identity token', () => {
    const file = withHelper('token', 'echo \'{"Username":"<token>","Secret":"refresh-1"}\'');
    expect(findCredentials('reg.example', file)).toMatchObject({ identityToken: 'refresh-1' });
  });

  test("auths[host].identitytoken is an identity token; null entries and helper names that are not names are errors", () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-cfg-'));
    dirs.push(d);
    const file = path.join(d, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ auths: { 'reg.example': { identitytoken: 'refresh-2' }, 'null.example': null } }));
    expect(findCredentials('reg.example', file)).toMatchObject({ identityToken: 'refresh-2', username: '<token>' });
    expect(() => findCredentials('null.example', file)).toThrow("auths['null.example'] is not an object");
    fs.writeFileSync(file, JSON.stringify({ credsStore: '../../bin/sh' }));
    expect(() => findCredentials('reg.example', file)).toThrow('is not a program name suffix');
  });
});

describe('digests', () => {
  test('sha256 and sha512 are verified; other algorithms and malformed hex are refused', () => {
    expect(parseDigest(`sha256:${'a'.repeat(64)}`)).toEqual({ algorithm: 'sha256', hex: 'a'.repeat(64) });
    expect(parseDigest(`sha512:${'b'.repeat(128)}`)).toEqual({ algorithm: 'sha512', hex: 'b'.repeat(128) });
    expect(parseDigest(`md5:${'a'.repeat(32)}`)).toMatch(/the digest algorithm 'md5' is not one this tool can verify/);
    expect(parseDigest(`sha256:${'A'.repeat(64)}`)).toMatch(/expected 64 lower-case hex digits/);
    expect(parseDigest('sha256:abc')).toMatch(/expected 64 lower-case hex digits/);
    expect(parseDigest(null)).toMatch(/expected a digest string, got null/);
    expect(computeDigest('sha512', Buffer.from(''))).toBe('sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e');
  });
});

describe('terminal text', () => {
  test('control characters and bidi overrides are spelled out; the rest is kept', () => {
    expect(sanitize('a\u001b[2Jb\u0007c\u009bd\u202ee\u2066f\nü')).toBe('a\\u{1b}[2Jb\\u{7}c\\u{9b}d\\u{202e}e\\u{2066}f\\u{a}ü');
    expect(excerpt('x'.repeat(250), 200)).toBe(`${'x'.repeat(200)}... (50 more characters)`);
  });
});

describe('platforms for lookup', () => {
  test('Windows and other non-Linux platforms are refused (the construct refuses Windows tasks)', () => {
    expect(parsePlatform('windows/amd64')).toMatch(/'windows\/amd64' is not a Linux platform: the construct protects Linux tasks only/);
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64', variant: undefined });
    expect(parsePlatform('linux/AMD64')).toMatch(/is not a platform/);
  });
});
