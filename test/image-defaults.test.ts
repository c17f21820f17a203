import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { EnforcedFargateTaskDefinition, Enforcer } from '../lib';
import { findImageDefaults, parseImageDefaults, platformMismatch } from '../lib/image-defaults';

describe('image defaults', () => {
  const declared = {
    'web': { entryPoint: ['/by-container'] },
    'nginx:1.27': { entryPoint: ['/by-image'], command: ['x'] },
  };
  const context = { 'nginx:1.27': { entryPoint: ['/from-context'] }, 'redis:7': { entryPoint: ['docker-entrypoint.sh'], command: ['redis-server'] } };

  test('a container name wins over an image name, which wins over the context', () => {
    expect(findImageDefaults('web', 'nginx:1.27', declared, context)).toEqual({ defaults: { entryPoint: ['/by-container'] }, source: "imageDefaults['web']" });
    expect(findImageDefaults('api', 'nginx:1.27', declared, context)).toEqual({ defaults: declared['nginx:1.27'], source: "imageDefaults['nginx:1.27']" });
    expect(findImageDefaults('cache', 'redis:7', declared, context)).toEqual({
      defaults: { entryPoint: ['docker-entrypoint.sh'], command: ['redis-server'] },
      source: "context 'cdk-enforced-fargate:imageDefaults' entry 'redis:7'",
      imageName: 'redis:7',
    });
  });

  test('nothing declared is undefined, never a guess', () => {
    expect(findImageDefaults('api', 'busybox:1', declared, context)).toBeUndefined();
    expect(findImageDefaults('api', 'busybox:1', undefined, undefined)).toBeUndefined();
  });

  test('a malformed context entry is reported with its key', () => {
    expect(findImageDefaults('a', 'bad:1', undefined, { 'bad:1': { entryPoint: '/bin/sh' } }))
      .toBe("context 'cdk-enforced-fargate:imageDefaults' entry 'bad:1'.entryPoint must be a list of strings (one argv element each), got \"/bin/sh\"");
  });

  test.each([
    ['a string', 'nginx', /must be an object like/],
    ['a list', ['/bin/sh'], /must be an object like/],
    ['an unknown key', { entrypoint: ['/x'] }, /unknown key\(s\) 'entrypoint': only 'entryPoint' and 'command' are read/],
    ['a non-string element', { command: ['a', 1] }, /\.command must be a list of strings/],
  ])('parseImageDefaults rejects %s', (_n, value, message) => {
    expect(parseImageDefaults(value, 'x')).toMatch(message);
  });

  test('parseImageDefaults keeps empty lists (they mean "the image has none")', () => {
    expect(parseImageDefaults({ entryPoint: [], command: [] }, 'x')).toEqual({ entryPoint: [], command: [] });
    expect(parseImageDefaults({ entryPoint: ['/x'], digest: 'sha256:ab' }, 'x')).toEqual({ entryPoint: ['/x'], command: undefined });
  });

  describe('the platform lookup recorded', () => {
    test('is read from a context entry, and must be linux/ARCH[/VARIANT]', () => {
      expect(findImageDefaults('a', 'app:1', undefined, { 'app:1': { entryPoint: [], command: ['x'], platform: 'linux/arm64/v8', digest: 'sha256:00', source: 's' } }))
        .toMatchObject({ platform: 'linux/arm64/v8', imageName: 'app:1' });
      expect(parseImageDefaults({ command: ['x'], platform: 'windows/amd64' }, 'e')).toBe("e.platform must be 'linux/ARCH' or 'linux/ARCH/VARIANT' (the platform lookup read the image for), got \"windows/amd64\"");
      expect(parseImageDefaults({ command: ['x'], platform: null }, 'e')).toMatch(/e\.platform must be/);
    });

    test('a mismatch of architectures is refused; variants and entries without a platform are not', () => {
      expect(platformMismatch('linux/amd64', 'linux/arm64', 'app:1', 'CMD')).toBe("context 'cdk-enforced-fargate:imageDefaults' entry 'app:1' was looked up for linux/amd64, but the task runs on linux/arm64: an image's ENTRYPOINT/CMD may differ between platforms. Run `CMD` (it replaces the entry), or give the task the architecture the entry was read for");
      expect(platformMismatch('linux/arm64/v8', 'linux/arm64', 'app:1', 'CMD')).toBeUndefined();
      expect(platformMismatch(undefined, 'linux/arm64', 'app:1', 'CMD')).toBeUndefined();
    });

    describe('at synthesis', () => {
      const synth = (platform: string | undefined, cpuArchitecture: ecs.CpuArchitecture) => {
        const entry = { entryPoint: ['/bin/app'], command: ['serve'], digest: `sha256:${'0'.repeat(64)}`, ...(platform ? { platform } : {}) };
        const stack = new Stack(new App({ context: { 'cdk-enforced-fargate:imageDefaults': { 'registry.example.com/app:1': entry } } }), 'S');
        const enforcer = new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/enforcer:1'), cpuArchitectures: [ecs.CpuArchitecture.X86_64, ecs.CpuArchitecture.ARM64] });
        const td = new EnforcedFargateTaskDefinition(stack, 'T', { enforcer, runtimePlatform: { cpuArchitecture } });
        td.addContainer('app', { image: ecs.ContainerImage.fromRegistry('registry.example.com/app:1') });
        return () => Template.fromStack(stack);
      };

      test('an entry looked up for amd64 does not feed an ARM64 task', () => {
        expect(synth('linux/amd64', ecs.CpuArchitecture.ARM64)).toThrow("container 'app': context 'cdk-enforced-fargate:imageDefaults' entry 'registry.example.com/app:1' was looked up for linux/amd64, but the task runs on linux/arm64: an image's ENTRYPOINT/CMD may differ between platforms. Run `npx cdk-enforced-fargate lookup --platform linux/arm64 registry.example.com/app:1` (it replaces the entry)");
      });

      test('an entry for the task architecture, or one that records none, is used', () => {
        for (const [platform, arch] of [['linux/arm64', ecs.CpuArchitecture.ARM64], ['linux/amd64', ecs.CpuArchitecture.X86_64], [undefined, ecs.CpuArchitecture.ARM64]] as const) {
          const template = synth(platform, arch)();
          const [td] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as any[];
          expect(td.Properties.ContainerDefinitions.find((c: any) => c.Name === 'app').EntryPoint).toEqual(['/aqua/microenforcer', '/bin/app']);
        }
      });
    });
  });
});
