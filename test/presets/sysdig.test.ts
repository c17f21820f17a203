import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Enforcer } from '../../lib';
import { envOf, presetStack, secretNames } from './support';

const IMAGE = ecs.ContainerImage.fromRegistry('quay.io/sysdig/workload-agent:5.3.0');

describe('Enforcer.sysdigWorkloadAgent', () => {
  test('sidecar, volumesFrom, instrument prefix, SYSDIG_* settings, SYS_PTRACE, access key as a secret', () => {
    const { secret, synth } = presetStack();
    const enforcer = Enforcer.sysdigWorkloadAgent({ image: IMAGE, accessKey: secret, collectorHost: 'ingest.example.com', logLevel: 'info' });
    const { containers } = synth(enforcer);
    const sidecar = containers.SysdigInstrumentation;
    expect(sidecar).toMatchObject({ Essential: false, Command: ['/opt/draios/bin/logwriter'] });
    expect(sidecar.DockerLabels['cdk-enforced-fargate.delivery']).toBe('volumes-from');
    const app = containers.app;
    expect(app.EntryPoint).toEqual(['/opt/draios/bin/instrument', '/app']);
    expect(app.Command).toEqual(['serve']);
    expect(app.VolumesFrom).toEqual([{ SourceContainer: 'SysdigInstrumentation', ReadOnly: true }]);
    expect(app.DependsOn).toEqual([{ ContainerName: 'SysdigInstrumentation', Condition: 'START' }]);
    expect(app.LinuxParameters.Capabilities.Add).toEqual(['SYS_PTRACE']);
    expect(envOf(app)).toEqual({ SYSDIG_COLLECTOR: 'ingest.example.com', SYSDIG_COLLECTOR_PORT: '6443', SYSDIG_LOGGING: 'info' });
    expect(secretNames(app)).toEqual(['SYSDIG_ACCESS_KEY']);
  });

  test('the orchestrator setup, and every preset field overridden', () => {
    const { secret } = presetStack();
    const enforcer = Enforcer.sysdigWorkloadAgent({
      image: IMAGE, accessKey: secret, orchestratorHost: 'orch.internal', containerName: 'sysdig', command: ['/opt/draios/bin/waitforever'],
      binaryPath: '/opt/draios/bin/instrument2', capabilities: [], environment: { EXTRA: '1' },
    });
    expect(enforcer.environment).toEqual({ SYSDIG_ORCHESTRATOR: 'orch.internal', SYSDIG_ORCHESTRATOR_PORT: '6667', EXTRA: '1' });
    expect(enforcer.containerName).toBe('sysdig');
    expect(enforcer.command).toEqual(['/opt/draios/bin/waitforever']);
    expect(enforcer.binaryPath).toBe('/opt/draios/bin/instrument2');
    expect(enforcer.capabilities).toEqual([]);
  });

  test('bad input', () => {
    const { secret } = presetStack();
    expect(() => Enforcer.sysdigWorkloadAgent({ image: IMAGE, collectorHost: 'c' } as any))
      .toThrow(/Enforcer.sysdigWorkloadAgent: 'accessKey' \(the Sysdig agent access key\) is required as an ecs.Secret .* got nothing; it is never set as a plain environment variable/);
    expect(() => Enforcer.sysdigWorkloadAgent({ image: IMAGE, collectorHost: 'c', accessKey: 'plain' as any }))
      .toThrow(/'accessKey' .* got a plain string/);
    expect(() => Enforcer.sysdigWorkloadAgent({ image: IMAGE, accessKey: secret }))
      .toThrow(/give 'collectorHost' .* or 'orchestratorHost'/);
    expect(() => Enforcer.sysdigWorkloadAgent({ accessKey: secret, collectorHost: 'c' } as any))
      .toThrow(/Enforcer.sysdigWorkloadAgent: 'image' is required/);
    expect(() => Enforcer.sysdigWorkloadAgent({ image: IMAGE, accessKey: secret, collectorHost: 'c', environment: { SYSDIG_ACCESS_KEY: 'x' } }))
      .toThrow(/'SYSDIG_ACCESS_KEY' is set by the preset from 'accessKey'/);
  });
});
