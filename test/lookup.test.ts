/**
 * `cdk-enforced-fargate lookup` against a real registry on 127.0.0.1 (see test/registry/harness.ts).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { EnforcedFargateTaskDefinition, Enforcer } from '../lib';
import { readDockerfileDefaults } from '../lib/dockerfile';
import { lookup as lookupCommand } from '../lib/cli/lookup';
import { APT_PACKAGES, buildContext, freePort, missingPrograms, podman, Registry, startRegistry, startTokenServer, tempDir, TokenServer } from './registry/harness';

const USER = 'ci-user';
const PASSWORD = 'ci-pass-123';

let dir = '';
let skipReason: string | undefined;
let open: Registry;
let basic: Registry;
let bearer: Registry;
let tokens: TokenServer;

const BUSYBOX = 'FROM scratch\nCOPY busybox /bin/busybox\n';

beforeAll(async () => {
  const missing = missingPrograms();
  if (missing.length > 0) {
    skipReason = `missing ${missing.join(', ')}: apt-get install -y ${APT_PACKAGES}`;
  } else {
    dir = tempDir('cef-registry-');
    const storage = path.join(dir, 'storage');
    fs.mkdirSync(storage);
    try {
      open = await startRegistry(dir, 'open', storage);
      fs.writeFileSync(path.join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', USER, PASSWORD], { encoding: 'utf8' }));
      basic = await startRegistry(dir, 'basic', storage, `  htpasswd:\n    realm: basic-realm\n    path: ${path.join(dir, 'htpasswd')}`);
      const started = await startTokenServer(dir, 'test-issuer', 'test-registry', USER, PASSWORD);
      tokens = started.server;
      bearer = await startRegistry(dir, 'bearer', storage,
        `  token:\n    realm: ${tokens.realm}\n    service: test-registry\n    issuer: test-issuer\n    rootcertbundle: ${started.rootCert}`);

      const ctx = buildContext(dir, {
        'amd64.Dockerfile': `${BUSYBOX}ENTRYPOINT ["/bin/busybox"]\nCMD ["echo", "amd64"]\n`,
        'arm64.Dockerfile': `${BUSYBOX}ENTRYPOINT ["/bin/busybox"]\nCMD ["echo", "arm64"]\n`,
        'noentry.Dockerfile': `${BUSYBOX}CMD ["/bin/busybox", "sh", "-c", "echo no entrypoint"]\n`,
        'shell.Dockerfile': `${BUSYBOX}ENTRYPOINT /bin/busybox echo "daemon off;"\n`,
      });
      const push = (local: string, remote: string, extra: string[] = []) =>
        podman(dir, ['push', '-q', '--tls-verify=false', ...extra, local, `docker://${open.host}/${remote}`]);
      const build = (file: string, tag: string, extra: string[] = []) =>
        podman(dir, ['build', '-q', '--network=none', '--no-cache', '-f', path.join(ctx, file), ...extra, '-t', tag, ctx]);
      const manifest = 'localhost/cef-multi:1';
      podman(dir, ['build', '-q', '--network=none', '--no-cache', '--arch', 'amd64', '-f', path.join(ctx, 'amd64.Dockerfile'), '--manifest', manifest, ctx]);
      podman(dir, ['build', '-q', '--network=none', '--no-cache', '--arch', 'arm64', '--variant', 'v8', '-f', path.join(ctx, 'arm64.Dockerfile'), '--manifest', manifest, ctx]);
      podman(dir, ['manifest', 'push', '-q', '--all', '--tls-verify=false', manifest, `docker://${open.host}/multi:oci`]);
      podman(dir, ['manifest', 'push', '-q', '--all', '--format', 'v2s2', '--tls-verify=false', manifest, `docker://${open.host}/multi:v2s2`]);
      build('noentry.Dockerfile', 'localhost/cef-noentry:1');
      push('localhost/cef-noentry:1', 'team/noentry:1');
      build('shell.Dockerfile', 'localhost/cef-shell:1');
      push('localhost/cef-shell:1', 'shell:1', ['--format', 'v2s2']);
      build('arm64.Dockerfile', 'localhost/cef-armonly:1', ['--arch', 'arm64']);
      push('localhost/cef-armonly:1', 'armonly:1');
    } catch (e) {
      const message = `the registry or podman could not start: ${(e as any).stderr ?? ''}${(e as Error).message}`;
      if (process.env.CI) throw new Error(message);
      skipReason = message;
    }
  }
  if (skipReason) {
    // eslint-disable-next-line no-console
    console.error(`\n${'!'.repeat(78)}\n!!! SKIPPING the real-registry lookup tests: ${skipReason}\n${'!'.repeat(78)}\n`);
    if (process.env.CI) throw new Error(`real-registry tests cannot run in CI: ${skipReason}`);
  }
}, 180_000);

afterAll(async () => {
  for (const r of [open, basic, bearer]) r?.stop();
  await tokens?.stop();
  if (dir && !process.env.CEF_KEEP_REGISTRY_DIR) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI in-process; returns its exit code and what it printed. */
