/**
 * `cdk-enforced-fargate drift` against a real registry on loopback (Debian's docker-registry,
 * images built and pushed with podman: test/registry/harness.ts), with tags moved between the
 * lookup and the drift check.
 */
import * as fs from 'fs';
import * as path from 'path';
import { drift } from '../lib/cli/drift';
import { lookup } from '../lib/cli/lookup';
import { APT_PACKAGES, buildContext, missingPrograms, podman, Registry, startRegistry, tempDir } from './registry/harness';

let dir = '';
let skipReason: string | undefined;
let registry: Registry;
const BUSYBOX = 'FROM scratch\nCOPY busybox /bin/busybox\n';

/** Builds `dockerfile` and pushes it to `remote` on the registry. */
function push(ctx: string, dockerfile: string, remote: string, extra: string[] = []) {
  const tag = `localhost/cef-drift-${Math.random().toString(36).slice(2)}:1`;
  podman(dir, ['build', '-q', '--network=none', '--no-cache', ...extra, '-f', path.join(ctx, dockerfile), '-t', tag, ctx]);
  podman(dir, ['push', '-q', '--tls-verify=false', tag, `docker://${registry.host}/${remote}`]);
}

let ctx = '';
beforeAll(async () => {
  const missing = missingPrograms();
  if (missing.length > 0) {
    skipReason = `missing ${missing.join(', ')}: apt-get install -y ${APT_PACKAGES}`;
  } else {
    try {
      dir = tempDir('cef-drift-');
      const storage = path.join(dir, 'storage');
      fs.mkdirSync(storage);
      registry = await startRegistry(dir, 'drift', storage);
      ctx = buildContext(dir, {
        'a.Dockerfile': `${BUSYBOX}ENTRYPOINT ["/bin/busybox"]\nCMD ["echo", "a"]\n`,
        'a2.Dockerfile': `${BUSYBOX}LABEL rebuilt=yes\nENTRYPOINT ["/bin/busybox"]\nCMD ["echo", "a"]\n`,
        'c.Dockerfile': `${BUSYBOX}ENTRYPOINT ["/bin/busybox"]\nCMD ["echo", "c"]\n`,
      });
      push(ctx, 'a.Dockerfile', 'moved:1');
      push(ctx, 'a.Dockerfile', 'rebuilt:1');
      push(ctx, 'a.Dockerfile', 'stable:1');
      push(ctx, 'c.Dockerfile', 'arm:1', ['--arch', 'arm64']);
    } catch (e) {
      skipReason = `the registry or podman could not start: ${(e as any).stderr ?? ''}${(e as Error).message}`;
    }
  }
  if (skipReason) {
    // eslint-disable-next-line no-console
    console.error(`\n${'!'.repeat(78)}\n!!! SKIPPING the drift tests: ${skipReason}\n${'!'.repeat(78)}\n`);
    if (process.env.CI) throw new Error(`drift tests cannot run in CI: ${skipReason}`);
  }
}, 180_000);

