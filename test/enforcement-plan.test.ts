/**
 * The pure plan (lib/enforcement/plan.ts) on the neutral model, without any CDK construct: the
 * fate of each container, the task-level checks, and a property test that a protected container
 * runs exactly the program it ran before, under the enforcer.
 */
import * as fc from 'fast-check';
import { VOLUMES_FROM } from '../lib/enforcement/delivery';
import { ContainerModel, EnforcerSpec, PlanContext } from '../lib/enforcement/model';
import { checkSettings, checkTask, isImagePlaceholder, planContainer, planTask } from '../lib/enforcement/plan';
import { processArgv } from '../lib/entry-command';

const ENFORCER: EnforcerSpec = {
  containerName: 'enforcer',
  binaryPath: '/e/bin',
  prefix: ['/e/bin', '--'],
  readOnly: true,
  environment: { E: '1' },
  secrets: { TOKEN: 'arn:token' },
  capabilities: ['SYS_PTRACE'],
  dependencyCondition: 'START',
  delivery: VOLUMES_FROM.name,
};

function ctx(over: Partial<PlanContext> = {}): PlanContext {
  return {
    enforcer: ENFORCER,
    excluded: {},
    imageDefaultsOf: m => (m.image === 'known:1' ? { defaults: { entryPoint: ['/ep'], command: ['cmd'] }, source: 'test' } : undefined),
    same: (a, b) => JSON.stringify(a) === JSON.stringify(b),
    show: v => JSON.stringify(v),
    lookupPlatform: 'linux/amd64',
    ...over,
  };
}

function container(over: Partial<ContainerModel> = {}): ContainerModel {
  return { name: 'app', image: 'known:1', environment: [], secrets: [], volumesFrom: [], mountPoints: [], dependsOn: [], labels: {}, ...over };
}

