/**
 * The surface of `cdk-enforced-fargate lookup`: usage, flags, version, refused platforms, the
 * hints printed when a lookup fails, progress, and the real bin under `| head`.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lookup as lookupCommand } from '../lib/cli/lookup';
import { main } from '../lib/cli/main';
import { config, FakeRegistry } from './support/fake-registry';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION = require('../package.json').version;
const dirs: string[] = [];
afterAll(() => dirs.forEach(d => fs.rmSync(d, { recursive: true, force: true })));
const tempDir = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-cli-')); dirs.push(d); return d; };

async function run(args: string[], cwd = tempDir()) {
  const out: string[] = [];
  const err: string[] = [];
  fs.writeFileSync(path.join(cwd, 'docker-config.json'), '{}');
  const code = await main(args, { out: l => out.push(l), err: l => err.push(l), cwd, stdin: () => '', env: {} });
  return { code, out: out.join('\n'), err: err.join('\n'), cwd };
}

describe('cdk-enforced-fargate lookup: the command line', () => {
  test('no argument: the usage on stderr, exit 2', async () => {
    const r = await run(['lookup']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('cdk-enforced-fargate lookup: name at least one image, or use --from-synth');
    expect(r.err).toContain('Usage:\n  cdk-enforced-fargate lookup [options] IMAGE...');
  });

  test('--help on stdout, exit 0', async () => {
    const r = await run(['lookup', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('--insecure HOST[:PORT]');
  });

  test.each([
    [['--bogus', 'x:1'], "cdk-enforced-fargate lookup: unknown option '--bogus' (see cdk-enforced-fargate lookup --help)"],
    [['-x'], "cdk-enforced-fargate lookup: unknown option '-x' (see cdk-enforced-fargate lookup --help)"],
    [['--platform'], "cdk-enforced-fargate lookup: option '--platform' needs a value (see --help)"],
    [['--from-synth=yes'], "cdk-enforced-fargate lookup: option '--from-synth' takes no value (see --help)"],
    [['--platform', 'windows/amd64', 'x:1'], "cdk-enforced-fargate lookup: --platform 'windows/amd64' is not a Linux platform: the construct protects Linux tasks only (it refuses Windows tasks), so only linux/ARCH images are looked up"],
    [['--insecure', 'reg.example:5000/app:1'], "cdk-enforced-fargate lookup: --insecure takes registry names (host or host:port, like Docker's insecure-registries), got 'reg.example:5000/app:1'"],
    [['--insecure', 'http://reg.example', 'x:1'], "cdk-enforced-fargate lookup: --insecure takes registry names (host or host:port, like Docker's insecure-registries), got 'http://reg.example'"],
    [['--timeout', 'soon', 'x:1'], "cdk-enforced-fargate lookup: --timeout takes seconds between 0 and 3600, got 'soon'"],
  ])('%j: one line of our own, exit 2', async (args, message) => {
    const r = await run(['lookup', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(message);
  });

  test('--version, for the command and for the package', async () => {
    expect(await run(['lookup', '--version'])).toMatchObject({ code: 0, out: VERSION });
    expect(await run(['--version'])).toMatchObject({ code: 0, out: VERSION });
  });

  describe('When lookups fail', () => {
    let registry: FakeRegistry;
    beforeAll(async () => { registry = await new FakeRegistry().start(); });
    afterAll(async () => { await registry.stop(); });

    test('it prints the context entry to fill in and how to read the values with docker, podman or skopeo', async () => {
      registry.image('good', '1', config(['/bin/good'], []));
      const ref = `${registry.host}/absent:2`;
      const r = await run(['lookup', '--docker-config', 'docker-config.json', '--platform', 'linux/arm64', ref]);
      expect(r.code).toBe(1);
      expect(r.err).toContain([
        `To go on without the registry, declare each image's ENTRYPOINT/CMD yourself in cdk.context.json`,
        '(the same JSON for every language; or in the task\'s imageDefaults prop, keyed the same way):',
        '  "cdk-enforced-fargate:imageDefaults": {',
        `    "${ref}": { "entryPoint": [ ... ], "command": [ ... ] }`,
        '  }',
        '("entryPoint": [] and "command": [] declare that the image has none.) Read the values from the image with one of:',
        `  docker pull --platform linux/arm64 ${ref} && docker image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' ${ref}`,
        `  podman pull --platform linux/arm64 ${ref} && podman image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' ${ref}`,
        `  skopeo inspect --override-os linux --override-arch arm64 --config docker://${ref}   (its .config.Entrypoint and .config.Cmd)`,
      ].join('\n'));
    });

    test('with cdk.json as the context file, the hint says "context"; progress is printed per image', async () => {
      registry.image('good', '1', config(['/bin/good'], []));
      const cwd = tempDir();
      fs.writeFileSync(path.join(cwd, 'cdk.json'), '{"app": "x"}');
      const r = await run(['lookup', '--docker-config', 'docker-config.json', '--context-file', 'cdk.json', `${registry.host}/good:1`, `${registry.host}/absent:1`], cwd);
      expect(r.err).toContain(`[1/2] ${registry.host}/good:1 (linux/amd64) ...\n[2/2] ${registry.host}/absent:1 (linux/amd64) ...`);
      expect(r.err).toContain('declare each image\'s ENTRYPOINT/CMD yourself in cdk.json (under "context")');
      expect(r.out).toContain(`under 'context' > 'cdk-enforced-fargate:imageDefaults'`);
      expect(JSON.parse(fs.readFileSync(path.join(cwd, 'cdk.json'), 'utf8')).context['cdk-enforced-fargate:imageDefaults'][`${registry.host}/good:1`].entryPoint).toEqual(['/bin/good']);
    });

    test('the real bin, its output cut by `| head -n 0`: no EPIPE crash, exit code and context file as without the pipe', async () => {
      const cwd = tempDir();
      const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
      const bin = path.join(__dirname, '..', 'lib', 'cli', 'main.ts');
      const refs = Array.from({ length: 3 }, (_, i) => { registry.image(`pipe${i}`, '1', config([`/bin/p${i}`], [])); return `${registry.host}/pipe${i}:1`; });
      // (asynchronously: the registry answers from this process)
      const stdout = await new Promise<string>(resolve => {
        const child = spawn('bash', ['-c', `"${tsx}" "${bin}" lookup ${refs.join(' ')} 2>err.txt | head -n 0; echo "exit=\${PIPESTATUS[0]}"`], { cwd, env: { ...process.env, DOCKER_CONFIG: cwd } });
        let text = '';
        child.stdout.on('data', d => { text += d; });
        child.on('close', () => resolve(text));
      });
      expect(stdout.trim()).toBe('exit=0');
      const stderr = fs.readFileSync(path.join(cwd, 'err.txt'), 'utf8');
      expect(stderr).not.toContain('EPIPE');
      expect(stderr).toContain('[3/3]');
      const written = JSON.parse(fs.readFileSync(path.join(cwd, 'cdk.context.json'), 'utf8'))['cdk-enforced-fargate:imageDefaults'];
      expect(Object.keys(written).sort()).toEqual(refs.sort());
    }, 60_000);
  });

  test('the lookup command object answers --help in-process too', async () => {
    const out: string[] = [];
    expect(await lookupCommand.run(['--help'], { out: l => out.push(l), err: () => undefined, cwd: '.', stdin: () => '' })).toBe(0);
    expect(out.join('\n')).toContain('HTTPS_PROXY, HTTP_PROXY and NO_PROXY are honoured');
  });
});