async function lookup(args: string[], env: { dockerConfig?: object; cwd?: string } = {}) {
  const cwd = env.cwd ?? fs.mkdtempSync(path.join(dir, 'cwd-'));
  const config = path.join(cwd, 'docker-config.json');
  fs.writeFileSync(config, JSON.stringify(env.dockerConfig ?? {}));
  const out: string[] = [];
  const err: string[] = [];
  const code = await lookupCommand.run(['--docker-config', config, ...args], { out: l => out.push(l), err: l => err.push(l), cwd, stdin: () => '' });
  const contextFile = path.join(cwd, 'cdk.context.json');
  const context = fs.existsSync(contextFile) ? JSON.parse(fs.readFileSync(contextFile, 'utf8')) : undefined;
  return { code, out: out.join('\n'), err: err.join('\n'), context, cwd, defaults: context?.['cdk-enforced-fargate:imageDefaults'] };
}

const basicAuth = (host: string, user = USER, password = PASSWORD) =>
  ({ auths: { [host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } });

// Each test skips itself (loudly, above) when the registry could not start outside CI.
const it = (name: string, fn: () => Promise<void>, timeout?: number) =>
  test(name, async () => { if (skipReason) return; await fn(); }, timeout);

describe('lookup against a real registry', () => {
  describe('When the image is a multi-platform index', () => {
    it('reads linux/amd64 by default from an OCI index and writes it with the digest', async () => {
      const ref = `${open.host}/multi:oci`;
      const r = await lookup([ref]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^${ref}  linux/amd64  sha256:[0-9a-f]{64}  entryPoint=\\["/bin/busybox"\\] command=\\["echo","amd64"\\]$`, 'm'));
      expect(r.defaults[ref]).toEqual({
        entryPoint: ['/bin/busybox'],
        command: ['echo', 'amd64'],
        digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        platform: 'linux/amd64',
        source: expect.stringMatching(new RegExp(`^registry ${open.host}/multi linux/amd64 sha256:`)),
      });
      // The digest is the index's, computed here; it equals the one the registry names.
      const head = await fetch(`http://${open.host}/v2/multi/manifests/oci`, { method: 'HEAD', headers: { Accept: 'application/vnd.oci.image.index.v1+json' } });
      expect(r.defaults[ref].digest).toBe(head.headers.get('docker-content-digest'));
    });

    it('reads the platform asked for, from a Docker manifest list too', async () => {
      const r = await lookup(['--platform', 'linux/arm64', `${open.host}/multi:v2s2`, `${open.host}/multi:oci`]);
      expect(r.code).toBe(0);
      expect(r.defaults[`${open.host}/multi:v2s2`].command).toEqual(['echo', 'arm64']);
      expect(r.defaults[`${open.host}/multi:oci`].command).toEqual(['echo', 'arm64']);
    });

    it('fails with "no matching platform" listing what the index has', async () => {
      const r = await lookup(['--platform', 'linux/s390x', `${open.host}/multi:oci`]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`error: ${open.host}/multi:oci: no matching platform: the image has no linux/s390x variant (it has: linux/amd64, linux/arm64/v8); pass --platform with one of those`);
      expect(r.context).toBeUndefined();
    });
  });

  describe('When the image is a single-platform image', () => {
    it('an image with no ENTRYPOINT is written with entryPoint []', async () => {
      const ref = `${open.host}/team/noentry:1`;
      const r = await lookup([ref]);
      expect(r.code).toBe(0);
      expect(r.defaults[ref]).toMatchObject({ entryPoint: [], command: ['/bin/busybox', 'sh', '-c', 'echo no entrypoint'] });
    });

    it('a shell-form ENTRYPOINT comes back as Docker stores it', async () => {
      const r = await lookup([`${open.host}/shell:1`]);
      expect(r.defaults[`${open.host}/shell:1`]).toMatchObject({ entryPoint: ['/bin/sh', '-c', '/bin/busybox echo "daemon off;"'], command: [] });
    });

    it('an image for another platform fails with "no matching platform"', async () => {
      const r = await lookup([`${open.host}/armonly:1`]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`error: ${open.host}/armonly:1: no matching platform: it is a single-platform image for linux/arm64, not linux/amd64; pass --platform linux/arm64 if the task runs there`);
    });

    it('a reference by digest keeps that digest', async () => {
      const first = await lookup([`${open.host}/team/noentry:1`]);
      const digest = first.defaults[`${open.host}/team/noentry:1`].digest;
      const ref = `${open.host}/team/noentry@${digest}`;
      const r = await lookup([ref]);
      expect(r.code).toBe(0);
      expect(r.defaults[ref].digest).toBe(digest);
    });
  });

  describe('When cdk.context.json already has content', () => {
    it('merges: other context keys and other images stay, the looked-up image is replaced', async () => {
      const cwd = fs.mkdtempSync(path.join(dir, 'merge-'));
      const ref = `${open.host}/multi:oci`;
      fs.writeFileSync(path.join(cwd, 'cdk.context.json'), JSON.stringify({
        'availability-zones:account=1:region=x': ['a'],
        'cdk-enforced-fargate:imageDefaults': { 'nginx:1.27': { entryPoint: ['/docker-entrypoint.sh'] }, [ref]: { entryPoint: ['stale'] } },
      }));
      const r = await lookup([ref], { cwd });
      expect(r.code).toBe(0);
      expect(r.context['availability-zones:account=1:region=x']).toEqual(['a']);
      expect(r.defaults['nginx:1.27']).toEqual({ entryPoint: ['/docker-entrypoint.sh'] });
      expect(r.defaults[ref].entryPoint).toEqual(['/bin/busybox']);
    });
  });

  describe('When a lookup fails', () => {
    it('an unknown tag or repository is "not found"; the others are still written; exit 1', async () => {
      const r = await lookup([`${open.host}/multi:nope`, `${open.host}/absent/repo:1`, `${open.host}/team/noentry:1`]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`error: ${open.host}/multi:nope: not found: ${open.host} has no manifest 'nope' in repository 'multi' [MANIFEST_UNKNOWN: manifest unknown]; check the name and tag`);
      expect(r.err).toContain(`error: ${open.host}/absent/repo:1: not found: ${open.host} has no manifest '1' in repository 'absent/repo'`);
      expect(r.err).toContain('2 of 3 image(s) could not be looked up');
      expect(Object.keys(r.defaults)).toEqual([`${open.host}/team/noentry:1`]);
    });

    it('a registry that does not answer is "registry unreachable"', async () => {
      const port = await freePort(); // nothing listens there
      const r = await lookup([`127.0.0.1:${port}/some/image:1`]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`error: 127.0.0.1:${port}/some/image:1: registry unreachable: cannot reach 127.0.0.1:${port} (http://127.0.0.1:${port}): ECONNREFUSED`);
    });

    it('a malformed reference or platform is refused before any request', async () => {
      const r = await lookup(['Not A Ref']);
      expect(r.code).toBe(1);
      expect(r.err).toContain("error: Not A Ref: bad reference: 'Not A Ref' is not an image reference");
      expect((await lookup(['--platform', 'amd64', 'x:1'])).err).toContain("--platform 'amd64' is not a platform (expected os/arch[/variant]");
    });
  });

  describe('When the registry asks for Basic credentials (htpasswd)', () => {
    it('reads with the auths entry of the Docker config', async () => {
      const r = await lookup([`${basic.host}/multi:oci`], { dockerConfig: basicAuth(basic.host) });
      expect(r.err).toBe('');
      expect(r.defaults[`${basic.host}/multi:oci`].command).toEqual(['echo', 'amd64']);
    });

    it('reads with a credential helper named in credHelpers', async () => {
      const bin = fs.mkdtempSync(path.join(dir, 'bin-'));
      fs.writeFileSync(path.join(bin, 'docker-credential-cef-test'),
        `#!/bin/sh\nread host\n[ "$host" = "${basic.host}" ] || { echo "credentials not found in native keychain"; exit 1; }\necho '{"ServerURL":"'$host'","Username":"${USER}","Secret":"${PASSWORD}"}'\n`, { mode: 0o755 });
      const saved = process.env.PATH;
      process.env.PATH = `${bin}:${saved}`;
      try {
        const r = await lookup([`${basic.host}/team/noentry:1`], { dockerConfig: { credHelpers: { [basic.host]: 'cef-test' } } });
        expect(r.err).toBe('');
        expect(r.code).toBe(0);
      } finally {
        process.env.PATH = saved;
      }
    });

    it('without credentials: "unauthorized" saying to log in', async () => {
      const r = await lookup([`${basic.host}/multi:oci`]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`error: ${basic.host}/multi:oci: unauthorized: ${basic.host} requires a login; no credentials for ${basic.host} in the Docker config: run docker login ${basic.host}`);
    });

    it('with wrong credentials: "unauthorized" saying they were refused', async () => {
      const r = await lookup([`${basic.host}/multi:oci`], { dockerConfig: basicAuth(basic.host, USER, 'wrong') });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/error: .*: unauthorized: .* refused manifest 'oci' \(HTTP 401\).*the credentials from .*auths\['127\.0\.0\.1:\d+'\] were sent and refused: renew them/);
    });

    it('a credential helper that cannot run is a clear error', async () => {
      const r = await lookup([`${basic.host}/multi:oci`], { dockerConfig: { credsStore: 'cef-absent' } });
      expect(r.code).toBe(1);
      expect(r.err).toContain(`error: ${basic.host}/multi:oci: credentials: credential helper docker-credential-cef-absent (configured for ${basic.host}) is not on the PATH; install it`);
    });
  });

  describe('When the registry asks for a Bearer token', () => {
    it('gets an anonymous pull token from the realm and reads the image', async () => {
      const before = tokens.requests.length;
      const r = await lookup([`${bearer.host}/team/noentry:1`]);
      expect(r.err).toBe('');
      expect(r.defaults[`${bearer.host}/team/noentry:1`].entryPoint).toEqual([]);
      expect(tokens.requests.slice(before)).toEqual([{ scope: 'repository:team/noentry:pull', service: 'test-registry', basic: undefined }]);
    });

    it('sends the Docker config credentials to the token service', async () => {
      const before = tokens.requests.length;
      const r = await lookup(['--platform', 'linux/arm64', `${bearer.host}/multi:oci`], { dockerConfig: basicAuth(bearer.host) });
      expect(r.code).toBe(0);
      expect(r.defaults[`${bearer.host}/multi:oci`].command).toEqual(['echo', 'arm64']);
      expect(tokens.requests[before].basic).toBe(`${USER}:${PASSWORD}`);
    });

    it('a token service that refuses the credentials: "unauthorized"', async () => {
      const r = await lookup([`${bearer.host}/multi:oci`], { dockerConfig: basicAuth(bearer.host, 'mallory', 'x') });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/error: .*: unauthorized: the token service http:\/\/127\.0\.0\.1:\d+ refused a pull token for multi \(HTTP 401\)/);
    });
  });

  describe('end to end with the construct', () => {
    it('a synthesis error names the lookup; --synth-output looks it up; then the app synthesizes', async () => {
      const ref = `${open.host}/team/noentry:1`;
      const makeStack = (context: Record<string, unknown>) => {
        const stack = new Stack(new App({ context }), 'S');
        const enforcer = new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/enforcer:1') });
        const td = new EnforcedFargateTaskDefinition(stack, 'T', { enforcer });
        td.addContainer('app', { image: ecs.ContainerImage.fromRegistry(ref) });
        return stack;
      };
      // GIVEN a failed synthesis, saved
      let output = '';
      try { Template.fromStack(makeStack({})); } catch (e) { output = String(e); }
      expect(output).toContain(`\`npx cdk-enforced-fargate lookup --platform linux/amd64 ${ref}\``);
      const cwd = fs.mkdtempSync(path.join(dir, 'e2e-'));
      fs.writeFileSync(path.join(cwd, 'synth.txt'), output);
      // WHEN
      const r = await lookup(['--synth-output', 'synth.txt'], { cwd });
      expect(r.code).toBe(0);
      // THEN the context it wrote makes the synthesis work
      const template = Template.fromStack(makeStack(r.context));
      const [td] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as any[];
      const app = td.Properties.ContainerDefinitions.find((c: any) => c.Name === 'app');
      expect(app.EntryPoint).toEqual(['/aqua/microenforcer']);
      expect(app.Command).toEqual(['/bin/busybox', 'sh', '-c', 'echo no entrypoint']);
    });

    it('--from-synth runs cdk synth in the app directory and looks up what it asks for, for the task platform', async () => {
      const app = fs.mkdtempSync(path.join(dir, 'app-'));
      const repo = path.join(__dirname, '..');
      fs.symlinkSync(path.join(repo, 'node_modules'), path.join(app, 'node_modules'));
      fs.writeFileSync(path.join(app, 'app.ts'), [
        "import { App, Stack } from 'aws-cdk-lib';",
        "import * as ecs from 'aws-cdk-lib/aws-ecs';",
        `import { EnforcedFargateTaskDefinition, Enforcer } from ${JSON.stringify(path.join(repo, 'lib'))};`,
        "const stack = new Stack(new App(), 'FromSynth');",
        "const enforcer = new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/enforcer:1'), cpuArchitectures: [ecs.CpuArchitecture.ARM64] });",
        "const td = new EnforcedFargateTaskDefinition(stack, 'T', { enforcer, runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64 } });",
        `td.addContainer('app', { image: ecs.ContainerImage.fromRegistry('${open.host}/multi:oci') });`,
        '',
      ].join('\n'));
      fs.writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'npx tsx app.ts', output: 'cdk.out' }));
      const r = await lookup(['--from-synth'], { cwd: app });
      expect(r.err).toContain('running npx cdk synth');
      expect(r.code).toBe(0);
      expect(r.defaults[`${open.host}/multi:oci`].command).toEqual(['echo', 'arm64']);
      // Now the synthesis passes, and there is nothing left to look up.
      const again = await lookup(['--from-synth'], { cwd: app });
      expect(again.out).toContain('the synthesis reports no image with unknown ENTRYPOINT/CMD: nothing to look up');
    }, 120_000);

    it('--context-file cdk.json: written under its "context", which the CDK CLI reads', async () => {
      const app = fs.mkdtempSync(path.join(dir, 'cdkjson-'));
      const repo = path.join(__dirname, '..');
      fs.symlinkSync(path.join(repo, 'node_modules'), path.join(app, 'node_modules'));
      fs.writeFileSync(path.join(app, 'app.ts'), [
        "import { App, Stack } from 'aws-cdk-lib';",
        "import * as ecs from 'aws-cdk-lib/aws-ecs';",
        `import { EnforcedFargateTaskDefinition, Enforcer } from ${JSON.stringify(path.join(repo, 'lib'))};`,
        "const stack = new Stack(new App(), 'CdkJson');",
        "const enforcer = new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/enforcer:1') });",
        "const td = new EnforcedFargateTaskDefinition(stack, 'T', { enforcer });",
        `td.addContainer('app', { image: ecs.ContainerImage.fromRegistry('${open.host}/team/noentry:1') });`,
        '',
      ].join('\n'));
      const cdkJson = '{\n  "app": "npx tsx app.ts",\n  "output": "cdk.out",\n  "context": {\n    "some:flag": 12345678901234567890123\n  }\n}\n';
      fs.writeFileSync(path.join(app, 'cdk.json'), cdkJson);
      const r = await lookup(['--from-synth', '--context-file', 'cdk.json'], { cwd: app });
      expect(r.code).toBe(0);
      expect(r.out).toContain(`under 'context' > 'cdk-enforced-fargate:imageDefaults'`);
      expect(fs.existsSync(path.join(app, 'cdk.context.json'))).toBe(false);
      const written = fs.readFileSync(path.join(app, 'cdk.json'), 'utf8');
      expect(written).toContain('"some:flag": 12345678901234567890123,');
      // The CDK CLI read the entry from cdk.json: the next synthesis asks for nothing.
      const again = await lookup(['--from-synth', '--context-file', 'cdk.json'], { cwd: app });
      expect(again.out).toContain('the synthesis reports no image with unknown ENTRYPOINT/CMD: nothing to look up');
    }, 120_000);

    it('--from-synth fails clearly when the synthesis fails for another reason', async () => {
      const app = fs.mkdtempSync(path.join(dir, 'broken-'));
      fs.symlinkSync(path.join(__dirname, '..', 'node_modules'), path.join(app, 'node_modules'));
      fs.writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'node -e "process.exit(3)"' }));
      const r = await lookup(['--from-synth'], { cwd: app });
      expect(r.code).toBe(1);
      expect(r.err).toContain('npx cdk synth failed (exit 1) for a reason other than unknown image defaults');
    }, 120_000);

    it('the bin exits non-zero with the message (run as a process)', async () => {
      const cli = path.join(__dirname, '..', 'lib', 'cli', 'main.ts');
      const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
      const run = spawnSync(tsx, [cli, 'lookup', `${open.host}/multi:nope`], { encoding: 'utf8', cwd: dir, env: { ...process.env, DOCKER_CONFIG: dir } });
      if (skipReason) return;
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`error: ${open.host}/multi:nope: not found`);
    });
  });

  describe('the Dockerfile reader agrees with a real build (podman)', () => {
    const fixtures = path.join(__dirname, 'fixtures', 'dockerfiles');
    const cases: [string, string | undefined][] = [
      ['multi-stage', undefined], ['multi-stage', 'app'], ['continuation', undefined], ['escape-directive', undefined],
      ['entrypoint-reset', 'reset'], ['entrypoint-reset', 'kept'], ['entrypoint-reset', 'cmd-only'],
      ['lowercase-invalid-json', undefined],
      // Not 'shell': buildah 1.28 (podman 4.3) ignores SHELL for a shell-form ENTRYPOINT/CMD and
      // stores ["/bin/sh", "-c", ...]; Docker uses the SHELL, as the reader does.
    ];
    for (const [name, target] of cases) {
      it(`${name}${target ? ` --target ${target}` : ''}`, async () => {
        const tag = `localhost/cef-df-${name}-${target ?? 'last'}:1`;
        // --format docker: in OCI format buildah ignores SHELL, which Docker honours.
        podman(dir, ['build', '-q', '--network=none', '--format', 'docker', ...(target ? ['--target', target] : []), '-t', tag, path.join(fixtures, name)], 'inspect');
        const config = JSON.parse(podman(dir, ['image', 'inspect', '--format', '{{json .Config}}', tag], 'inspect'));
        const ours = readDockerfileDefaults(fs.readFileSync(path.join(fixtures, name, 'Dockerfile'), 'utf8'), { target });
        expect({ entryPoint: ours.entryPoint, command: ours.command }).toEqual({ entryPoint: config.Entrypoint ?? [], command: config.Cmd ?? [] });
      }, 60_000);
    }
  });
});