describe('enforcement plan', () => {
  describe('planContainer', () => {
    test('a protected container gets the argv, the volume, the dependency, the environment, the secret and the capability', () => {
      const fate = planContainer(container({ command: ['x'], environment: [{ name: 'OWN', value: 'v' }] }), ctx());
      expect(fate).toEqual({
        kind: 'protected',
        protection: {
          entryPoint: ['/e/bin', '--', '/ep'],
          command: undefined,
          volumesFrom: { sourceContainer: 'enforcer', readOnly: true },
          dependsOn: { containerName: 'enforcer', condition: 'START' },
          environment: [{ name: 'E', value: '1' }],
          secrets: ['TOKEN'],
          capabilities: ['SYS_PTRACE'],
        },
      });
    });

    test('neither entryPoint nor command: both come from the image and both are written', () => {
      const fate = planContainer(container(), ctx());
      expect(fate).toMatchObject({ kind: 'protected', protection: { entryPoint: ['/e/bin', '--', '/ep'], command: ['cmd'] } });
    });

    test('what the container has already is not added twice; an entry point that starts the enforcer is left alone', () => {
      const fate = planContainer(container({
        entryPoint: ['/e/bin', '--', '/app'],
        volumesFrom: [{ sourceContainer: 'enforcer', readOnly: true }],
        dependsOn: [{ containerName: 'enforcer', condition: 'START' }],
        environment: [{ name: 'E', value: '1' }],
        secrets: [{ name: 'TOKEN', valueFrom: 'arn:token' }],
      }), ctx());
      expect(fate).toEqual({
        kind: 'protected',
        protection: { entryPoint: undefined, command: undefined, dependsOn: undefined, environment: [], secrets: [], capabilities: ['SYS_PTRACE'] },
      });
    });

    test.each([
      ['the sidecar', container({ isSidecar: true }), { kind: 'sidecar' }],
      ['an excluded container', container({ name: 'x' }), { kind: 'excluded', reason: 'because' }],
    ])('%s', (_case, model, fate) => {
      expect(planContainer(model, ctx({ excluded: { x: 'because' } }))).toEqual(fate);
    });

    test.each([
      ['a namesake of the sidecar', container({ name: 'enforcer' }), /container 'enforcer': has the enforcer sidecar's name/],
      ['a forged enforcer label', container({ labels: { 'cdk-enforced-fargate.role': 'enforcer' } }), /is labelled 'cdk-enforced-fargate.role=enforcer' but is not this task's enforcer sidecar/],
      ['unknown image defaults', container({ image: 'other:2' }), /sets neither entryPoint nor command.*npx cdk-enforced-fargate lookup --platform linux\/amd64 other:2/],
      ['a placeholder image', container({ image: '<IMAGE1_NAME>' }), /its image is the placeholder '<IMAGE1_NAME>'.*imageDefaults: \{ 'app':/],
      ['a malformed source', container({ image: 'bad' }), /container 'app': broken source/],
      ['a readOnly conflict', container({ entryPoint: ['/a'], volumesFrom: [{ sourceContainer: 'enforcer', readOnly: false }] }), /already mounts volumes from 'enforcer' with readOnly false/],
      ['a dependency conflict (ECS default HEALTHY)', container({ entryPoint: ['/a'], dependsOn: [{ containerName: 'enforcer' }] }), /already depends on 'enforcer' with condition HEALTHY/],
      ['an environment clash', container({ entryPoint: ['/a'], environment: [{ name: 'E', value: '2' }] }), /sets environment 'E' to "2", but the enforcer needs "1"/],
      ['a secret as plain variable', container({ entryPoint: ['/a'], environment: [{ name: 'TOKEN', value: 'x' }] }), /sets 'TOKEN' as a plain variable, but the enforcer needs it as a secret/],
      ['a dropped capability', container({ entryPoint: ['/a'], droppedCapabilities: ['ALL'] }), /linuxParameters drops SYS_PTRACE/],
    ])('an error: %s', (_case, model, message) => {
      const fate = planContainer(model, ctx({ imageDefaultsOf: m => (m.image === 'bad' ? 'broken source' : m.image === 'known:1' ? { defaults: { entryPoint: ['/ep'], command: ['cmd'] }, source: 'test' } : m.image === 'other:2' ? { defaults: {}, source: 'no source', lookupReference: 'other:2' } : undefined) }));
      expect(fate.kind).toBe('error');
      expect((fate as any).message).toMatch(message);
    });
  });

  describe('task-level checks', () => {
    test('the limit, the clash, unknown excluded names; the nothing-protected warning only without errors', () => {
      const many = Array.from({ length: 11 }, (_, i) => `c${i}`);
      expect(checkTask({ names: many, protectedCount: 10 }, { excluded: {} }).errors).toEqual([expect.stringMatching(/^the task has 11 containers/)]);
      expect(checkTask({ names: ['enforcer', 'a'], protectedCount: 1, clashes: [{ name: 'enforcer', where: 'here' }] }, { excluded: { zz: 'r' } }).errors).toEqual([
        "container 'enforcer' (here) has the enforcer sidecar's name; rename it, or give the enforcer another 'containerName'",
        "excludedContainers names 'zz', which matches no container of the task (containers: enforcer, a); fix the name or remove it",
      ]);
      expect(checkTask({ names: ['enforcer', 'a'], protectedCount: 0 }, { excluded: { a: 'r' } }))
        .toEqual({ errors: [], warnings: [{ id: 'cdk-enforced-fargate:nothingProtected', message: expect.stringMatching(/protects no container/) }] });
    });

    test('planTask plans every container and collects every error', () => {
      const plan = planTask([container({ isSidecar: true, name: 'enforcer' }), container({ name: 'a', entryPoint: ['/a'] }), container({ name: 'b', entryPoint: [] })], ctx());
      expect(plan.containers.map(c => [c.name, c.fate.kind])).toEqual([['enforcer', 'sidecar'], ['a', 'protected'], ['b', 'error']]);
      expect(plan.errors).toEqual([expect.stringMatching(/^container 'b': entryPoint is \[\] \(empty\)/)]);
    });

    test('checkSettings: Windows, the architecture, excluding the sidecar, malformed image defaults', () => {
      const base = { enforcerArchitectures: ['X86_64'], enforcerContainerName: 'enforcer', excludedContainers: [], imageDefaults: {} };
      expect(checkSettings(base)).toBeUndefined();
      expect(checkSettings({ ...base, operatingSystemFamily: 'WINDOWS_SERVER_2019_FULL' })).toMatch(/Windows Fargate ignores image VOLUMEs/);
      expect(checkSettings({ ...base, cpuArchitecture: 'ARM64' })).toMatch(/the task's CPU architecture is ARM64 but the enforcer ships binaries for X86_64 only/);
      expect(checkSettings({ ...base, excludedContainers: ['enforcer'] })).toMatch(/excludedContainers names the enforcer sidecar/);
      expect(checkSettings({ ...base, imageDefaults: { x: { entryPoint: 'no' } } })).toMatch(/imageDefaults\['x'\]\.entryPoint must be a list of strings/);
    });

    test('isImagePlaceholder', () => {
      expect(['<IMAGE1_NAME>', '<APP_IMAGE>'].map(isImagePlaceholder)).toEqual([true, true]);
      expect(['nginx:1.27', '<a b>', 'x<IMAGE>'].map(isImagePlaceholder)).toEqual([false, false, false]);
    });
  });

  test('property: a protected container starts the enforcer, which starts exactly the argv it started before', () => {
    const arg = fc.string({ maxLength: 6 });
    const argv = fc.option(fc.array(arg, { maxLength: 3 }), { nil: undefined });
    fc.assert(fc.property(argv, argv, fc.array(arg, { maxLength: 3 }), fc.array(arg, { maxLength: 3 }), (entryPoint, command, imageEntry, imageCmd) => {
      fc.pre(entryPoint === undefined || (entryPoint.length > 0 && entryPoint[0] !== '/e/bin'));
      fc.pre(imageEntry[0] !== '/e/bin');
      const image = { entryPoint: imageEntry, command: imageCmd };
      const before = processArgv({ entryPoint, command }, image);
      fc.pre(before.length > 0);
      const fate = planContainer(container({ entryPoint, command }), ctx({ imageDefaultsOf: () => ({ defaults: image, source: 'test' }) }));
      expect(fate.kind).toBe('protected');
      const p = (fate as any).protection;
      const after = processArgv({ entryPoint: p.entryPoint ?? entryPoint, command: p.command ?? command }, image);
      expect(after).toEqual(['/e/bin', '--', ...before]);
    }), { numRuns: 300 });
  });
});
