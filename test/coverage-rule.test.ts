/**
 * The synthesis-time check: the package's Guard rule run by CDK's policy-validation plugin for
 * Guard rules (@cdklabs/cdk-validator-cfnguard, with the real cfn-guard), so that `cdk synth`
 * fails when a Fargate task is unprotected.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { CoverageRule, EnforcedFargateTaskDefinition, Enforcer } from '../lib';
import { cfnGuardUnavailable } from './support/cfn-guard';
import { COVERAGE_FIXTURES } from './support/coverage-fixtures';
import { missingToolBanner } from './support/tools';

const unavailable = cfnGuardUnavailable();
if (unavailable && !process.env.CI) {
  // eslint-disable-next-line no-console
  console.warn(missingToolBanner('the synthesis-time Guard check (cfn-guard)', unavailable));
}
const describeWithGuard = unavailable && !process.env.CI ? describe.skip : describe;

describe('CoverageRule.guardFile()', () => {
  test('is the Guard rule file of the repository', () => {
    const file = CoverageRule.guardFile();
    expect(path.isAbsolute(file)).toBe(true);
    expect(file).toBe(path.resolve(__dirname, '..', 'rules', 'enforced-fargate-tasks.guard'));
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^rule enforced_fargate_tasks /m);
  });

  test('names the rule inside an installed package too (as the jsii runtime of every language unpacks it)', () => {
    // GIVEN the npm tarball (needs the jsii build), unpacked elsewhere, as jsii's kernel does for
    // Python, Java, .NET and Go
    const root = path.resolve(__dirname, '..');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-pack-'));
    try {
      const [{ filename }] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
      execFileSync('tar', ['-xzf', path.join(dir, filename), '-C', dir]);
      // WHEN the compiled library is loaded from there (its peers from this project's node_modules)
      const script = `process.stdout.write(require(${JSON.stringify(path.join(dir, 'package', 'lib', 'index.js'))}).CoverageRule.guardFile())`;
      const file = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') } });
      // THEN
      expect(file).toBe(path.join(dir, 'package', 'rules', 'enforced-fargate-tasks.guard'));
      expect(fs.readFileSync(file, 'utf8')).toBe(fs.readFileSync(path.join(root, 'rules', 'enforced-fargate-tasks.guard'), 'utf8'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithGuard('a synthesis-time check with CfnGuardValidator', () => {
  const enforcer = () => new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/enforcer:1') });

  /** An app whose synthesis runs the coverage rule (and nothing else: Control Tower rules off). */
  function app(): App {
    if (unavailable) throw new Error(`cfn-guard is required under CI: ${unavailable}`);
    return new App({
      policyValidationBeta1: [new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [CoverageRule.guardFile()] })],
    });
  }

  /**
   * Runs synthesis as `cdk synth` does; what the validation reported, and the exit code it set.
   * aws-cdk-lib 2.258 prints the report and sets process.exitCode to 1 (so `cdk synth` exits 1);
   * later versions (2.276, which `npm run test:compat` runs) throw a ValidationFailed error that
   * holds the report instead. Both are a failed synthesis here.
   */
  function synth(a: App): { exitCode: number; report: string } {
    const lines: string[] = [];
    const capture = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => { lines.push(args.join(' ')); });
    const saved = process.exitCode;
    process.exitCode = 0;
    try {
      try {
        a.synth();
      } catch (e) {
        if (!/ValidationFailed|Validation failed/.test(`${(e as Error).name} ${(e as Error).message}`)) throw e;
        return { exitCode: 1, report: [...lines, (e as Error).message].join('\n') };
      }
      return { exitCode: Number(process.exitCode ?? 0), report: lines.join('\n') };
    } finally {
      process.exitCode = saved;
      capture.mockRestore();
    }
  }

  test('an app with an unprotected Fargate task fails synthesis, naming the task', () => {
    // GIVEN
    const a = app();
    const stack = new Stack(a, 'Stack');
    new EnforcedFargateTaskDefinition(stack, 'Protected', { enforcer: enforcer() })
      .addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
    new ecs.FargateTaskDefinition(stack, 'Forgotten')
      .addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
    // WHEN
    const { exitCode, report } = synth(a);
    // THEN
    expect(exitCode).toBe(1);
    // The report's layout differs between aws-cdk-lib versions; its content does not.
    expect(report).toMatch(/enforced_fargate_tasks/);
    expect(report).toMatch(/fix: start the container under the enforcer binary/);
    expect(report).not.toMatch(/fix: N\/A/);
    expect(report).toMatch(/Stack\/Forgotten\/Resource/);
    expect(report).not.toMatch(/Stack\/Protected\/Resource/);
    expect(report).not.toMatch(/failed processing cfn-guard results/);
  });

  test('an app whose Fargate tasks are all protected synthesizes', () => {
    // GIVEN
    const a = app();
    const stack = new Stack(a, 'Stack');
    const task = new EnforcedFargateTaskDefinition(stack, 'Protected', { enforcer: enforcer(), excludedContainers: ['log-router'] });
    task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
    task.addContainer('log-router', { image: ecs.ContainerImage.fromRegistry('fluent-bit:2'), command: ['run'] });
    new ecs.Ec2TaskDefinition(stack, 'Ec2Only').addContainer('legacy', { image: ecs.ContainerImage.fromRegistry('legacy:1'), memoryLimitMiB: 256 });
    // WHEN
    const { exitCode, report } = synth(a);
    // THEN
    expect(exitCode).toBe(0);
    expect(report).not.toMatch(/enforced_fargate_tasks|Violation/);
    // aws-cdk-lib 2.258 prints a summary of every plugin that ran; later versions print nothing on success.
    if (report !== '') expect(report).toMatch(/cdk-validator-cfnguard │ success/);
  });

  test('the plugin reports every hand-written template, naming exactly the unprotected tasks', () => {
    // The plugin parses cfn-guard's structured output, and fails on some rule shapes
    // (a check on a variable alone): the rule avoids them, and this keeps it so.
    if (unavailable) throw new Error(`cfn-guard is required under CI: ${unavailable}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-plugin-'));
    try {
      const validator = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [CoverageRule.guardFile()] });
      for (const f of COVERAGE_FIXTURES) {
        const file = path.join(dir, `${f.name}.template.json`);
        fs.writeFileSync(file, JSON.stringify(f.template));
        const report = validator.validate({ templatePaths: [file] } as any);
        const unprotected = Object.entries(f.expected).filter(([, s]) => s === 'unprotected').map(([id]) => id).sort();
        const named = [...new Set(report.violations.flatMap(v => v.violatingResources.map(r => r.resourceLogicalId)))].sort();
        expect([f.name, report.success, named]).toEqual([f.name, unprotected.length === 0, unprotected]);
        // Every violation carries the rule's own description and fix (no anonymous 'N/A' entries).
        for (const v of report.violations) expect([f.name, v.fix === 'N/A', v.description]).toEqual([f.name, false, expect.stringMatching(/^Violation: /)]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
