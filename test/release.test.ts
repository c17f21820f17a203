/**
 * The release a maintainer can switch on (.github/workflows/release.yml): actionlint passes it,
 * it publishes to every registry with trusted publishing where the registry offers it, it builds
 * and checks with the same `npm run release:dry-run` a contributor runs, and
 * scripts/release-version.sh turns conventional commits into the version and CHANGELOG section.
 *
 * actionlint is built by scripts/install-tools.sh into .tools/bin; without it the lint is skipped
 * with a loud banner, and fails under CI (CI=true).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { missingToolBanner } from './support/tools';

const ROOT = path.join(__dirname, '..');
const WORKFLOW = path.join(ROOT, '.github', 'workflows', 'release.yml');
const workflow = fs.readFileSync(WORKFLOW, 'utf-8');
const ACTIONLINT = path.join(ROOT, '.tools', 'bin', 'actionlint');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../package.json');

const actionlintMissing = fs.existsSync(ACTIONLINT) ? undefined : `${ACTIONLINT} does not exist`;
if (actionlintMissing) {
  // eslint-disable-next-line no-console
  console.warn(missingToolBanner(`actionlint of the workflows${process.env.CI ? ' (FAILING: CI=true)' : ''}`, actionlintMissing));
}
const testLint = actionlintMissing && !process.env.CI ? test.skip : test;

function actionlint(file: string): { status: number | null; output: string } {
  const r = spawnSync(ACTIONLINT, ['-color=false', file], { encoding: 'utf-8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The text of each job under `jobs:`, by job id. */
function jobs(text: string): { [id: string]: string } {
  const body = text.slice(text.indexOf('\njobs:\n'));
  const starts = [...body.matchAll(/^ {2}([a-z][\w-]*):$/gm)];
  return Object.fromEntries(starts.map((m, i) => [m[1], body.slice(m.index, starts[i + 1]?.index)]));
}

