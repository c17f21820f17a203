/**
 * The coverage rule agrees with itself: the TypeScript checker (lib/coverage) and the Guard rule
 * (rules/enforced-fargate-tasks.guard, run by the real cfn-guard) give the same verdict on every
 * task definition of the same corpus. Here: the hand-written templates, 300 random task
 * definitions near the rule's boundary (fast-check, fixed seed), the examples' templates
 * and tasks synthesized below (enforced, plain, patterns, EC2). The jest global teardown runs the
 * same comparison over every template the whole test run synthesized (jest-global-teardown.ts).
 */
import * as fc from 'fast-check';
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
  const writable = new EnforcedFargateTaskDefinition(stack, 'Writable', { enforcer: new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/enforcer:1'), readOnly: false }) });
  writable.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
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

/**
 * Random task definitions near the boundary of the rule: the three delivery shapes, each value
 * that matters replaced by a near miss (unset, the other boolean, a string boolean, another
 * name, an intrinsic function), containers of every role in any order.
 */
function randomTasks(count: number, seed: number): { id: string; template: any }[] {
  const B = '/aqua/microenforcer';
  const V = '/enforcer-files/enforce';
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
  const bool = fc.constantFrom<any>(true, false, 'true', 'false', undefined, { Ref: 'Flag' });
  const name = fc.constantFrom<any>('enforcer', 'init', 'app', 'other', '', { Ref: 'Name' });
  const binary = fc.constantFrom<any>(B, V, '/other', '', { Ref: 'Binary' });
  const labels = fc.record({
    'cdk-enforced-fargate.role': maybe(fc.constantFrom<any>('enforcer', 'other', '')),
    'cdk-enforced-fargate.binary': maybe(binary),
    'cdk-enforced-fargate.delivery': maybe(fc.constantFrom<any>('volumes-from', 'task-volume', 'built-in', 'other')),
    'cdk-enforced-fargate.volume': maybe(fc.constantFrom<any>('enforcer-volume', 'data', '')),
    'cdk-enforced-fargate.excluded': maybe(fc.constantFrom<any>('log router', '', { Ref: 'Why' })),
  }, { requiredKeys: [] });
  const container = fc.record({
    Name: name,
    Image: fc.constant('app:1'),
    Essential: bool,
    EntryPoint: maybe(fc.oneof(
      fc.tuple(binary, fc.constant('x')).map(t => [...t]),
      fc.constant([]),
      fc.constant({ 'Fn::If': ['C', [B], ['x']] }),
    )),
    DockerLabels: maybe(fc.oneof({ weight: 5, arbitrary: labels }, { weight: 1, arbitrary: fc.constant({ 'Fn::If': ['C', {}, {}] }) })),
    VolumesFrom: maybe(fc.array(fc.record({ SourceContainer: name, ReadOnly: bool }, { requiredKeys: ['SourceContainer'] }), { maxLength: 2 })),
    MountPoints: maybe(fc.array(fc.record({ SourceVolume: fc.constantFrom<any>('enforcer-volume', 'data', { Ref: 'V' }), ContainerPath: fc.constant('/enforcer-files'), ReadOnly: bool }, { requiredKeys: ['SourceVolume'] }), { maxLength: 2 })),
    DependsOn: maybe(fc.array(fc.record({ ContainerName: name, Condition: fc.constantFrom('START', 'SUCCESS') }), { maxLength: 2 })),
  }, { requiredKeys: ['Name', 'Image'] });
  const compat = fc.constantFrom<any>(['FARGATE'], ['EC2', 'FARGATE'], ['EC2'], undefined, { Ref: 'Compat' });
  const containers = fc.oneof({ weight: 20, arbitrary: fc.array(container, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: fc.constant({ 'Fn::If': ['C', [], []] }) });
  const tasks = fc.sample(fc.record({ compat, containers }), { numRuns: count, seed });
  return tasks.map((t, i) => ({
    id: `random-${i}`,
    // JSON drops the unset (undefined) values, as a template file would not have them.
    template: JSON.parse(JSON.stringify({ Resources: { Task: { Type: 'AWS::ECS::TaskDefinition', Properties: { RequiresCompatibilities: t.compat, ContainerDefinitions: t.containers } } } })),
  }));
}

/**
 * The compliant hand-written tasks with one or two settings changed to a near miss each (or
 * removed), so that about half stay protected and half do not.
 */
function mutatedTasks(count: number, seed: number): { id: string; template: any }[] {
  const bases = COVERAGE_FIXTURES.filter(f => Object.values(f.expected).every(e => e === 'protected'))
    .map(f => Object.values<any>(f.template.Resources)[0]);
  const field = fc.constantFrom('Name', 'Essential', 'EntryPoint0', 'Role', 'Binary', 'Delivery', 'Volume', 'Excluded',
    'VolumesFromSource', 'VolumesFromReadOnly', 'MountSource', 'MountReadOnly', 'DependsOn');
  const nearMiss = fc.constantFrom<any>(undefined, true, false, 'true', 'false', '', 'enforcer', 'other', '/aqua/microenforcer', { Ref: 'X' });
  const mutation = fc.record({ container: fc.nat(4), field, value: nearMiss });
  const samples = fc.sample(fc.record({ base: fc.nat(bases.length - 1), mutations: fc.array(mutation, { minLength: 0, maxLength: 2 }) }), { numRuns: count, seed });
  return samples.map((sample, i) => {
    const task = JSON.parse(JSON.stringify(bases[sample.base]));
    const containers: any[] = task.Properties.ContainerDefinitions;
    for (const m of sample.mutations) {
      const c = containers[m.container % containers.length];
      const labels = (c.DockerLabels ??= {});
      const set = (o: any, k: string) => { if (m.value === undefined) delete o[k]; else o[k] = m.value; };
      switch (m.field) {
        case 'Name': case 'Essential': set(c, m.field); break;
        case 'EntryPoint0': if (Array.isArray(c.EntryPoint)) c.EntryPoint[0] = m.value ?? 'x'; else set(c, 'EntryPoint'); break;
        case 'Role': set(labels, 'cdk-enforced-fargate.role'); break;
        case 'Binary': set(labels, 'cdk-enforced-fargate.binary'); break;
        case 'Delivery': set(labels, 'cdk-enforced-fargate.delivery'); break;
        case 'Volume': set(labels, 'cdk-enforced-fargate.volume'); break;
        case 'Excluded': set(labels, 'cdk-enforced-fargate.excluded'); break;
        case 'VolumesFromSource': if (c.VolumesFrom?.[0]) set(c.VolumesFrom[0], 'SourceContainer'); break;
        case 'VolumesFromReadOnly': if (c.VolumesFrom?.[0]) set(c.VolumesFrom[0], 'ReadOnly'); break;
        case 'MountSource': if (c.MountPoints?.[0]) set(c.MountPoints[0], 'SourceVolume'); break;
        case 'MountReadOnly': if (c.MountPoints?.[0]) set(c.MountPoints[0], 'ReadOnly'); break;
        case 'DependsOn': if (c.DependsOn?.[0]) set(c.DependsOn[0], 'ContainerName'); else set(c, 'DependsOn'); break;
      }
    }
    return { id: `mutated-${i}`, template: JSON.parse(JSON.stringify({ Resources: { Task: task } })) };
  });
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

  test('agree on synthesized tasks: enforced, enforced with a writable mount, plain Fargate, an ecs_patterns service, EC2', () => {
    const corpus = synthesized();
    const report = compareCoverage(corpus);
    expect(report.disagreements).toEqual([]);
    // The enforced task is protected; the writable one, the plain one and the pattern's are not;
    // EC2 is out of scope.
    expect(report.counts).toEqual({ 'protected': 1, 'unprotected': 3, 'not-fargate': 1 });
    const writable = checkTemplate(corpus[0].template).tasks.find(t => t.logicalId.startsWith('Writable'))!;
    expect(writable.containers.find(c => c.name === 'app')!.why).toEqual(["mounts volumes from the enforcer sidecar 'enforcer' without read-only (ReadOnly is false, must be true)"]);
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

  test('agree on 300 random task definitions near the boundary of the rule', () => {
    const corpus = [...randomTasks(150, 20261130), ...mutatedTasks(150, 20261130)];
    const report = compareCoverage(corpus);
    expect(report.disagreements).toEqual([]);
    expect(report.tasks).toBe(300);
    // The sample reaches every verdict, so agreement is not agreement on one answer.
    expect(report.counts.protected).toBeGreaterThan(10);
    expect(report.counts.unprotected).toBeGreaterThan(50);
    expect(report.counts['not-fargate']).toBeGreaterThan(10);
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
