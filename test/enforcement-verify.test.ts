import { EnforcerSpec, PlanContext } from '../lib/enforcement/model';
import { mayBeNoValue, shadowingMount } from '../lib/enforcement/plan';
import { modelOfRendered, verifyRendered } from '../lib/enforcement/verify';

const enforcer: EnforcerSpec = {
  containerName: 'enforcer',
  binaryPath: '/aqua/microenforcer',
  prefix: ['/aqua/microenforcer'],
  readOnly: true,
  environment: { AQUA_SERVER: 'gw:8443' },
  secrets: { AQUA_TOKEN: 'arn:token' },
  capabilities: ['SYS_PTRACE'],
  dependencyCondition: 'START',
  delivery: 'volumes-from',
};
const ctx: PlanContext = {
  enforcer,
  excluded: {},
  imageDefaultsOf: () => undefined,
  same: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  show: v => JSON.stringify(v),
  lookupPlatform: 'linux/amd64',
};
const SIDECAR = { Name: 'enforcer', Image: 'e:1', Essential: false, DockerLabels: { 'cdk-enforced-fargate.role': 'enforcer' } };
const PROTECTED = {
  Name: 'app',
  Image: 'app:1',
  EntryPoint: ['/aqua/microenforcer', '/entry'],
  VolumesFrom: [{ SourceContainer: 'enforcer', ReadOnly: true }],
  DependsOn: [{ ContainerName: 'enforcer', Condition: 'START' }],
  Environment: [{ Name: 'AQUA_SERVER', Value: 'gw:8443' }],
  Secrets: [{ Name: 'AQUA_TOKEN', ValueFrom: 'arn:token' }],
  LinuxParameters: { Capabilities: { Add: ['SYS_PTRACE'] } },
};

describe('verifyRendered', () => {
  test('a protected container as the enforcement rendered it passes', () => {
    expect(verifyRendered([SIDECAR, PROTECTED], ['app'], ctx)).toEqual([]);
  });

  test.each([
    ['an EntryPoint without the binary', { EntryPoint: ['/evil'] }, /its EntryPoint \["\/evil"\] does not start with the enforcer binary/],
    ['no EntryPoint', { EntryPoint: undefined }, /its EntryPoint was removed, so it would start without the enforcer/],
    ['no volumesFrom', { VolumesFrom: [] }, /its volumesFrom lacks 'enforcer'/],
    ['a writable volumesFrom', { VolumesFrom: [{ SourceContainer: 'enforcer', ReadOnly: false }] }, /already mounts volumes from 'enforcer' with readOnly false/],
    ['no dependsOn', { DependsOn: undefined }, /its dependsOn lacks 'enforcer'/],
    ['a second, clashing variable', { Environment: [{ Name: 'AQUA_SERVER', Value: 'gw:8443' }, { Name: 'AQUA_SERVER', Value: 'evil:1' }] }, /sets environment 'AQUA_SERVER' to "evil:1", but the enforcer needs "gw:8443"/],
    ['a missing secret', { Secrets: [] }, /its secrets lack 'AQUA_TOKEN'/],
    ['a missing capability', { LinuxParameters: undefined }, /its linuxParameters do not add SYS_PTRACE/],
    ['a mount over the enforcer directory', { MountPoints: [{ SourceVolume: 'v', ContainerPath: '/aqua' }] }, /mount point "\/aqua" \(volume 'v'\) shadows the enforcer volume '\/aqua'/],
  ])('%s is reported', (_name, change, message) => {
    const errors = verifyRendered([SIDECAR, { ...PROTECTED, ...change }], ['app'], ctx);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^container 'app': changed after the enforcement ran/);
    expect(errors[0]).toMatch(message);
  });

  test('a renamed, duplicated or vanished container, a missing sidecar and a non-list are reported', () => {
    expect(verifyRendered([SIDECAR, { ...PROTECTED, Name: 'other' }], ['app'], ctx)[0]).toMatch(/container 'app': is not in the rendered task definition under that name any more/);
    expect(verifyRendered([SIDECAR, PROTECTED, PROTECTED], ['app'], ctx)[0]).toMatch(/container 'app': appears 2 times in the rendered task definition/);
    expect(verifyRendered([PROTECTED], ['app'], ctx)[0]).toMatch(/hold 0 enforcer sidecars named 'enforcer' instead of 1/);
    expect(verifyRendered({ 'Fn::If': ['C', [], []] }, ['app'], ctx)[0]).toMatch(/the rendered ContainerDefinitions are .* not a list: a property override replaced them/);
  });

  test('modelOfRendered reads CloudFormation casing into the model', () => {
    expect(modelOfRendered({ ...PROTECTED, MountPoints: [{ SourceVolume: 'v', ContainerPath: '/data', ReadOnly: true }] }, false)).toMatchObject({
      name: 'app',
      entryPoint: ['/aqua/microenforcer', '/entry'],
      environment: [{ name: 'AQUA_SERVER', value: 'gw:8443' }],
      secrets: [{ name: 'AQUA_TOKEN', valueFrom: 'arn:token' }],
      volumesFrom: [{ sourceContainer: 'enforcer', readOnly: true }],
      mountPoints: [{ sourceVolume: 'v', containerPath: '/data', readOnly: true }],
      dependsOn: [{ containerName: 'enforcer', condition: 'START' }],
      isSidecar: false,
    });
  });
});

describe('plan helpers', () => {
  test('mayBeNoValue finds AWS::NoValue at any depth', () => {
    expect(mayBeNoValue({ 'Fn::If': ['C', '--debug', { Ref: 'AWS::NoValue' }] })).toBe(true);
    expect(mayBeNoValue({ 'Fn::Join': ['', [{ 'Fn::If': ['C', 'a', { Ref: 'AWS::NoValue' }] }]] })).toBe(true);
    expect(mayBeNoValue({ Ref: 'Param' })).toBe(false);
    expect(mayBeNoValue('plain')).toBe(false);
    expect(mayBeNoValue(null)).toBe(false);
  });

  test.each([
    ['/aqua', true], ['/aqua/', true], ['/aqua/microenforcer', true], ['/aqua/sub/dir', true], ['/aqua/./', true],
    ['/x/../aqua', true], ['//aqua', true], ['/aquarium', false], ['/', false], ['/data', false], ['/aqua/../data', false],
  ])('a mount point at %s shadows the enforcer volume: %s', (containerPath, shadows) => {
    const model = modelOfRendered({ Name: 'app', MountPoints: [{ SourceVolume: 'v', ContainerPath: containerPath }] }, false);
    expect(shadowingMount(model, '/aqua/microenforcer', v => v) !== undefined).toBe(shadows);
  });

  test('a mount point known only at deployment cannot be checked, and is refused', () => {
    const model = modelOfRendered({ Name: 'app', MountPoints: [{ SourceVolume: 'v', ContainerPath: { Ref: 'Path' } }] }, false);
    expect(shadowingMount(model, '/aqua/microenforcer', v => v)).toMatch(/mount point \{"Ref":"Path"\} is known only at deployment/);
  });
});
