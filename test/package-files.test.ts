/**
 * The npm tarball holds the compiled library, its declarations, the .jsii assembly, README,
 * LICENSE, API.md and the Guard rule (rules/), and nothing else (no sources, tests, examples, cdk.out, dist/).
 * Needs the jsii build (`npm test` runs it first).
 *
 * To ship more, add a file to EXTRA_FILES or a bundled dependency to BUNDLED below (the `bin`,
 * lib/cli/main.js, is part of the compiled library).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

/** Files shipped besides the compiled lib/ (paths relative to the package root). */
const EXTRA_FILES: string[] = ['.jsii', 'API.md', 'LICENSE', 'README.md', 'package.json', 'rules/enforced-fargate-tasks.guard'];
/** Dependencies shipped inside the tarball (package.json `bundledDependencies`); theirs come along. */
const BUNDLED: string[] = ['@aws-sdk/client-ecs', 'dockerfile-ast', 'jsonc-parser', 'undici'];
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../package.json');

/** lib/x.ts compiles to lib/x.js and lib/x.d.ts. */
function compiledLibrary(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        out.push(rel.replace(/\.ts$/, '.js'), rel.replace(/\.ts$/, '.d.ts'));
      }
    }
  };
  walk('lib');
  return out;
}

describe('npm tarball', () => {
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] }));
  const files: string[] = pack.files.map((f: { path: string }) => f.path);

  test('holds exactly the compiled library, .jsii, README, LICENSE and API.md', () => {
    const expected = [...EXTRA_FILES, ...compiledLibrary()];
    expect(files.filter(f => !f.startsWith('node_modules/')).sort()).toEqual(expected.sort());
  });

  test('bundles exactly BUNDLED and their own dependencies', () => {
    expect([...(pkg.bundledDependencies ?? [])].sort()).toEqual([...BUNDLED].sort());
    expect(pack.bundled).toEqual(expect.arrayContaining(BUNDLED));
    // Every file under node_modules/ belongs to a package npm bundled (BUNDLED or one they need).
    const outside = files.filter(f => f.startsWith('node_modules/') && !pack.bundled.some((b: string) => f.startsWith(`node_modules/${b}/`)));
    expect(outside).toEqual([]);
  });

  test('the bin points into the compiled library', () => {
    for (const bin of Object.values<string>(pkg.bin ?? {})) expect(files).toContain(bin);
  });

  test('ships no sources, tests, examples or build output', () => {
    const own = files.filter(f => !f.startsWith('node_modules/'));
    expect(own.filter(f => /(^|\/)(test|examples|dist|cdk\.out|rosetta)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
  });
});

/**
 * The command as users get it: the jsii runtimes of Python, Java, Go and .NET unpack the npm
 * tarball and run the bin's file directly (so it needs its execute bit and shebang), and npm
 * users run the link npm makes. Both are tried on a real `npm pack`.
 */
describe('the bin as each language gets it', () => {
  let work = '';
  let tarball = '';
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(require('os').tmpdir(), 'cef-pack-'));
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] }));
    tarball = path.join(work, packed.filename);
    execFileSync('tar', ['xzf', tarball, '-C', work]);
  }, 120_000);
  afterAll(() => { if (work) fs.rmSync(work, { recursive: true, force: true }); });

  test('the bin is executable in the tarball itself', () => {
    const listing = execFileSync('tar', ['tvzf', tarball], { encoding: 'utf-8' });
    for (const bin of Object.values<string>(pkg.bin)) {
      const line = listing.split('\n').find(l => l.endsWith(` package/${bin}`));
      expect(line).toMatch(/^-rwxr-xr-x /);
      expect(fs.readFileSync(path.join(work, 'package', bin), 'utf-8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    }
  });

  test('run directly from the unpacked package (as the jsii runtimes run it): --version, lookup usage, a refused platform', () => {
    const bin = path.join(work, 'package', pkg.bin['cdk-enforced-fargate']);
    expect(execFileSync(bin, ['--version'], { encoding: 'utf-8' }).trim()).toBe(pkg.version);
    const usage = spawnSync(bin, ['lookup'], { encoding: 'utf-8' });
    expect(usage.status).toBe(2);
    expect(usage.stdout).toBe('');
    expect(usage.stderr).toContain('Usage:\n  cdk-enforced-fargate lookup [options] IMAGE...');
    const windows = spawnSync(bin, ['lookup', '--platform', 'windows/amd64', 'x:1'], { encoding: 'utf-8' });
    expect(windows.status).toBe(2);
    expect(windows.stderr).toContain("'windows/amd64' is not a Linux platform");
    // The bundled dependencies load from the unpacked package (a lookup that fails at the network).
    const unreachable = spawnSync(bin, ['lookup', '--timeout', '5', '127.0.0.1:9/x:1'], { encoding: 'utf-8', cwd: work, env: { ...process.env, DOCKER_CONFIG: work } });
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toContain('error: 127.0.0.1:9/x:1: registry unreachable: cannot reach 127.0.0.1:9 (http://127.0.0.1:9): ');
    // enforce needs the peer aws-cdk-lib: without it, one line that says where to run it, no stack.
    fs.writeFileSync(path.join(work, 'td.json'), '{"family": "f", "containerDefinitions": [{"name": "app", "image": "x:1", "entryPoint": ["/app"]}]}');
    fs.writeFileSync(path.join(work, 'enforcer.json'), '{"image": "registry.example.com/enforcer:1"}');
    const enforce = spawnSync(bin, ['enforce', '--enforcer', 'enforcer.json', 'td.json'], { encoding: 'utf-8', cwd: work });
    expect(enforce.status).toBe(1);
    expect(enforce.stderr.trim()).toBe("cdk-enforced-fargate enforce: needs aws-cdk-lib (this library's peer dependency) where Node finds it: run it in a CDK app's directory (npx cdk-enforced-fargate enforce ...) or 'npm install aws-cdk-lib' beside it");
  });

  test('installed from the tarball with npm: node_modules/.bin/cdk-enforced-fargate', () => {
    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), '{"name": "app", "version": "1.0.0", "private": true}');
    // The peers (aws-cdk-lib, constructs) are not needed by the command; leave them out (offline).
    execFileSync('npm', ['install', '--offline', '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund', tarball], { cwd: app, stdio: 'ignore' });
    const out = execFileSync(path.join(app, 'node_modules', '.bin', 'cdk-enforced-fargate'), ['lookup', '--version'], { encoding: 'utf-8' });
    expect(out.trim()).toBe(pkg.version);
  }, 120_000);
});
