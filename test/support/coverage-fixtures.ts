/**
 * Hand-written CloudFormation templates for the coverage rule: compliant ones and ones broken by
 * hand, one way each, with the verdict expected for every task definition. The TypeScript checker
 * (test/coverage-check.test.ts), the Guard rule (test/guard-rule.test.ts) and their agreement
 * (test/coverage-agreement.test.ts) all run over them.
 */

type Json = { [key: string]: any };

export type ExpectedStatus = 'protected' | 'unprotected' | 'not-fargate';

export interface CoverageFixture {
  readonly name: string;
  readonly template: Json;
  /** The verdict expected per task definition (logical id). */
  readonly expected: { [logicalId: string]: ExpectedStatus };
}

const BINARY = '/aqua/microenforcer';

/** The sidecar of the volumes-from delivery, as the label contract describes it. */
export function sidecar(overrides: Json = {}, labels: Json = {}): Json {
  return {
    Name: 'enforcer',
    Image: 'registry.example.com/microenforcer:2022.4',
    Essential: false,
    ReadonlyRootFilesystem: true,
    DockerLabels: {
      'cdk-enforced-fargate.role': 'enforcer',
      'cdk-enforced-fargate.binary': BINARY,
      'cdk-enforced-fargate.delivery': 'volumes-from',
      ...labels,
    },
    ...overrides,
  };
}

/** A container protected by the volumes-from sidecar `enforcer`. */
export function wrapped(name = 'app', overrides: Json = {}): Json {
  return {
    Name: name,
    Image: 'nginx:1.27',
    Essential: true,
    EntryPoint: [BINARY, 'nginx'],
    Command: ['-g', 'daemon off;'],
    VolumesFrom: [{ SourceContainer: 'enforcer', ReadOnly: true }],
    DependsOn: [{ ContainerName: 'enforcer', Condition: 'START' }],
    ...overrides,
  };
}

/** A container as a user writes it, without the enforcer. */
export function plain(name = 'app', overrides: Json = {}): Json {
  return { Name: name, Image: 'nginx:1.27', Essential: true, Command: ['nginx', '-g', 'daemon off;'], ...overrides };
}

export function task(containers: any, overrides: Json = {}): Json {
  return {
    Type: 'AWS::ECS::TaskDefinition',
    Properties: {
      Cpu: '256',
      Memory: '512',
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['FARGATE'],
      ContainerDefinitions: containers,
      ...overrides,
    },
  };
}

export function template(resources: Json): Json {
  return { AWSTemplateFormatVersion: '2010-09-09', Resources: resources };
}

const one = (name: string, containers: any, expected: ExpectedStatus, overrides: Json = {}): CoverageFixture =>
  ({ name, template: template({ Task: task(containers, overrides) }), expected: { Task: expected } });

const taskVolumeInit = (labels: Json = {}) => sidecar({ Name: 'enforcer-init', Command: ['cp', BINARY, '/enforcer-volume/'] },
  { 'cdk-enforced-fargate.delivery': 'task-volume', 'cdk-enforced-fargate.volume': 'enforcer-volume', ...labels });
const onTaskVolume = (overrides: Json = {}) => wrapped('app', {
  EntryPoint: ['/enforcer-volume/microenforcer', 'nginx'],
  VolumesFrom: undefined,
  MountPoints: [{ SourceVolume: 'enforcer-volume', ContainerPath: '/enforcer-volume', ReadOnly: true }],
  DependsOn: [{ ContainerName: 'enforcer-init', Condition: 'SUCCESS' }],
  ...overrides,
});
const taskVolumeLabels = { 'cdk-enforced-fargate.binary': '/enforcer-volume/microenforcer' };
const VOLUMES = { Volumes: [{ Name: 'enforcer-volume' }] };
const builtIn = (overrides: Json = {}, labels: Json = {}) => wrapped('app', {
  VolumesFrom: undefined,
  DependsOn: undefined,
  DockerLabels: { 'cdk-enforced-fargate.delivery': 'built-in', 'cdk-enforced-fargate.binary': BINARY, ...labels },
  ...overrides,
});
const excluded = (reason: any = 'log router: started before the enforcer') =>
  plain('log-router', { DockerLabels: { 'cdk-enforced-fargate.excluded': reason } });
/** JSON drops undefined properties, as a template file would not have them. */
const clean = (f: CoverageFixture): CoverageFixture => ({ ...f, template: JSON.parse(JSON.stringify(f.template)) });

