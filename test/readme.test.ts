/**
 * README.md is shown on npm, PyPI, Maven Central and Construct Hub, not only on GitHub:
 * - its links and images are absolute (or anchors of its own headings), and those into this
 *   repository name files that exist;
 * - the TypeScript quick start synthesizes the same task definition as examples/aqua-nginx.ts,
 *   and the other languages' blocks are the code the language proofs run (`npm run test:languages`);
 * - the two fresh-clone commands stay in it.
 * (The TypeScript blocks are compiled by `npm run rosetta`, jsii-rosetta extract --strict.)
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AquaNginxStack } from '../examples/aqua-nginx';
import { CfnTemplate, taskDefinitions } from './support/normalize-template';

const ROOT = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../package.json');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../cdk.json');
/** https://github.com/owner/name, from package.json `repository`. */
const REPO_URL = String(pkg.repository.url).replace(/\.git$/, '');

/** The text of the `## title` section, up to the next `## ` heading. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`no "## ${title}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** Markdown text outside fenced code blocks. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** Link and image targets: `[text](target)` and `<img src="target">`. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const targets = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map(m => m[1]);
  return targets.concat([...text.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)].map(m => m[1]));
}

/** GitHub's anchor for a heading: lower case, punctuation other than - and _ dropped, spaces to -. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  return new Set([...prose(markdown).matchAll(/^#{1,6}\s+(.+)$/gm)].map(m => anchorOf(m[1])));
}

/** The fenced block of `language` (with its info string) under `## title`. */
function fencedBlock(markdown: string, title: string, info: string): string {
  const match = new RegExp('```' + info + '\\n([\\s\\S]*?)\\n```').exec(section(markdown, title));
  if (!match) throw new Error(`README.md: no \`\`\`${info} block under "## ${title}"`);
  return match[1];
}

/** The lines between `quick-start:begin` and `quick-start:end`, blank edges trimmed. */
function quickStartRegion(file: string): string {
  const lines = fs.readFileSync(path.join(ROOT, file), 'utf-8').split('\n');
  const begin = lines.findIndex(l => l.trim().endsWith('quick-start:begin'));
  const end = lines.findIndex(l => l.trim().endsWith('quick-start:end'));
  if (begin < 0 || end <= begin) throw new Error(`${file}: no quick-start:begin / quick-start:end markers`);
  return lines.slice(begin + 1, end).join('\n').replace(/^\n+|\n+$/g, '');
}

