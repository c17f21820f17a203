import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { EnforcedFargateTaskDefinition, Enforcer } from '../lib';
import { lookupRequests } from '../lib/lookup/requests';

const fixtures = path.join(__dirname, 'fixtures', 'dockerfiles');
const W = '/aqua/microenforcer';

function task(context: Record<string, unknown> = {}, props: Partial<ConstructorParameters<typeof EnforcedFargateTaskDefinition>[2]> = {}) {
  const app = new App({ context });
  const stack = new Stack(app, 'S');
  const enforcer = new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/enforcer:1'), cpuArchitectures: [ecs.CpuArchitecture.X86_64, ecs.CpuArchitecture.ARM64] });
  const td = new EnforcedFargateTaskDefinition(stack, 'T', { enforcer, ...props });
  return { stack, td };
}

function container(stack: Stack, name: string) {
  const defs = Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition');
  const [resource] = Object.values(defs);
  return (resource as any).Properties.ContainerDefinitions.find((c: any) => c.Name === name);
}

describe('image defaults from sources', () => {
  describe('When the image is an asset', () => {
    test('the Dockerfile gives ENTRYPOINT and CMD with no declaration (last stage)', () => {
      // GIVEN
      const { stack, td } = task();
      // WHEN
      td.addContainer('app', { image: ecs.ContainerImage.fromAsset(path.join(fixtures, 'multi-stage')) });
      // THEN
      expect(container(stack, 'app')).toMatchObject({
        EntryPoint: [W, '/bin/build'],
        Command: ['--serve', '0.0.0.0:80', '--debug'],
      });
    });

    test('the asset target and a file other than Dockerfile are followed', () => {
      const { stack, td } = task();
      td.addContainer('app', { image: ecs.ContainerImage.fromAsset(fixtures, { file: 'entrypoint-reset/Dockerfile', target: 'kept' }) });
      expect(container(stack, 'app')).toMatchObject({ EntryPoint: [W, '/new'], Command: ['own-cmd'] });
    });

    test('a shell-form ENTRYPOINT is wrapped as stored, build args are not substituted in it', () => {
      const { stack, td } = task();
      td.addContainer('app', { image: ecs.ContainerImage.fromAsset(path.join(fixtures, 'build-args'), { buildArgs: { GREETING: 'hi' } }) });
      expect(container(stack, 'app')).toMatchObject({
        EntryPoint: [W, '/bin/sh', '-c', 'echo $GREETING'],
        Command: ['echo', '$GREETING', '${TAG}'],
      });
    });

    test('a container command replaces the Dockerfile CMD, its ENTRYPOINT is kept', () => {
      const { stack, td } = task();
      td.addContainer('app', { image: ecs.ContainerImage.fromAsset(path.join(fixtures, 'multi-stage')), command: ['--check'] });
      expect(container(stack, 'app')).toMatchObject({ EntryPoint: [W, '/bin/build'], Command: ['--check'] });
    });

    test('a declaration by container name wins over the Dockerfile', () => {
      const { stack, td } = task({}, { imageDefaults: { app: { entryPoint: ['/declared'], command: [] } } });
      td.addContainer('app', { image: ecs.ContainerImage.fromAsset(path.join(fixtures, 'multi-stage')) });
      const app = container(stack, 'app');
      expect(app.EntryPoint).toEqual([W, '/declared']);
      expect(app.Command).toBeUndefined();
    });

    test('what the Dockerfile leaves to its external base comes from the context for that base', () => {
      const { stack, td } = task({ 'cdk-enforced-fargate:imageDefaults': { 'nginx:1.27': { entryPoint: ['/docker-entrypoint.sh'], command: ['nginx'] } } });
      td.addContainer('web', { image: ecs.ContainerImage.fromAsset(path.join(fixtures, 'external-base')) });
      expect(container(stack, 'web')).toMatchObject({
        EntryPoint: [W, '/docker-entrypoint.sh'],
        Command: ['nginx', '-g', 'daemon off;'],
      });
    });

    test('... or from imageDefaults declared for the base image name', () => {
      const { stack, td } = task({}, { imageDefaults: { 'nginx:1.27': { entryPoint: [] } } });
      td.addContainer('web', { image: ecs.ContainerImage.fromAsset(path.join(fixtures, 'external-base')) });
      expect(container(stack, 'web')).toMatchObject({ EntryPoint: [W], Command: ['nginx', '-g', 'daemon off;'] });
    });

    test('an unknown base is an error naming the Dockerfile, the base and the lookup command', () => {
      const { stack, td } = task();
      td.addContainer('web', { image: ecs.ContainerImage.fromAsset(path.join(fixtures, 'external-base')) });
      expect(() => Template.fromStack(stack)).toThrow(
        /container 'web': sets neither entryPoint nor command, so the image's own ENTRYPOINT must be known .* Dockerfile .*external-base\/Dockerfile \(stage 0\) leaves it to its base image 'nginx:1.27', which has none declared\. Read them from the registry with `npx cdk-enforced-fargate lookup --platform linux\/amd64 nginx:1.27`/);
    });

    test('ContainerImage.fromDockerImageAsset(asset) reads the asset\'s Dockerfile too', () => {
      const { stack, td } = task();
      const asset = new DockerImageAsset(stack, 'Built', { directory: fixtures, file: 'entrypoint-reset/Dockerfile', target: 'cmd-only' });
      td.addContainer('app', { image: ecs.ContainerImage.fromDockerImageAsset(asset) });
      expect(container(stack, 'app')).toMatchObject({ EntryPoint: [W, '/base'], Command: ['only-cmd'] });
    });

    test('a target stage that does not exist is an error naming the container', () => {
      const { stack, td } = task();
      td.addContainer('app', { image: ecs.ContainerImage.fromAsset(path.join(fixtures, 'multi-stage'), { target: 'prod' }) });
      expect(() => Template.fromStack(stack)).toThrow(/container 'app': is an asset image whose Dockerfile .*multi-stage\/Dockerfile cannot be read: target stage 'prod' is not in the Dockerfile/);
    });
  });

  describe('When the image is in a registry', () => {
    test('unknown defaults name the lookup command with the exact reference and the task platform', () => {
      const { stack, td } = task({}, { runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64 } });
      td.addContainer('api', { image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/api:2.1') });
      td.addContainer('web', { image: ecs.ContainerImage.fromRegistry('nginx:1.27'), command: ['nginx'] });
      let message = '';
      try { Template.fromStack(stack); } catch (e) { message = String(e); }
      expect(message).toMatch(/container 'api': .*image 'ghcr.io\/acme\/api:2.1' has none declared\. Read them from the registry with `npx cdk-enforced-fargate lookup --platform linux\/arm64 ghcr.io\/acme\/api:2.1`/);
      expect(lookupRequests(message)).toEqual([
        { platform: 'linux/arm64', reference: 'ghcr.io/acme/api:2.1' },
        { platform: 'linux/arm64', reference: 'nginx:1.27' },
      ]);
    });

    test('the context gives them (what lookup writes, with digest and source)', () => {
      const { stack, td } = task({ 'cdk-enforced-fargate:imageDefaults': { 'ghcr.io/acme/api:2.1': { entryPoint: ['/api'], command: ['serve'], digest: 'sha256:00', source: 'x' } } });
      td.addContainer('api', { image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/api:2.1') });
      expect(container(stack, 'api')).toMatchObject({ EntryPoint: [W, '/api'], Command: ['serve'] });
    });
  });
});