/** Every hand-written fixture. */
export const COVERAGE_FIXTURES: CoverageFixture[] = ([
  // Compliant.
  one('compliant-volumes-from', [sidecar(), wrapped(), excluded()], 'protected'),
  one('compliant-two-apps', [sidecar(), wrapped('web'), wrapped('worker', { EntryPoint: [BINARY, '/bin/sh', '-c', 'run'] })], 'protected'),
  one('compliant-strings-for-booleans', [sidecar({ Essential: 'false' }), wrapped('app', { VolumesFrom: [{ SourceContainer: 'enforcer', ReadOnly: 'true' }] })], 'protected'),
  one('compliant-task-volume', [taskVolumeInit(taskVolumeLabels), onTaskVolume()], 'protected', VOLUMES),
  one('compliant-built-in', [builtIn()], 'protected'),
  one('compliant-exempted-task', [excluded('exempt: batch job reviewed by security (ticket SEC-12)'), plain('app', { DockerLabels: { 'cdk-enforced-fargate.excluded': 'exempt: batch job reviewed by security (ticket SEC-12)' } })], 'protected'),
  one('compliant-ec2-and-fargate', [sidecar(), wrapped()], 'protected', { RequiresCompatibilities: ['EC2', 'FARGATE'] }),
  one('compliant-two-sidecars', [
    sidecar(), sidecar({ Name: 'other' }, { 'cdk-enforced-fargate.binary': '/other/bin' }),
    wrapped('a'), wrapped('b', { EntryPoint: ['/other/bin', 'b'], VolumesFrom: [{ SourceContainer: 'other', ReadOnly: true }], DependsOn: [{ ContainerName: 'other', Condition: 'START' }] }),
  ], 'protected'),
  one('compliant-intrinsics-elsewhere', [sidecar({ Image: { 'Fn::Sub': '${AWS::AccountId}.dkr.ecr.us-east-1.amazonaws.com/enforcer:1' } }),
    wrapped('app', { EntryPoint: [BINARY, { 'Fn::Sub': '${AWS::Region}' }], Environment: [{ Name: 'X', Value: { Ref: 'AWS::Region' } }] })], 'protected'),

  // Not Fargate: ignored.
  one('ec2-only-ignored', [plain()], 'not-fargate', { RequiresCompatibilities: ['EC2'], NetworkMode: 'bridge' }),
  one('no-compatibilities-ignored', [plain()], 'not-fargate', { RequiresCompatibilities: undefined, NetworkMode: 'bridge' }),

  // Broken by hand, one way each.
  one('missing-wrap', [sidecar(), wrapped('app', { EntryPoint: undefined })], 'unprotected'),
  one('wrap-with-another-binary', [sidecar(), wrapped('app', { EntryPoint: ['/usr/local/bin/other', 'nginx'] })], 'unprotected'),
  one('binary-not-first', [sidecar(), wrapped('app', { EntryPoint: ['nginx', BINARY] })], 'unprotected'),
  one('writable-mount', [sidecar(), wrapped('app', { VolumesFrom: [{ SourceContainer: 'enforcer', ReadOnly: false }] })], 'unprotected'),
  one('mount-readonly-unset', [sidecar(), wrapped('app', { VolumesFrom: [{ SourceContainer: 'enforcer' }] })], 'unprotected'),
  one('no-mount', [sidecar(), wrapped('app', { VolumesFrom: undefined })], 'unprotected'),
  one('essential-sidecar', [sidecar({ Essential: true }), wrapped()], 'unprotected'),
  one('sidecar-essential-unset', [sidecar({ Essential: undefined }), wrapped()], 'unprotected'),
  one('missing-dependency', [sidecar(), wrapped('app', { DependsOn: undefined })], 'unprotected'),
  one('dependency-on-another-container', [sidecar(), plain('db'), wrapped('app', { DependsOn: [{ ContainerName: 'db', Condition: 'START' }] })], 'unprotected'),
  one('excluded-without-reason', [sidecar(), wrapped(), excluded('')], 'unprotected'),
  one('excluded-reason-not-text', [sidecar(), wrapped(), excluded({ Ref: 'Reason' })], 'unprotected'),
  one('no-sidecar', [plain()], 'unprotected'),
  one('sidecar-without-role', [sidecar({}, { 'cdk-enforced-fargate.role': undefined }), wrapped()], 'unprotected'),
  one('sidecar-without-binary-label', [sidecar({}, { 'cdk-enforced-fargate.binary': undefined }), wrapped()], 'unprotected'),
  one('sidecar-without-delivery', [sidecar({}, { 'cdk-enforced-fargate.delivery': undefined }), wrapped()], 'unprotected'),
  one('sidecar-delivery-built-in', [sidecar({}, { 'cdk-enforced-fargate.delivery': 'built-in' }), wrapped()], 'unprotected'),
  one('sidecar-name-intrinsic', [sidecar({ Name: { Ref: 'SidecarName' } }), wrapped()], 'unprotected'),
  one('sidecar-of-another-task-mixed', [sidecar(), wrapped(), wrapped('second', { VolumesFrom: [{ SourceContainer: 'enforcer-of-b', ReadOnly: true }], DependsOn: [{ ContainerName: 'enforcer-of-b' }] })], 'unprotected'),
  one('mount-one-sidecar-wrap-another', [
    sidecar(), sidecar({ Name: 'other' }, { 'cdk-enforced-fargate.binary': '/other/bin' }),
    wrapped('a', { EntryPoint: ['/other/bin', 'a'] }),
  ], 'unprotected'),
  one('task-volume-writable', [taskVolumeInit(taskVolumeLabels), onTaskVolume({ MountPoints: [{ SourceVolume: 'enforcer-volume', ContainerPath: '/enforcer-volume', ReadOnly: false }] })], 'unprotected', VOLUMES),
  one('task-volume-other-volume', [taskVolumeInit(taskVolumeLabels), onTaskVolume({ MountPoints: [{ SourceVolume: 'data', ContainerPath: '/enforcer-volume', ReadOnly: true }] })], 'unprotected', { Volumes: [{ Name: 'enforcer-volume' }, { Name: 'data' }] }),
  one('task-volume-without-volume-label', [taskVolumeInit({ ...taskVolumeLabels, 'cdk-enforced-fargate.volume': undefined }), onTaskVolume()], 'unprotected', VOLUMES),
  one('task-volume-mounted-as-volumes-from', [taskVolumeInit(taskVolumeLabels), onTaskVolume({ MountPoints: undefined, VolumesFrom: [{ SourceContainer: 'enforcer-init', ReadOnly: true }] })], 'unprotected', VOLUMES),
  one('task-volume-no-dependency', [taskVolumeInit(taskVolumeLabels), onTaskVolume({ DependsOn: undefined })], 'unprotected', VOLUMES),
  one('built-in-wrong-entry-point', [builtIn({ EntryPoint: ['nginx'] })], 'unprotected'),
  one('built-in-no-entry-point', [builtIn({ EntryPoint: undefined })], 'unprotected'),
  one('built-in-no-binary-label', [builtIn({}, { 'cdk-enforced-fargate.binary': undefined })], 'unprotected'),
  one('empty-entry-point', [sidecar(), wrapped('app', { EntryPoint: [] })], 'unprotected'),
  one('ec2-and-fargate-left-alone', [plain()], 'unprotected', { RequiresCompatibilities: ['EC2', 'FARGATE'] }),

  // Intrinsic functions: unknowable before deployment, so never protection.
  one('containers-intrinsic', { 'Fn::If': ['Prod', [sidecar(), wrapped()], [sidecar(), wrapped()]] }, 'unprotected'),
  one('container-intrinsic', [sidecar(), { 'Fn::If': ['Prod', wrapped(), wrapped()] }], 'unprotected'),
  one('entry-point-intrinsic', [sidecar(), wrapped('app', { EntryPoint: { 'Fn::If': ['Prod', [BINARY, 'nginx'], ['nginx']] } })], 'unprotected'),
  one('entry-point-first-intrinsic', [sidecar(), wrapped('app', { EntryPoint: [{ Ref: 'Binary' }, 'nginx'] })], 'unprotected'),
  one('labels-intrinsic', [sidecar({ DockerLabels: { 'Fn::If': ['Prod', {}, {}] } }), wrapped()], 'unprotected'),
  one('read-only-intrinsic', [sidecar(), wrapped('app', { VolumesFrom: [{ SourceContainer: 'enforcer', ReadOnly: { Ref: 'ReadOnly' } }] })], 'unprotected'),
  one('compatibilities-intrinsic', [plain()], 'unprotected', { RequiresCompatibilities: { Ref: 'Compatibilities' } }),
  one('compatibilities-element-intrinsic', [plain()], 'unprotected', { RequiresCompatibilities: [{ Ref: 'LaunchType' }] }),
  one('compatibilities-intrinsic-protected', [sidecar(), wrapped()], 'protected', { RequiresCompatibilities: { Ref: 'Compatibilities' } }),
  one('no-containers', [], 'unprotected'),
  one('containers-missing', undefined, 'unprotected'),

  // Several tasks in one template.
  {
    name: 'second-task-left-alone',
    template: template({ Protected: task([sidecar(), wrapped()]), Plain: task([plain()]) }),
    expected: { Protected: 'protected', Plain: 'unprotected' },
  },
  {
    name: 'sidecar-of-another-task',
    template: template({ A: task([sidecar(), wrapped()]), B: task([wrapped()]) }),
    expected: { A: 'protected', B: 'unprotected' },
  },
  {
    name: 'fargate-and-ec2-tasks',
    template: template({ Web: task([sidecar(), wrapped()]), Legacy: task([plain()], { RequiresCompatibilities: ['EC2'], NetworkMode: 'bridge' }) }),
    expected: { Web: 'protected', Legacy: 'not-fargate' },
  },
] as CoverageFixture[]).map(clean);

/** A template with no task definition at all (the rule does not apply). */
export const NO_TASKS = template({ Bucket: { Type: 'AWS::S3::Bucket', Properties: {} } });
