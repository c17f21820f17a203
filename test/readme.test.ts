/**
 * README.md's "Quick start in other languages" shows the code the language proofs run
 * (`npm run test:languages`): each block equals the quick-start region of its example app.
 * (The TypeScript blocks are compiled by `npm run rosetta`, jsii-rosetta extract --strict.)
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');

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
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require('../package.json');
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
