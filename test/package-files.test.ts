/**
 * The npm tarball holds the compiled library, its declarations, the .jsii assembly, README,
 * LICENSE, API.md and the Guard rule (rules/), and nothing else (no sources, tests, examples, cdk.out, dist/).
 * Needs the jsii build (`npm test` runs it first).
 *
 * To ship more, add a file to EXTRA_FILES or a bundled dependency to BUNDLED below (the `bin`,
 * lib/cli/main.js, is part of the compiled library).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

/** Files shipped besides the compiled lib/ (paths relative to the package root). */
const EXTRA_FILES: string[] = ['.jsii', 'API.md', 'LICENSE', 'README.md', 'package.json', 'rules/enforced-fargate-tasks.guard'];
/** Dependencies shipped inside the tarball (package.json `bundledDependencies`); theirs come along. */
const BUNDLED: string[] = ['@aws-sdk/client-ecs', 'dockerfile-ast'];
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
