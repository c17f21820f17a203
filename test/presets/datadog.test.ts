import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Enforcer, EnforcerDelivery } from '../../lib';
import { presetStack } from './support';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/datadog/cws-instrumentation:7.62.0');

describe('Enforcer.datadogCws', () => {
  test('init container copies cws-instrumentation into its task volume; "trace --" prefix; SUCCESS; SYS_PTRACE', () => {
    const { synth } = presetStack();
    const { containers, properties } = synth(Enforcer.datadogCws({ image: IMAGE }));
    expect(properties.Volumes).toEqual([{ Name: 'cws-instrumentation-volume' }]);
    expect(containers['cws-instrumentation-init']).toMatchObject({
      Essential: false,
      User: '0',
      EntryPoint: ['/cws-instrumentation', 'setup', '--cws-volume-mount', '/cws-instrumentation-volume'],
      MountPoints: [{ SourceVolume: 'cws-instrumentation-volume', ContainerPath: '/cws-instrumentation-volume', ReadOnly: false }],
    });
    const app = containers.app;
    expect(app.EntryPoint).toEqual(['/cws-instrumentation-volume/cws-instrumentation', 'trace', '--', '/app']);
    expect(app.MountPoints).toEqual([{ SourceVolume: 'cws-instrumentation-volume', ContainerPath: '/cws-instrumentation-volume', ReadOnly: true }]);
    expect(app.DependsOn).toEqual([{ ContainerName: 'cws-instrumentation-init', Condition: 'SUCCESS' }]);
    expect(app.LinuxParameters.Capabilities.Add).toEqual(['SYS_PTRACE']);
    expect(app.Secrets).toBeUndefined();
  });

  test('the delivery can be overridden (e.g. built in)', () => {
    const enforcer = Enforcer.datadogCws({ image: IMAGE, delivery: EnforcerDelivery.builtIn(), containerName: 'cws' });
    expect(enforcer.delivery.mode).toBe('built-in');
    expect(enforcer.filesDirectory).toBe('/cws-instrumentation-volume');
    expect(enforcer.containerName).toBe('cws');
    expect(enforcer.entryPointPrefix).toEqual(['/cws-instrumentation-volume/cws-instrumentation', 'trace', '--']);
  });

  test('bad input: no image', () => {
    expect(() => Enforcer.datadogCws({} as any)).toThrow(/Enforcer.datadogCws: 'image' is required: the vendor's image, pinned to a version/);
  });
});
