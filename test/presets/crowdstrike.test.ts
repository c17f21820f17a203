import * as ecs from 'aws-cdk-lib/aws-ecs';
import { EnforcedFargateTaskDefinition, Enforcer } from '../../lib';
import { presetStack, secretNames } from './support';

const IMAGE = ecs.ContainerImage.fromRegistry('123456789012.dkr.ecr.us-east-1.amazonaws.com/falcon-container:7.20.0');
const ROOTFS = '/tmp/CrowdStrike/rootfs';

describe('Enforcer.crowdStrikeFalcon', () => {
  test('init container, task volume at /tmp/CrowdStrike, loader prefix, COMPLETE, private writable volume, FALCONCTL_OPTS secret', () => {
    const { secret, synth } = presetStack();
    const { containers, properties } = synth(Enforcer.crowdStrikeFalcon({ image: IMAGE, falconctlOpts: secret }), { readonlyRootFilesystem: true });
    expect(properties.Volumes).toEqual([{ Name: 'crowdstrike-falcon-volume' }, { Name: 'enforcer-writable-app' }]);
    const init = containers['crowdstrike-falcon-init-container'];
    expect(init).toMatchObject({ Essential: false, User: '0:0' });
    expect(init.EntryPoint.slice(0, 2)).toEqual(['/bin/bash', '-c']);
    expect(init.EntryPoint[2]).toContain(`cp -r /bin /etc /lib64 /usr /entrypoint-ecs.sh ${ROOTFS}`);
    const app = containers.app;
    expect(app.EntryPoint).toEqual([`${ROOTFS}/lib64/ld-linux-x86-64.so.2`, '--library-path', `${ROOTFS}/lib64`, `${ROOTFS}/bin/bash`, `${ROOTFS}/entrypoint-ecs.sh`, '/app']);
    expect(app.Command).toEqual(['serve']);
    expect(app.MountPoints).toEqual([
      { SourceVolume: 'crowdstrike-falcon-volume', ContainerPath: '/tmp/CrowdStrike', ReadOnly: true },
      { SourceVolume: 'enforcer-writable-app', ContainerPath: '/tmp/CrowdStrike-private', ReadOnly: false },
    ]);
    expect(app.DependsOn).toEqual([{ ContainerName: 'crowdstrike-falcon-init-container', Condition: 'COMPLETE' }]);
    expect(app.LinuxParameters.Capabilities.Add).toEqual(['SYS_PTRACE']);
    expect(secretNames(app)).toEqual(['FALCONCTL_OPTS']);
    expect(app.Environment).toBeUndefined();
  });

  test('ARM64 needs the loader of the ARM64 image (the x86-64 loader trap)', () => {
    const { secret } = presetStack();
    expect(() => Enforcer.crowdStrikeFalcon({ image: IMAGE, falconctlOpts: secret, cpuArchitectures: [ecs.CpuArchitecture.ARM64] }))
      .toThrow(/cpuArchitectures lists ARM64, but the preset's binaryPath is the x86-64 loader .* give binaryPath \(and binaryArgs\) for your ARM64 sensor image, or use an X86_64 task/);
    const arm = Enforcer.crowdStrikeFalcon({
      image: IMAGE, falconctlOpts: secret, cpuArchitectures: [ecs.CpuArchitecture.ARM64], binaryPath: `${ROOTFS}/lib/ld-linux-aarch64.so.1`,
    });
    expect(arm.supportsArchitecture(ecs.CpuArchitecture.ARM64)).toBe(true);
  });

  test('an X86_64-only preset on an ARM64 task is refused', () => {
    const { secret, stack } = presetStack();
    expect(() => new EnforcedFargateTaskDefinition(stack, 'Arm', {
      enforcer: Enforcer.crowdStrikeFalcon({ image: IMAGE, falconctlOpts: secret }), runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64 },
    })).toThrow(/the task's CPU architecture is ARM64 but the enforcer ships binaries for X86_64 only/);
  });

  test('bad input: no CID secret', () => {
    expect(() => Enforcer.crowdStrikeFalcon({ image: IMAGE } as any))
      .toThrow(/Enforcer.crowdStrikeFalcon: 'falconctlOpts' \(the sensor's options with the customer ID, '--cid=<CID>'\) is required as an ecs.Secret/);
  });
});