describe('release workflow', () => {
  testLint('actionlint passes every workflow', () => {
    const dir = path.join(ROOT, '.github', 'workflows');
    const files = fs.readdirSync(dir).filter(f => /\.ya?ml$/.test(f));
    expect(files).toContain('release.yml');
    for (const file of files) expect({ file, ...actionlint(path.join(dir, file)) }).toEqual({ file, status: 0, output: '' });
  });

  testLint('actionlint fails a broken workflow (a job that needs one that does not exist, an unknown context)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-lint-'));
    try {
      const broken = path.join(dir, 'broken.yml');
      fs.writeFileSync(broken, workflow.replace('needs: release\n', 'needs: relase\n').replace('vars.RELEASE_ENABLED', 'varz.RELEASE_ENABLED'));
      const { status, output } = actionlint(broken);
      expect(status).not.toBe(0);
      expect(output).toMatch(/relase/);
      expect(output).toMatch(/varz/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('shellcheck passes the release and compatibility scripts (Debian shellcheck, which actionlint also runs)', () => {
    const r = spawnSync('shellcheck', ['scripts/release-version.sh', 'scripts/release-dry-run.sh', 'scripts/test-cdk-versions.sh', 'scripts/install-tools.sh'], { cwd: ROOT, encoding: 'utf-8' });
    if (r.error) {
      if (process.env.CI) throw new Error(`shellcheck cannot run under CI: ${r.error.message}`);
      // eslint-disable-next-line no-console
      console.warn(missingToolBanner('shellcheck of the release scripts', r.error.message));
      return;
    }
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });

  test('runs on main and by hand, only once a maintainer sets RELEASE_ENABLED, with read-only default permissions', () => {
    expect(workflow).toMatch(/^on:\n {2}push:\n {4}branches: \[main\]\n {2}workflow_dispatch: \{\}$/m);
    expect(workflow).toMatch(/^permissions:\n {2}contents: read$/m);
    expect(jobs(workflow).release).toContain("if: vars.RELEASE_ENABLED == 'true'");
  });

  test('the release job versions from conventional commits, then builds and checks with npm run release:dry-run', () => {
    const release = jobs(workflow).release;
    expect(release).toContain('run: bash scripts/release-version.sh');
    expect(release).toContain('run: npm run release:dry-run');
    expect(release).toContain('REQUIRE_DOTNET: "1"');
    expect(release.indexOf('release-version.sh')).toBeLessThan(release.indexOf('release:dry-run'));
    expect(pkg.scripts['release:dry-run']).toBe('bash scripts/release-dry-run.sh');
    expect(release).toMatch(/uses: actions\/upload-artifact@v\d+\n\s+if: steps\.version\.outputs\.released == 'true'\n\s+with:\n\s+name: dist/);
  });

  test('every registry has its job; trusted publishing (OIDC) where the registry offers it, and only there', () => {
    const all = jobs(workflow);
    expect(Object.keys(all).sort()).toEqual(['golang', 'maven', 'npm', 'nuget', 'pypi', 'release']);
    for (const id of ['npm', 'pypi', 'maven', 'nuget', 'golang']) {
      expect(all[id]).toContain('needs: release');
      expect(all[id]).toContain("if: needs.release.outputs.released == 'true'");
      expect(all[id]).toMatch(/uses: actions\/download-artifact@v\d+\n\s+with:\n\s+name: dist/);
    }
    const oidc = Object.entries(all).filter(([, text]) => text.includes('id-token: write')).map(([id]) => id).sort();
    expect(oidc).toEqual(['npm', 'nuget', 'pypi']);
    expect(all.npm).toContain('npm publish --provenance --access public dist/js/*.tgz');
    expect(all.npm).not.toMatch(/NPM_TOKEN|NODE_AUTH_TOKEN/);
    expect(all.pypi).toMatch(/uses: pypa\/gh-action-pypi-publish@release\/v1\n\s+with:\n\s+packages-dir: dist\/python/);
    expect(all.pypi).not.toMatch(/password|TWINE/);
    expect(all.nuget).toContain('uses: NuGet/login@v1');
    expect(all.nuget).toContain('steps.nuget.outputs.NUGET_API_KEY');
    expect(all.maven).toMatch(/publib-maven dist\/java\n\s+env:\n\s+MAVEN_SERVER_ID: central-ossrh/);
    expect(all.golang).toContain('publib-golang dist/go');
  });

  test('every action and tool is pinned to a version', () => {
    const uses = [...workflow.matchAll(/uses: (\S+)/g)].map(m => m[1]);
    expect(uses.length).toBeGreaterThan(10);
    for (const ref of uses) expect(ref).toMatch(/@(v\d+|release\/v\d+|[0-9a-f]{40})$/);
    for (const m of workflow.matchAll(/npx --yes -p (\S+)/g)) expect(m[1]).toMatch(/@\d+\.\d+\.\d+$/);
  });
});

describe('scripts/release-version.sh', () => {
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
  const run = (cwd: string, ...args: string[]) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'release-out-'));
    const outputFile = path.join(out, 'github-output');
    const r = spawnSync('bash', [path.join(cwd, 'scripts', 'release-version.sh'), ...args], {
      cwd, encoding: 'utf-8', env: { ...process.env, GITHUB_OUTPUT: outputFile },
    });
    const outputs = fs.existsSync(outputFile) ? fs.readFileSync(outputFile, 'utf-8') : '';
    fs.rmSync(out, { recursive: true, force: true });
    return { status: r.status, log: `${r.stdout}${r.stderr}`, outputs };
  };

  /** A git repository holding this project's package.json, CHANGELOG.md, .versionrc.json and the script. */
  function repository(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-version-'));
    fs.mkdirSync(path.join(dir, 'scripts'));
    for (const file of ['package.json', 'CHANGELOG.md', '.versionrc.json', 'scripts/release-version.sh']) {
      fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    }
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '.');
    git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'feat: the library');
    return dir;
  }

  test("CHANGELOG.md starts with .versionrc.json's header, so commit-and-tag-version keeps it", () => {
    const header: string = JSON.parse(fs.readFileSync(path.join(ROOT, '.versionrc.json'), 'utf-8')).header;
    const changelog = fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf-8');
    expect(changelog.startsWith(`${header}\n## `)).toBe(true);
  });

  test('the first release is package.json\'s version, and the Unreleased section becomes its section', () => {
    const dir = repository();
    try {
      const before = fs.readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf-8');
      // --dry-run changes nothing.
      const dry = run(dir, '--dry-run');
      expect(dry.status).toBe(0);
      expect(dry.outputs).toBe(`released=true\nversion=${pkg.version}\n`);
      expect(fs.readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf-8')).toBe(before);

      const real = run(dir);
      expect(real.status).toBe(0);
      expect(real.outputs).toBe(`released=true\nversion=${pkg.version}\n`);
      const after = fs.readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf-8');
      expect(after).toMatch(new RegExp(`^## \\[${pkg.version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'));
      expect(after).not.toContain('## [Unreleased]');
      expect(after).not.toContain('Nothing has been published yet');
      expect(after).toContain(`[${pkg.version}]: ${String(pkg.repository.url).replace(/\.git$/, '')}/releases/tag/v${pkg.version}`);
      // The hand-written notes are kept.
      expect(after).toContain('### Added');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('nothing to release when no commit follows the last tag', () => {
    const dir = repository();
    try {
      git(dir, 'tag', 'v0.1.0');
      const r = run(dir);
      expect(r.status).toBe(0);
      expect(r.outputs).toBe(`released=false\nversion=${pkg.version}\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a feature after the last tag: commit-and-tag-version bumps the version and writes the section', () => {
    const dir = repository();
    try {
      git(dir, 'tag', `v${pkg.version}`);
      const changelog = fs.readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf-8').replace('## [Unreleased]', `## [${pkg.version}] - 2026-11-30`);
      fs.writeFileSync(path.join(dir, 'CHANGELOG.md'), changelog);
      git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', 'feat(run): start the protected task locally');
      git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'fix: a message names the container');
      const r = run(dir);
      expect(r.status).toBe(0);
      const version = /version=(\S+)/.exec(r.outputs)![1];
      expect(version).not.toBe(pkg.version);
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf-8')).version).toBe(version);
      const after = fs.readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf-8');
      const header: string = JSON.parse(fs.readFileSync(path.join(ROOT, '.versionrc.json'), 'utf-8')).header;
      expect(after.startsWith(header)).toBe(true);
      const section = after.slice(after.indexOf(`## [${version}]`), after.indexOf(`## [${pkg.version}]`));
      expect(section).toMatch(/### Added\n\n\* \*\*run:\*\* start the protected task locally/);
      expect(section).toMatch(/### Fixed\n\n\* a message names the container/);
      // The earlier release's section stays below.
      expect(after).toContain(`## [${pkg.version}] - 2026-11-30`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