afterAll(() => {
  registry?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function runCommand(command: typeof drift, args: string[], cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command.run(['--docker-config', path.join(cwd, 'none.json'), ...args], { out: l => out.push(l), err: l => err.push(l), cwd, stdin: () => '', env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const it = (name: string, fn: () => Promise<void>, timeout?: number) =>
  test(name, async () => { if (skipReason) return; await fn(); }, timeout);

describe('drift against a real registry', () => {
  it('no drift: exit 0; a tag moved: exit 1, with the digests and whether ENTRYPOINT/CMD changed', async () => {
    const cwd = fs.mkdtempSync(path.join(dir, 'app-'));
    const host = registry.host;
    // GIVEN images looked up (one for arm64) and one entry declared by hand
    expect((await runCommand(lookup, [`${host}/moved:1`, `${host}/rebuilt:1`, `${host}/stable:1`], cwd)).code).toBe(0);
    expect((await runCommand(lookup, ['--platform', 'linux/arm64', `${host}/arm:1`], cwd)).code).toBe(0);
    const file = path.join(cwd, 'cdk.context.json');
    const context = JSON.parse(fs.readFileSync(file, 'utf8'));
    context['cdk-enforced-fargate:imageDefaults']['nginx:1.27'] = { entryPoint: ['/docker-entrypoint.sh'], command: ['nginx'] };
    fs.writeFileSync(file, JSON.stringify(context, undefined, 2));
    const recorded = context['cdk-enforced-fargate:imageDefaults'];

    const before = await runCommand(drift, [], cwd);
    expect(before.err).not.toContain('error:');
    expect(before.code).toBe(0);
    expect(before.out).toContain(`ok       ${host}/arm:1  linux/arm64  ${recorded[`${host}/arm:1`].digest}`);
    expect(before.out).toContain('skipped  nginx:1.27: no digest recorded (declared by hand in cdk.context.json), so nothing to compare');
    expect(before.out).toContain('no drift: 4 image(s) still resolve to the recorded digest');

    // WHEN two tags move: one to an image with another CMD, one to a rebuild with the same ENTRYPOINT/CMD
    push(ctx, 'c.Dockerfile', 'moved:1');
    push(ctx, 'a2.Dockerfile', 'rebuilt:1');
    const after = await runCommand(drift, [], cwd);

    // THEN
    expect(after.code).toBe(1);
    const lines = after.out.split('\n');
    const moved = lines.find(l => l.includes(`${host}/moved:1`))!;
    expect(moved).toMatch(new RegExp(`^DRIFT {4}${host}/moved:1  linux/amd64  ${recorded[`${host}/moved:1`].digest} -> sha256:[0-9a-f]{64}; ENTRYPOINT/CMD CHANGED: entryPoint \\["/bin/busybox"\\] -> \\["/bin/busybox"\\], command \\["echo","a"\\] -> \\["echo","c"\\]$`));
    const rebuilt = lines.find(l => l.includes(`${host}/rebuilt:1`))!;
    expect(rebuilt).toMatch(/^DRIFT .* -> sha256:[0-9a-f]{64}; ENTRYPOINT\/CMD unchanged$/);
    expect(lines.find(l => l.includes(`${host}/stable:1`))).toMatch(/^ok /);
    expect(after.err).toContain('2 of 4 image(s) drifted. To accept the new images, look them up again (it rewrites their entries):');
    expect(after.err).toContain(`  npx cdk-enforced-fargate lookup --platform linux/amd64 ${host}/moved:1`);
    // drift reads; it never writes
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(context);

    // AND after a new lookup there is no drift again
    expect((await runCommand(lookup, [`${host}/moved:1`, `${host}/rebuilt:1`], cwd)).code).toBe(0);
    expect((await runCommand(drift, [], cwd)).code).toBe(0);
  }, 180_000);

  it('an image that cannot be read any more is an error (exit 1); cdk.json context is read too', async () => {
    const cwd = fs.mkdtempSync(path.join(dir, 'gone-'));
    fs.writeFileSync(path.join(cwd, 'cdk.json'), JSON.stringify({ app: 'x', context: { 'cdk-enforced-fargate:imageDefaults': {
      [`${registry.host}/never:1`]: { entryPoint: [], command: ['x'], digest: `sha256:${'1'.repeat(64)}`, platform: 'linux/amd64' },
    } } }));
    const r = await runCommand(drift, [], cwd);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`error: ${registry.host}/never:1: not found:`);
    expect(r.err).toContain('1 of 1 image(s) could not be read');
  });

  it('nothing recorded: exit 0 saying so; usage errors exit 2', async () => {
    const cwd = fs.mkdtempSync(path.join(dir, 'empty-'));
    const r = await runCommand(drift, [], cwd);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain('nothing to check');
    expect((await runCommand(drift, ['nginx:1'], cwd)).err).toContain('cdk-enforced-fargate drift: takes no image arguments');
    expect((await runCommand(drift, ['--context-file', 'absent.json'], cwd)).code).toBe(2);
    expect((await runCommand(drift, ['--bogus'], cwd)).err).toBe("cdk-enforced-fargate drift: unknown option '--bogus' (see cdk-enforced-fargate drift --help)");
  });
});
