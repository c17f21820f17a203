/**
 * The Guard rule rules/enforced-fargate-tasks.guard, run by the real cfn-guard 3 binary (from the
 * npm package @cdklabs/cdk-validator-cfnguard) as a security team would run it: over the
 * hand-written templates (compliant, and broken one way each), a YAML template, and every
 * template of the examples' app. The TypeScript checker's agreement with it is in
 * coverage-agreement.test.ts.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RULE_FILE, cfnGuardBinary, cfnGuardUnavailable, guardStatusAsCoverage, guardVerdicts, perTaskTemplates } from './support/cfn-guard';
import { COVERAGE_FIXTURES, NO_TASKS } from './support/coverage-fixtures';
import { synthesizeExampleTemplates } from './support/example-templates';
import { missingToolBanner } from './support/tools';

const unavailable = cfnGuardUnavailable();
if (unavailable && !process.env.CI) {
  // eslint-disable-next-line no-console
  console.warn(missingToolBanner('the Guard rule tests (cfn-guard)', unavailable));
}
const describeWithGuard = unavailable && !process.env.CI ? describe.skip : describe;

/** Runs `cfn-guard validate` on one file as a pipeline would; its exit code and output. */
function validate(file: string): { status: number | null; output: string } {
  const r = spawnSync(cfnGuardBinary()!, ['validate', '--rules', RULE_FILE, '--data', file, '--show-summary', 'fail'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, output: r.stdout + r.stderr };
}

describeWithGuard('the Guard rule (real cfn-guard)', () => {
  let dir: string;
  beforeAll(() => {
    if (unavailable) throw new Error(`cfn-guard is required under CI: ${unavailable}`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-guard-test-'));
  });
  afterAll(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  test('is cfn-guard 3', () => {
    expect(spawnSync(cfnGuardBinary()!, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^cfn-guard 3\./);
  });

  test('gives the expected verdict on every task definition of the hand-written templates', () => {
    // GIVEN one template per task definition, so that each verdict is the task's own
    const verdicts = guardVerdicts(perTaskTemplates(COVERAGE_FIXTURES.map(f => ({ id: f.name, template: f.template }))));
    // THEN
    const got: string[] = [];
    const expected: string[] = [];
    for (const f of COVERAGE_FIXTURES) {
      for (const [logicalId, status] of Object.entries(f.expected)) {
        expected.push(`${f.name}/${logicalId}: ${status}`);
        got.push(`${f.name}/${logicalId}: ${guardStatusAsCoverage(verdicts.get(`${f.name}/${logicalId}`)!)}`);
      }
    }
    expect(got).toEqual(expected);
    // Both outcomes are exercised: the rule can fail and can pass.
    expect(expected.filter(e => e.endsWith(': protected')).length).toBeGreaterThan(5);
    expect(expected.filter(e => e.endsWith(': unprotected')).length).toBeGreaterThan(20);
  });

  test.each([
    ['compliant-volumes-from', 0],
    ['compliant-task-volume', 0],
    ['compliant-built-in', 0],
    ['ec2-only-ignored', 0],
    ['missing-wrap', 19],
    ['writable-mount', 19],
    ['essential-sidecar', 19],
    ['missing-dependency', 19],
    ['excluded-without-reason', 19],
    ['second-task-left-alone', 19],
  ])('cfn-guard validate exits as a pipeline needs it to: %s -> %d', (name, status) => {
    // GIVEN
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(COVERAGE_FIXTURES.find(f => f.name === name)!.template, undefined, 2));
    // WHEN
    const result = validate(file);
    // THEN
    expect(result.status).toBe(status);
    if (status !== 0) {
      expect(result.output).toContain('Violation: a container of a Fargate task definition runs without the runtime-security enforcer');
    }
  });

  test('names the failing task definition, and only that one, in a template with two', () => {
    const file = path.join(dir, 'two.json');
    fs.writeFileSync(file, JSON.stringify(COVERAGE_FIXTURES.find(f => f.name === 'second-task-left-alone')!.template, undefined, 2));
    const { output } = validate(file);
    expect(output).toContain('Number of non-compliant resources 1');
    expect(output).toContain('Resource = Plain {');
    expect(output).not.toContain('Resource = Protected {');
  });

  test('reads a YAML template written by hand', () => {
    const yaml = [
      'AWSTemplateFormatVersion: "2010-09-09"',
      'Resources:',
      '  Web:',
      '    Type: AWS::ECS::TaskDefinition',
      '    Properties:',
      '      RequiresCompatibilities: [FARGATE]',
      '      NetworkMode: awsvpc',
      '      Cpu: "256"',
      '      Memory: "512"',
      '      ContainerDefinitions:',
      '        - Name: enforcer',
      '          Image: registry.example.com/microenforcer:2022.4',
      '          Essential: false',
      '          DockerLabels:',
      '            cdk-enforced-fargate.role: enforcer',
      '            cdk-enforced-fargate.binary: /aqua/microenforcer',
      '            cdk-enforced-fargate.delivery: volumes-from',
      '        - Name: web',
      '          Image: nginx:1.27',
      '          EntryPoint: [/aqua/microenforcer, /docker-entrypoint.sh]',
      '          Command: [nginx, -g, "daemon off;"]',
      '          VolumesFrom:',
      '            - SourceContainer: enforcer',
      '              ReadOnly: true',
      '          DependsOn:',
      '            - ContainerName: enforcer',
      '              Condition: START',
    ].join('\n');
    const good = path.join(dir, 'web.yaml');
    fs.writeFileSync(good, `${yaml}\n`);
    expect(validate(good).status).toBe(0);
    const bad = path.join(dir, 'web-writable.yaml');
    fs.writeFileSync(bad, `${yaml.replace(/ReadOnly: true/, 'ReadOnly: false')}\n`);
    expect(validate(bad).status).toBe(19);
  });

  test('passes a template without task definitions', () => {
    const file = path.join(dir, 'bucket.json');
    fs.writeFileSync(file, JSON.stringify(NO_TASKS));
    expect(validate(file).status).toBe(0);
  });

  test("passes every Fargate task definition of the examples' templates", () => {
    // GIVEN every template of examples/app.ts (cdk.json's app)
    const templates = synthesizeExampleTemplates();
    expect(templates.length).toBeGreaterThanOrEqual(3);
    // WHEN
    const tasks = perTaskTemplates(templates);
    const verdicts = guardVerdicts(tasks);
    // THEN
    expect(tasks.length).toBeGreaterThanOrEqual(3);
    expect([...verdicts.entries()].filter(([, status]) => status === 'FAIL').map(([id]) => id)).toEqual([]);
  });
});
