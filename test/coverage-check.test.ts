import { checkTaskDefinition, checkTemplate, unprotectedFindings } from '../lib/coverage';
import { COVERAGE_FIXTURES, NO_TASKS, plain, sidecar, task, template, wrapped } from './support/coverage-fixtures';

/** CloudFormation properties to the ECS API's form (camelCase keys; label keys kept). */
function toApi(value: any, parentKey = ''): any {
  if (Array.isArray(value)) return value.map(v => toApi(v, parentKey));
  if (value === null || typeof value !== 'object') return value;
  if (parentKey === 'DockerLabels') return { ...value };
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), toApi(v, k)]));
}

const only = (containers: any[], overrides = {}) => checkTaskDefinition(task(containers, overrides).Properties, 'cloudformation');
const whyOf = (containers: any[], name: string) => only(containers).containers.find(c => c.name === name)!.why.join(' | ');

describe('coverage checker', () => {
  describe('When given the hand-written templates', () => {
    test.each(COVERAGE_FIXTURES.map(f => [f.name, f] as const))('%s', (_name, fixture) => {
      // WHEN
      const coverage = checkTemplate(fixture.template);
      // THEN
      const got = Object.fromEntries(coverage.tasks.map(t => [t.logicalId, t.status]));
      expect(got).toEqual(fixture.expected);
      expect(coverage.status).toBe(Object.values(fixture.expected).includes('unprotected') ? 'unprotected' : 'protected');
      for (const t of coverage.tasks) {
        // Every unprotected task says why, per container or for the task itself.
        if (t.status === 'unprotected') expect(t.why.length + t.containers.filter(c => c.status === 'unprotected').length).toBeGreaterThan(0);
        for (const c of t.containers) expect(c.why.length > 0).toBe(c.status === 'unprotected');
      }
    });

    test('the same verdicts in the ECS API form', () => {
      for (const f of COVERAGE_FIXTURES) {
        for (const [logicalId, expected] of Object.entries(f.expected)) {
          const api = toApi(f.template.Resources[logicalId].Properties ?? {});
          expect([f.name, checkTaskDefinition(api, 'api').status]).toEqual([f.name, expected]);
        }
      }
    });

    test('a template without task definitions is protected, with no tasks', () => {
      expect(checkTemplate(NO_TASKS)).toEqual({ status: 'protected', tasks: [] });
    });
  });

  describe('When a task is protected', () => {
    test('each container says what it is', () => {
      // GIVEN
      const log = plain('log-router', { DockerLabels: { 'cdk-enforced-fargate.excluded': 'ships the logs; started first' } });
      // WHEN
      const coverage = only([sidecar(), wrapped('web'), log]);
      // THEN
      expect(coverage).toEqual({
        status: 'protected', why: [], notes: [],
        containers: [
          { name: 'enforcer', index: 0, status: 'sidecar', delivery: 'volumes-from', binary: '/aqua/microenforcer', why: [] },
          { name: 'web', index: 1, status: 'protected', delivery: 'volumes-from', binary: '/aqua/microenforcer', sidecar: 'enforcer', why: [] },
          { name: 'log-router', index: 2, status: 'excluded', reason: 'ships the logs; started first', why: [] },
        ],
      });
    });

    test('a built-in binary needs no sidecar', () => {
      const c = only([wrapped('app', { VolumesFrom: undefined, DependsOn: undefined, DockerLabels: { 'cdk-enforced-fargate.delivery': 'built-in', 'cdk-enforced-fargate.binary': '/aqua/microenforcer' } })]).containers[0];
      expect(c).toMatchObject({ status: 'protected', delivery: 'built-in', binary: '/aqua/microenforcer' });
      expect(c.sidecar).toBeUndefined();
    });

    test('a compatibility given as an intrinsic function is checked as Fargate, with a note', () => {
      const coverage = only([sidecar(), wrapped()], { RequiresCompatibilities: { Ref: 'Compat' } });
      expect(coverage.status).toBe('protected');
      expect(coverage.notes).toEqual(['RequiresCompatibilities is an intrinsic function (Ref): checked as if it contained FARGATE']);
    });
  });

  describe('When a container is unprotected, it says precisely why', () => {
    test.each([
      ['not wrapped', [sidecar(), wrapped('app', { EntryPoint: undefined })], /not wrapped: EntryPoint is not set/],
      ['another binary first', [sidecar(), wrapped('app', { EntryPoint: ['nginx'] })], /EntryPoint\[0\] is 'nginx', not the binary of an enforcer sidecar of this task \('\/aqua\/microenforcer'\)/],
      ['writable mount', [sidecar(), wrapped('app', { VolumesFrom: [{ SourceContainer: 'enforcer', ReadOnly: false }] })], /mounts volumes from the enforcer sidecar 'enforcer' without read-only \(ReadOnly is false, must be true\)/],
      ['no mount', [sidecar(), wrapped('app', { VolumesFrom: undefined })], /not mounted: it needs a read-only VolumesFrom of 'enforcer'/],
      ['no dependency', [sidecar(), wrapped('app', { DependsOn: undefined })], /no DependsOn on the enforcer sidecar 'enforcer'/],
      ['essential sidecar', [sidecar({ Essential: true }), wrapped()], /EntryPoint\[0\] is the binary of 'enforcer', which is not a valid enforcer sidecar/],
      ['no sidecar in the task', [wrapped()], /the task has no valid enforcer sidecar.*VolumesFrom names 'enforcer', which is not a container of this task.*DependsOn names 'enforcer', which is not a container of this task/],
      ['entry point unknowable', [sidecar(), wrapped('app', { EntryPoint: { 'Fn::If': ['C', ['a'], ['b']] } })], /EntryPoint is an intrinsic function \(Fn::If\), which cannot be known before deployment/],
      ['first element unknowable', [sidecar(), wrapped('app', { EntryPoint: [{ Ref: 'B' }] })], /EntryPoint\[0\] is an intrinsic function \(Ref\)/],
      ['built-in with another binary', [wrapped('app', { DockerLabels: { 'cdk-enforced-fargate.delivery': 'built-in', 'cdk-enforced-fargate.binary': '/x' } })], /labelled 'cdk-enforced-fargate.delivery=built-in' with binary '\/x', but EntryPoint\[0\] is '\/aqua\/microenforcer'/],
    ])('%s', (_name, containers, why) => {
      expect(whyOf(containers as any[], 'app')).toMatch(why);
    });

    test('an invalid sidecar names each of its problems', () => {
      const broken = sidecar({ Essential: true }, { 'cdk-enforced-fargate.binary': '', 'cdk-enforced-fargate.delivery': 'task-volume' });
      expect(whyOf([broken, wrapped()], 'enforcer')).toBe("it is labelled as the enforcer sidecar but is not a valid one: Essential is true (the sidecar must be non-essential: false); label 'cdk-enforced-fargate.binary' is \"\" (must be the binary's path); label 'cdk-enforced-fargate.volume' is missing (the task-volume delivery needs the volume's name)");
    });

    test('an exclusion without a reason is not an exclusion', () => {
      expect(whyOf([plain('app', { DockerLabels: { 'cdk-enforced-fargate.excluded': '' } })], 'app')).toMatch(/label 'cdk-enforced-fargate.excluded' is "", but an exclusion needs a non-empty reason/);
    });

    test('a container list that is an intrinsic function makes the whole task unprotected', () => {
      const coverage = only({ 'Fn::If': ['C', [], []] } as any);
      expect(coverage).toEqual({ status: 'unprotected', containers: [], notes: [], why: ['ContainerDefinitions is an intrinsic function (Fn::If), not a list: its containers cannot be known before deployment; write the list out literally'] });
    });

    test('unprotectedFindings gives one line per unprotected container', () => {
      const coverage = checkTemplate(template({ Web: task([sidecar(), wrapped('app', { DependsOn: undefined }), wrapped('ok')]), Batch: task({ Ref: 'X' } as any) }));
      expect(unprotectedFindings(coverage)).toEqual([
        "Web: container 'app': no DependsOn on the enforcer sidecar 'enforcer'",
        'Batch: ContainerDefinitions is an intrinsic function (Ref), not a list: its containers cannot be known before deployment; write the list out literally',
      ]);
    });
  });

  describe('When given the ECS API form', () => {
    const registered = {
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3',
      family: 'web', revision: 3, status: 'ACTIVE',
      requiresCompatibilities: ['FARGATE'], compatibilities: ['EC2', 'FARGATE'],
      containerDefinitions: toApi([sidecar(), wrapped('app', { DependsOn: undefined })]),
    };

    test('a DescribeTaskDefinition response is read as its taskDefinition', () => {
      const coverage = checkTaskDefinition({ taskDefinition: registered, tags: [] }, 'api');
      expect(coverage.status).toBe('unprotected');
      expect(coverage.containers[1].why).toEqual(["no dependsOn on the enforcer sidecar 'enforcer'"]);
    });

    test('compatibilities (what ECS validated the task for) count as Fargate too', () => {
      const { requiresCompatibilities: _, ...withoutRequired } = registered;
      expect(checkTaskDefinition(withoutRequired, 'api').status).toBe('unprotected');
      expect(checkTaskDefinition({ ...withoutRequired, compatibilities: ['EC2'] }, 'api').status).toBe('not-fargate');
    });

    test('a CloudFormation form is not read as the API form', () => {
      // PascalCase keys mean nothing in the API form: no compatibilities, so not Fargate.
      expect(checkTaskDefinition(task([plain()]).Properties, 'api').status).toBe('not-fargate');
    });
  });

  describe('When the input is not a task definition', () => {
    test.each([null, 'text', 42, [], {}])('%p is not a Fargate task', input => {
      expect(checkTaskDefinition(input, 'cloudformation').status).toBe('not-fargate');
      expect(checkTemplate(input)).toEqual({ status: 'protected', tasks: [] });
    });

    test('an unknown form is refused', () => {
      expect(() => checkTaskDefinition({}, 'yaml' as any)).toThrow("form must be 'cloudformation' or 'api', got \"yaml\"");
    });
  });
});