/** The first fenced block of `language` under the heading `### title` of the section. */
function readmeBlock(section: string, title: string, language: string): string {
  const start = readme.indexOf(`## ${section}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = readme.slice(start);
  const sub = rest.indexOf(`### ${title}\n`);
  expect(sub).toBeGreaterThanOrEqual(0);
  const match = new RegExp('```' + language + '\\n([\\s\\S]*?)\\n```').exec(rest.slice(sub));
  if (!match) throw new Error(`README.md: no \`\`\`${language} block under "### ${title}"`);
  return match[1];
}

describe('README quick start in other languages', () => {
  test.each([
    ['Python', 'python', 'examples/python/app.py'],
    ['Java', 'java', 'examples/java/src/main/java/com/example/aquanginx/AquaNginxApp.java'],
    ['Go', 'go', 'examples/go/aqua-nginx.go'],
  ])('the %s block is the code examples/ runs', (title, language, file) => {
    expect(readmeBlock('Quick start in other languages', title, language)).toEqual(quickStartRegion(file));
  });

  test('the install section names the packages of package.json jsii targets', () => {
    const targets = pkg.jsii.targets;
    const install = readme.slice(readme.indexOf('## Install\n'), readme.indexOf('\n## ', readme.indexOf('## Install\n') + 1));
    for (const name of [
      pkg.name,
      targets.python.distName,
      targets.python.module,
      `${targets.java.maven.groupId}:${targets.java.maven.artifactId}`,
      targets.java.package,
      targets.dotnet.packageId,
      targets.dotnet.namespace,
      `${targets.go.moduleName}/${pkg.name.replace(/-/g, '')}`,
    ]) {
      expect(install).toContain(name);
    }
  });
});

describe('README for users', () => {
  test('the first screen says what it does, that nothing is released, then Install and Quick start', () => {
    const headings = [...prose(readme).matchAll(/^## (.+)$/gm)].map(m => m[1]);
    expect(headings.slice(0, 3)).toEqual(['Contents', 'Install', 'Quick start']);
    const beforeContents = readme.slice(0, readme.indexOf('\n## Contents\n'));
    expect(beforeContents).toMatch(/runtime-security enforcer/);
    expect(beforeContents).toMatch(/Not released yet/);
    expect(beforeContents).toContain('npm run package');
    // The install section says it too, beside the names the packages will have.
    expect(section(readme, 'Install')).toMatch(/Nothing is published yet/);
  });

  test('every link and image is absolute or an anchor of a heading', () => {
    const own = anchors(readme);
    const targets = linkTargets(readme);
    expect(targets.length).toBeGreaterThan(10);
    for (const target of targets) {
      if (target.startsWith('#')) expect({ target, known: own.has(target.slice(1)) }).toEqual({ target, known: true });
      else expect(target).toMatch(/^https:\/\//);
    }
  });

  test('links into this repository name files and headings that exist', () => {
    const prefix = new RegExp(`^${REPO_URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(?:blob|tree|raw)/main/([^#?]+)(?:#(.+))?$`);
    const internal = linkTargets(readme).map(t => prefix.exec(t)).filter((m): m is RegExpExecArray => m !== null);
    expect(internal.length).toBeGreaterThanOrEqual(5);
    for (const [, file, fragment] of internal) {
      expect({ file, exists: fs.existsSync(path.join(ROOT, file)) }).toEqual({ file, exists: true });
      if (fragment) {
        const known = anchors(fs.readFileSync(path.join(ROOT, file), 'utf-8')).has(fragment);
        expect({ file, fragment, known }).toEqual({ file, fragment, known: true });
      }
    }
  });

  test('package.json has a homepage in the repository', () => {
    expect(REPO_URL).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+$/);
    expect(pkg.homepage).toBe(`${REPO_URL}#readme`);
    expect(pkg.bugs.url).toBe(`${REPO_URL}/issues`);
  });

  test('the fresh-clone commands stay in the README, and CI runs the test command', () => {
    const develop = section(readme, 'Develop');
    expect(develop).toContain('`npm ci && npx cdk synth`');
    expect(develop).toContain('`npm ci && npm test`');
    expect(develop).toContain('CONTRIBUTING.md');
    expect(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf-8')).toContain('(npm ci && npm test)');
    const contributing = fs.readFileSync(path.join(ROOT, 'CONTRIBUTING.md'), 'utf-8');
    expect(contributing).toContain('npm ci && npx cdk synth');
    expect(contributing).toContain('npm ci && npm test');
  });

  test('CHANGELOG.md follows Keep a Changelog, with an Unreleased section', () => {
    const changelog = fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf-8');
    expect(changelog).toMatch(/^# Changelog\n/);
    expect(changelog).toContain('https://keepachangelog.com/');
    expect(changelog).toMatch(/^## \[Unreleased\]$/m);
    expect(changelog).toMatch(/^### (Added|Changed|Deprecated|Removed|Fixed|Security)$/m);
  });

  test('the TypeScript quick start, pasted into an app, synthesizes the task definition of examples/aqua-nginx.ts', () => {
    const block = fencedBlock(readme, 'Quick start', 'ts nofixture');
    expect(block).toContain("from 'cdk-enforced-fargate'");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-quick-start-'));
    try {
      const app = path.join(dir, 'app.ts');
      fs.writeFileSync(app, block.replace("from 'cdk-enforced-fargate'", `from ${JSON.stringify(path.join(ROOT, 'lib', 'index.ts'))}`));
      const out = path.join(dir, 'cdk.out');
      execFileSync(process.execPath, ['--import', 'tsx', app], {
        cwd: ROOT,
        env: { ...process.env, CDK_OUTDIR: out, NODE_PATH: path.join(ROOT, 'node_modules') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const actual = JSON.parse(fs.readFileSync(path.join(out, 'AquaNginx.template.json'), 'utf-8')) as CfnTemplate;
      const reference = Template.fromStack(new AquaNginxStack(new App({ context: cdkJson.context }), 'AquaNginx')).toJSON() as CfnTemplate;
      const expected = taskDefinitions(reference);
      expect(expected).toHaveLength(1);
      expect(taskDefinitions(actual)).toEqual(expected);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
