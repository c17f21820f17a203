/**
 * The coverage rule agrees with itself: the TypeScript checker (lib/coverage) and the Guard rule
 * (rules/enforced-fargate-tasks.guard, run by the real cfn-guard) give the same verdict on every
 * task definition of the same corpus. Here: the hand-written templates, the examples' templates
 * and tasks synthesized below (enforced, plain, patterns, EC2). The jest global teardown runs the
 * same comparison over every template the whole test run synthesized (jest-global-teardown.ts).
 */
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as patterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as cfninc from 'aws-cdk-lib/cloudformation-include';
import { EnforcedFargateTaskDefinition, EnforceFargateTasks, Enforcer } from '../lib';
import { checkTemplate } from '../lib/coverage';
import { cfnGuardUnavailable, compareCoverage } from './support/cfn-guard';
import { COVERAGE_FIXTURES, NO_TASKS } from './support/coverage-fixtures';
import { synthesizeExampleTemplates } from './support/example-templates';
import { missingToolBanner } from './support/tools';

const unavailable = cfnGuardUnavailable();
if (unavailable && !process.env.CI) {
  // eslint-disable-next-line no-console
  console.warn(missingToolBanner('the agreement of the TypeScript checker with the Guard rule (cfn-guard)', unavailable));
}
const describeWithGuard = unavailable && !process.env.CI ? describe.skip : describe;

function synthesized(): { id: string; template: any }[] {
  const app = new App();
  const stack = new Stack(app, 'Corpus');
  const enforcer = new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/enforcer:1'), binaryPath: '/opt/enforcer/bin/enforce', binaryArgs: ['run', '--'] });
  const enforced = new EnforcedFargateTaskDefinition(stack, 'Enforced', { enforcer, excludedContainers: ['log-router'] });
  enforced.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'], command: ['serve'] });
  enforced.addContainer('log-router', { image: ecs.ContainerImage.fromRegistry('fluent-bit:2'), command: ['run'] });
  const plain = new ecs.FargateTaskDefinition(stack, 'Plain');
  plain.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), command: ['serve'] });
  const ec2Only = new ecs.Ec2TaskDefinition(stack, 'Ec2Only');
  ec2Only.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), memoryLimitMiB: 256 });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  new patterns.ApplicationLoadBalancedFargateService(stack, 'Service', {
    cluster: new ecs.Cluster(stack, 'Cluster', { vpc }),
    taskImageOptions: { image: ecs.ContainerImage.fromRegistry('nginx:1.27') },
  });
  return [{ id: 'synthesized', template: Template.fromStack(stack).toJSON() }];
}

/** A whole app protected by one line (the Aspect): patterns, a CfnInclude'd template, an exempt task. */
function protectedByAspect(): { id: string; template: any }[] {
  const app = new App();
  const stack = new Stack(app, 'WholeApp');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const nginx = ecs.ContainerImage.fromRegistry('nginx:1.27');
  new patterns.ApplicationLoadBalancedFargateService(stack, 'Web', { cluster, taskImageOptions: { image: nginx } });
  new patterns.QueueProcessingFargateService(stack, 'Queue', { cluster, image: ecs.ContainerImage.fromRegistry('worker:1'), command: ['work'] });
  const include = new cfninc.CfnInclude(stack, 'Legacy', { templateFile: path.join(__dirname, 'fixtures', 'templates', 'two-tasks.json') });
  const exempt = new ecs.FargateTaskDefinition(stack, 'Exempt');
  exempt.addContainer('batch', { image: ecs.ContainerImage.fromRegistry('batch:1'), command: ['run'] });
  EnforceFargateTasks.exempt(exempt, 'batch job reviewed by security, ticket SEC-42');
  Aspects.of(app).add(new EnforceFargateTasks({
    enforcer: new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/enforcer:1') }),
    excludedContainers: ['xray'],
    imageDefaults: {
      'nginx:1.27': { entryPoint: ['/docker-entrypoint.sh'], command: ['nginx', '-g', 'daemon off;'] },
      'worker:1': { entryPoint: [] },
    },
  }));
  expect(include.getResource('WorkerTask')).toBeDefined();
  return [{ id: 'whole-app', template: Template.fromStack(stack).toJSON() }];
}

describeWithGuard('the TypeScript checker and the Guard rule', () => {
  beforeAll(() => {
    if (unavailable) throw new Error(`cfn-guard is required under CI: ${unavailable}`);
  });

  test('agree on every hand-written task definition', () => {
    const report = compareCoverage([...COVERAGE_FIXTURES.map(f => ({ id: f.name, template: f.template })), { id: 'no-tasks', template: NO_TASKS }]);
    expect(report.disagreements).toEqual([]);
    const expected = COVERAGE_FIXTURES.flatMap(f => Object.values(f.expected));
    expect(report.tasks).toBe(expected.length);
    expect(report.counts).toEqual({
      'protected': expected.filter(s => s === 'protected').length,
      'unprotected': expected.filter(s => s === 'unprotected').length,
      'not-fargate': expected.filter(s => s === 'not-fargate').length,
    });
  });

  test("agree on the examples' templates, all protected", () => {
    const report = compareCoverage(synthesizeExampleTemplates());
    expect(report.disagreements).toEqual([]);
    expect(report.counts.unprotected).toBe(0);
    expect(report.counts.protected).toBeGreaterThanOrEqual(3);
  });

  test('agree on synthesized tasks: enforced, plain Fargate, an ecs_patterns service, EC2', () => {
    const report = compareCoverage(synthesized());
    expect(report.disagreements).toEqual([]);
    // The enforced task is protected; the plain one and the pattern's are not; EC2 is out of scope.
    expect(report.counts).toEqual({ 'protected': 1, 'unprotected': 2, 'not-fargate': 1 });
  });

  test('agree that an app protected by the Aspect is protected: patterns, a CfnInclude of a hand-written template, an exempt task', () => {
    const corpus = protectedByAspect();
    const report = compareCoverage(corpus);
    expect(report.disagreements).toEqual([]);
    // ALB service, queue service, the template's two tasks, the exempt task.
    expect(report.counts).toEqual({ 'protected': 5, 'unprotected': 0, 'not-fargate': 0 });
    // The exempt task is protected by its labels: every container excluded with the reason.
    const exempt = checkTemplate(corpus[0].template).tasks.find(t => t.logicalId.startsWith('Exempt'))!;
    expect(exempt.containers).toEqual([expect.objectContaining({ name: 'batch', status: 'excluded', reason: 'batch job reviewed by security, ticket SEC-42' })]);
  });

  test('a disagreement names the template, the task and both verdicts', () => {
    // A rule that passes everything stands in for a Guard rule that has drifted from the checker.
    const broken = COVERAGE_FIXTURES.find(f => f.name === 'missing-dependency')!;
    const report = compareCoverage([{ id: broken.name, template: broken.template }], 'rule always_pass { Resources exists }');
    expect(report.disagreements).toEqual([
      "template missing-dependency, task Task: TypeScript checker says unprotected (app: no DependsOn on the enforcer sidecar 'enforcer'), Guard rule says PASS",
    ]);
  });
});
