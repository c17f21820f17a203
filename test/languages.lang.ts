/**
 * The language proofs (`npm run test:languages`, after `npm run package`): the quick-start app in
 * Python, Java and Go (examples/<language>/) is synthesized with the packages jsii-pacmak built in
 * dist/ and that language's own aws-cdk-lib and jsii runtime; its task definition must equal the
 * TypeScript example's (examples/aqua-nginx.ts), logical-id hashes aside.
 *
 * `LANGUAGES=python,go npm run test:languages` runs a subset.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AquaNginxStack } from '../examples/aqua-nginx';
import { CfnTemplate, taskDefinitions } from './support/normalize-template';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../cdk.json');

const ROOT = path.join(__dirname, '..');
const ALL = ['python', 'java', 'go'];
const LANGUAGES = process.env.LANGUAGES ? process.env.LANGUAGES.split(',').map(l => l.trim()) : ALL;

/** Runs examples/run-language.sh for one language; resolves with its log and duration. */
function synthesize(language: string): Promise<{ code: number | null; log: string; seconds: number }> {
  const started = Date.now();
  return new Promise(resolve => {
    const child = spawn('bash', [path.join(ROOT, 'examples', 'run-language.sh'), language], { cwd: ROOT, env: process.env });
    let log = '';
    child.stdout.on('data', d => { log += d; });
    child.stderr.on('data', d => { log += d; });
    child.on('close', code => resolve({ code, log, seconds: (Date.now() - started) / 1000 }));
  });
}

function typeScriptTemplate(): CfnTemplate {
  const app = new App({ context: cdkJson.context });
  return Template.fromStack(new AquaNginxStack(app, 'AquaNginx')).toJSON() as CfnTemplate;
}

describe('the quick start in every jsii language', () => {
  const runs: { [language: string]: Promise<{ code: number | null; log: string; seconds: number }> } = {};

  beforeAll(() => {
    for (const language of LANGUAGES) {
      if (!ALL.includes(language)) throw new Error(`LANGUAGES: unknown language '${language}' (known: ${ALL.join(', ')})`);
      runs[language] = synthesize(language);
    }
  });

  afterAll(async () => {
    const lines = [];
    for (const language of LANGUAGES) lines.push(`${language}: ${(await runs[language]).seconds.toFixed(1)} s`);
    // eslint-disable-next-line no-console
    console.log(`language proofs (install + synth, run in parallel):\n  ${lines.join('\n  ')}`);
  });

  const reference = typeScriptTemplate();
  const expected = taskDefinitions(reference);

  test('the TypeScript example has one enforced task definition', () => {
    expect(expected).toHaveLength(1);
    const containers = (expected[0] as any).ContainerDefinitions.map((c: any) => c.Name);
    expect(containers).toEqual(['enforcer', 'nginx']);
  });

  test.each(LANGUAGES)('%s synthesizes the same task definition as TypeScript', async language => {
    const run = await runs[language];
    if (run.code !== 0) throw new Error(`examples/run-language.sh ${language} exited ${run.code}:\n${run.log}`);
    const file = path.join(ROOT, 'examples', language, 'cdk.out', 'AquaNginx.template.json');
    const template = JSON.parse(fs.readFileSync(file, 'utf-8')) as CfnTemplate;
    const actual = taskDefinitions(template);
    expect(actual).toEqual(expected);

    // The same, spelled out, so that a failure names what differs.
    const nginx = (actual[0] as any).ContainerDefinitions.find((c: any) => c.Name === 'nginx');
    const enforcer = (actual[0] as any).ContainerDefinitions.find((c: any) => c.Name === 'enforcer');
    expect(enforcer).toMatchObject({ Essential: false, Image: 'registry.example.com/microenforcer:2022.4', ReadonlyRootFilesystem: true });
    expect(nginx.EntryPoint).toEqual(['/aqua/microenforcer', '/docker-entrypoint.sh']);
    expect(nginx.Command).toEqual(['nginx', '-g', 'daemon off;']);
    expect(nginx.VolumesFrom).toEqual([{ SourceContainer: 'enforcer', ReadOnly: true }]);
    expect(nginx.DependsOn).toEqual([{ ContainerName: 'enforcer', Condition: 'START' }]);
    expect(nginx.Secrets).toEqual([{ Name: 'AQUA_TOKEN', ValueFrom: { Ref: 'AWS::SecretsManager::Secret:AquaToken' } }]);
  });

  // The command as Python users get it: the wheel's script (jsii-pacmak's `scripts`), which the
  // jsii runtime runs from the unpacked npm tarball (it needs its execute bit there).
  const pythonTest = LANGUAGES.includes('python') ? test : test.skip;
  pythonTest("python: the wheel's cdk-enforced-fargate script runs the command", async () => {
    const run = await runs.python;
    if (run.code !== 0) throw new Error(`examples/run-language.sh python exited ${run.code}:\n${run.log}`);
    const script = path.join(ROOT, 'examples', 'python', '.venv', 'bin', 'cdk-enforced-fargate');
    const env = { ...process.env, PATH: `${path.dirname(script)}:${process.env.PATH}` };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const version = require('../package.json').version;
    const { spawnSync } = await import('child_process');
    const v = spawnSync(script, ['--version'], { encoding: 'utf-8', env });
    expect(v.stdout.trim()).toBe(version);
    const usage = spawnSync(script, ['lookup', '--platform', 'windows/amd64', 'x:1'], { encoding: 'utf-8', env });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("'windows/amd64' is not a Linux platform");
  });
});
