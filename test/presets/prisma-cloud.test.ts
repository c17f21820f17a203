import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Enforcer } from '../../lib';
import { envOf, presetStack, secretNames } from './support';

const IMAGE = ecs.ContainerImage.fromRegistry('registry.example.com/twistlock/defender:defender_34_01_126');

describe('Enforcer.prismaCloudDefender', () => {
  test('TwistlockDefender sidecar, "defender fargate entrypoint" prefix, TW_* values per container, install bundle as a secret', () => {
    const { secret, synth } = presetStack();
    const enforcer = Enforcer.prismaCloudDefender({ image: IMAGE, consoleAddress: 'wss://console.example.com:443', installBundle: secret });
    const { containers } = synth(enforcer);
    expect(containers.TwistlockDefender.Essential).toBe(false);
    const app = containers.app;
    expect(app.EntryPoint).toEqual(['/var/lib/twistlock/fargate/defender', 'fargate', 'entrypoint', '/app']);
    expect(app.Command).toEqual(['serve']);
    expect(app.VolumesFrom).toEqual([{ SourceContainer: 'TwistlockDefender', ReadOnly: true }]);
    expect(app.DependsOn).toEqual([{ ContainerName: 'TwistlockDefender', Condition: 'START' }]);
    expect(app.LinuxParameters.Capabilities.Add).toEqual(['SYS_PTRACE']);
    expect(envOf(app)).toEqual({
      WS_ADDRESS: 'wss://console.example.com:443', DEFENDER_TYPE: 'fargate',
      TW_CONTAINER_NAME: 'app', TW_IMAGE_NAME: 'registry.example.com/app:1', FARGATE_TASK: 'orders',
    });
    expect(secretNames(app)).toEqual(['INSTALL_BUNDLE']);
  });

  test('preset fields can be overridden', () => {
    const { secret } = presetStack();
    const enforcer = Enforcer.prismaCloudDefender({
      image: IMAGE, consoleAddress: 'wss://c:443', installBundle: secret, defenderType: 'appEmbedded',
      binaryPath: '/var/lib/twistlock/fargate/fargate_defender.sh', taskFamilyVariable: 'TASK',
    });
    expect(enforcer.environment.DEFENDER_TYPE).toBe('appEmbedded');
    expect(enforcer.binaryPath).toBe('/var/lib/twistlock/fargate/fargate_defender.sh');
    expect(enforcer.taskFamilyVariable).toBe('TASK');
    expect(enforcer.binaryArgs).toEqual(['fargate', 'entrypoint']);
  });

  test('bad input', () => {
    const { secret } = presetStack();
    expect(() => Enforcer.prismaCloudDefender({ image: IMAGE, consoleAddress: 'wss://c:443' } as any))
      .toThrow(/Enforcer.prismaCloudDefender: 'installBundle' .* is required as an ecs.Secret/);
    expect(() => Enforcer.prismaCloudDefender({ image: IMAGE, installBundle: secret } as any))
      .toThrow(/'consoleAddress' is required \(e.g. 'wss:/);
    expect(() => Enforcer.prismaCloudDefender({ image: IMAGE, consoleAddress: 'wss://c', installBundle: secret, secrets: { INSTALL_BUNDLE: secret } }))
      .toThrow(/'INSTALL_BUNDLE' is set by the preset from 'installBundle'/);
  });
});
