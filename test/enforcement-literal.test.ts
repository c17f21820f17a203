/**
 * Literal container definitions (lib/enforcement/literal.ts): what the L1 adapter and the
 * `enforce` command share. Reading refuses what cannot be merged into; writing never mutates.
 */
import { Fn } from 'aws-cdk-lib';
import { enforceLiteralContainers, labelExempt, literalImageDefaults, readLiteralContainer, writeLiteralContainer } from '../lib/enforcement/literal';
import { PlanContext } from '../lib/enforcement/model';

const ctx: PlanContext = {
  enforcer: {
    containerName: 'enforcer', binaryPath: '/e', prefix: ['/e'], readOnly: true, environment: { E: '1' }, secrets: { S: 'arn:s' },
    capabilities: ['SYS_PTRACE'], dependencyCondition: 'START', delivery: 'volumes-from',
  },
  excluded: { skip: 'reason' },
  imageDefaultsOf: literalImageDefaults({ 'img:1': { entryPoint: ['/ep'], command: ['c'] } }, undefined),
  same: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  show: v => JSON.stringify(v),
  lookupPlatform: 'linux/amd64',
};

describe('literal container definitions', () => {
  test('read: literal values, tokens inside values kept', () => {
    const model = readLiteralContainer({ name: 'a', image: Fn.ref('Img'), entryPoint: ['/a', Fn.ref('Arg')], environment: [{ name: 'X', value: Fn.ref('V') }] }, 0, 'T');
    expect(typeof model).toBe('object');
    expect((model as any).entryPoint).toHaveLength(2);
    expect((model as any).environment[0].name).toBe('X');
  });

  test.each([
    ['a container that is an intrinsic', Fn.conditionIf('C', { name: 'a' }, { name: 'b' }), /T: container definition 0 is an intrinsic function .*for example an Fn::If around a whole container/],
    ['a name that is an intrinsic', { name: Fn.ref('N'), image: 'x' }, /T: container definition 0 has the name an intrinsic function .*; give every container a literal name/],
    ['a whole-list environment', { name: 'a', environment: Fn.split(',', Fn.ref('L')) }, /T: container 'a': 'environment' is an intrinsic function .*not a literal list/],
    ['an entry of secrets that is an intrinsic', { name: 'a', secrets: [Fn.conditionIf('C', { name: 'S' }, Fn.ref('AWS::NoValue'))] }, /T: container 'a': 'secrets'\[0\] is an intrinsic function/],
    ['labels that are an intrinsic', { name: 'a', dockerLabels: Fn.ref('L') }, /'dockerLabels' is an intrinsic function/],
    ['an entryPoint that is a string', { name: 'a', entryPoint: '/bin/sh -c x' }, /'entryPoint' must be a list of strings \(one argv element each\), got "\/bin\/sh -c x"/],
  ])('read refuses %s', (_case, container, message) => {
    expect(readLiteralContainer(container, 0, 'T')).toMatch(message);
  });

  test('write: protected containers extended, excluded ones labelled, the input untouched', () => {
    const input = [
      { name: 'a', image: 'img:1', environment: [{ name: 'OWN', value: 'v' }], linuxParameters: { capabilities: { add: ['CHOWN'] }, initProcessEnabled: true } },
      { name: 'skip', image: 'x:1', dockerLabels: { team: 'ops' } },
    ];
    const frozen = JSON.stringify(input);
    const result = enforceLiteralContainers(input, ctx, 'T', name => `valueFrom-of-${name}`);
    expect(result.errors).toEqual([]);
    expect(JSON.stringify(input)).toBe(frozen);
    expect(result.containers).toEqual([
      {
        name: 'a', image: 'img:1', entryPoint: ['/e', '/ep'], command: ['c'],
        environment: [{ name: 'OWN', value: 'v' }, { name: 'E', value: '1' }],
        secrets: [{ name: 'S', valueFrom: 'valueFrom-of-S' }],
        volumesFrom: [{ sourceContainer: 'enforcer', readOnly: true }],
        dependsOn: [{ containerName: 'enforcer', condition: 'START' }],
        linuxParameters: { capabilities: { add: ['CHOWN', 'SYS_PTRACE'] }, initProcessEnabled: true },
      },
      { name: 'skip', image: 'x:1', dockerLabels: { 'team': 'ops', 'cdk-enforced-fargate.excluded': 'reason' } },
    ]);
    expect(result.protected).toEqual(['a']);
    expect(result.excluded).toEqual([{ name: 'skip', reason: 'reason' }]);
  });

  test('a task with a labelled enforcer sidecar is enforced already; errors stop the writing', () => {
    expect(enforceLiteralContainers([{ name: 'enforcer', dockerLabels: { 'cdk-enforced-fargate.role': 'enforcer' } }, { name: 'a' }], ctx, 'T', () => '')).toMatchObject({ alreadyEnforced: true, containers: [] });
    const bad = enforceLiteralContainers([{ name: 'a', image: 'unknown:1' }], ctx, 'T', () => '');
    expect(bad.containers).toEqual([]);
    expect(bad.errors).toEqual([
      expect.stringMatching(/^T: container 'a': sets neither entryPoint nor command/),
      "T: excludedContainers names 'skip', which matches no container of the task (containers: enforcer, a); fix the name or remove it",
    ]);
    expect(enforceLiteralContainers(Fn.ref('List'), ctx, 'T', () => '').errors).toEqual([expect.stringMatching(/^T: ContainerDefinitions is an intrinsic function/)]);
  });

  test('labelExempt and writeLiteralContainer leave non-literal entries and other fates alone', () => {
    const token = Fn.ref('X');
    const labelled = labelExempt([{ name: 'a' }, token], 'why') as any[];
    expect(labelled[0]).toEqual({ name: 'a', dockerLabels: { 'cdk-enforced-fargate.excluded': 'why' } });
    expect(labelled[1]).toBe(token);
    const c = { name: 'a' };
    expect(writeLiteralContainer(c, { kind: 'sidecar' }, () => '')).toBe(c);
  });
});
