import { BUILT_IN, deliveryRule, TASK_VOLUME, VOLUMES_FROM } from '../../lib/enforcement/delivery';
import { ContainerModel, EnforcerSpec } from '../../lib/enforcement/model';

const ENFORCER: EnforcerSpec = {
  containerName: 'init', binaryPath: '/files/enforce', prefix: ['/files/enforce'], readOnly: true, environment: {}, secrets: {},
  capabilities: [], dependencyCondition: 'SUCCESS', delivery: 'task-volume', filesDirectory: '/files', volumeName: 'files',
};
const container = (extra: Partial<ContainerModel> = {}): ContainerModel => ({
  name: 'app', image: 'app:1', environment: [], secrets: [], volumesFrom: [], mountPoints: [], dependsOn: [], labels: {}, ...extra,
});

describe('delivery rules', () => {
  test('by name', () => {
    expect(deliveryRule('volumes-from')).toBe(VOLUMES_FROM);
    expect(deliveryRule('task-volume')).toBe(TASK_VOLUME);
    expect(deliveryRule('built-in')).toBe(BUILT_IN);
    expect(() => deliveryRule('nope')).toThrow(/unknown delivery mode 'nope'; known: volumes-from, task-volume, built-in/);
  });

  test('task-volume: the init container labels name the volume; a read-only mount point', () => {
    expect(TASK_VOLUME.sidecarLabels(ENFORCER)).toEqual({
      'cdk-enforced-fargate.role': 'enforcer', 'cdk-enforced-fargate.binary': '/files/enforce',
      'cdk-enforced-fargate.delivery': 'task-volume', 'cdk-enforced-fargate.volume': 'files',
    });
    expect(TASK_VOLUME.mount(container(), ENFORCER)).toEqual({ mountPoint: { sourceVolume: 'files', containerPath: '/files', readOnly: true } });
  });

  test('task-volume: the same mount already there is kept; another one at the path is an error', () => {
    expect(TASK_VOLUME.mount(container({ mountPoints: [{ sourceVolume: 'files', containerPath: '/files', readOnly: true }] }), ENFORCER)).toEqual({});
    expect(TASK_VOLUME.mount(container({ mountPoints: [{ sourceVolume: 'files', containerPath: '/files', readOnly: false }] }), ENFORCER))
      .toMatch(/already mounts 'files' \(readOnly false\) at \/files/);
  });

  test('built-in: no sidecar, nothing to mount', () => {
    expect(BUILT_IN.sidecar).toBe(false);
    expect(BUILT_IN.mount(container(), { ...ENFORCER, delivery: 'built-in' })).toEqual({});
  });
});
