import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findCredentials } from '../lib/lookup/credentials';
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

  test.each(['Nginx', 'a b', 'nginx:', 'nginx@sha256', '/nginx', 'nginx:tag/x'])('refuses %j', bad => {
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
