import { App, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Enforcer } from '../lib';

const image = ecs.ContainerImage.fromRegistry('registry.example.com/microenforcer:2022.4');

function secret(): ecs.Secret {
  const stack = new Stack(new App(), 'S');
  return ecs.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'Token'));
}

describe('Enforcer', () => {
  describe('defaults', () => {
    test('the seed article values', () => {
      const enforcer = new Enforcer({ image });
      expect(enforcer.binaryPath).toBe('/aqua/microenforcer');
      expect(enforcer.binaryArgs).toEqual([]);
      expect(enforcer.entryPointPrefix).toEqual(['/aqua/microenforcer']);
      expect(enforcer.containerName).toBe('enforcer');
      expect(enforcer.readOnly).toBe(true);
      expect(enforcer.environment).toEqual({});
      expect(enforcer.secrets).toEqual({});
      expect(enforcer.capabilities).toEqual([]);
      expect(enforcer.dependencyCondition).toBe(ecs.ContainerDependencyCondition.START);
      expect(enforcer.command).toBeUndefined();
      expect(enforcer.logging).toBeUndefined();
      expect(enforcer.supportsArchitecture(ecs.CpuArchitecture.X86_64)).toBe(true);
      expect(enforcer.supportsArchitecture(ecs.CpuArchitecture.ARM64)).toBe(false);
    });

    test('binaryArgs follow the binary in the prefix', () => {
      const enforcer = new Enforcer({ image, binaryPath: '/var/lib/twistlock/fargate/defender', binaryArgs: ['fargate', 'entrypoint'] });
      expect(enforcer.entryPointPrefix).toEqual(['/var/lib/twistlock/fargate/defender', 'fargate', 'entrypoint']);
    });

    test("the caller's arrays and maps are copied, not kept", () => {
      const binaryArgs = ['a'];
      const environment: { [k: string]: string } = { A: '1' };
      const enforcer = new Enforcer({ image, binaryArgs, environment });
      binaryArgs.push('b');
      environment.B = '2';
      expect(enforcer.binaryArgs).toEqual(['a']);
      expect(enforcer.environment).toEqual({ A: '1' });
    });
  });

  describe('aquaMicroEnforcer', () => {
    test('sets AQUA_MICROENFORCER, AQUA_SERVER and the secret AQUA_TOKEN', () => {
      const token = secret();
      const enforcer = Enforcer.aquaMicroEnforcer({ image, server: 'aqua-gateway.internal:8443', token, environment: { AQUA_LOGGING_LEVEL: 'DEBUG' } });
      expect(enforcer.environment).toEqual({ AQUA_MICROENFORCER: '1', AQUA_SERVER: 'aqua-gateway.internal:8443', AQUA_LOGGING_LEVEL: 'DEBUG' });
      expect(enforcer.secrets).toEqual({ AQUA_TOKEN: token });
      expect(enforcer.binaryPath).toBe('/aqua/microenforcer');
    });

    test('rejects a server that is not host:port', () => {
      expect(() => Enforcer.aquaMicroEnforcer({ image, server: 'https://aqua.example.com', token: secret() }))
        .toThrow(/'server' must be the Aqua gateway as host:port \(e\.g\. 'aqua-gateway\.internal:8443'\), got "https:\/\/aqua\.example\.com"/);
    });

    test('rejects AQUA_TOKEN given as a plain variable', () => {
      expect(() => Enforcer.aquaMicroEnforcer({ image, server: 'gw:8443', token: secret(), environment: { AQUA_TOKEN: 'plain' } }))
        .toThrow(/'AQUA_TOKEN' is set by the preset from 'server' and 'token'; remove it from environment\/secrets/);
    });
  });

  describe('bad props throw at once, naming the prop, the value and the fix', () => {
    test.each([
      ['relative binaryPath', { binaryPath: 'aqua/microenforcer' }, /'binaryPath' must be an absolute path .*got "aqua\/microenforcer"/],
      ['binaryPath at the root', { binaryPath: '/microenforcer' }, /'binaryPath' must be an absolute path to a file inside a volume directory .*got "\/microenforcer"/],
      ['binaryPath ending in /', { binaryPath: '/aqua/' }, /'binaryPath' must be an absolute path .*got "\/aqua\/"/],
      ['invalid containerName', { containerName: 'my enforcer' }, /'containerName' must be 1-255 letters, digits, hyphens and underscores, got "my enforcer"/],
      ['a capability Fargate forbids', { capabilities: [ecs.Capability.NET_ADMIN] }, /'capabilities' may only add SYS_PTRACE on Fargate, got \["NET_ADMIN"\]; remove them/],
      ['HEALTHY dependency', { dependencyCondition: ecs.ContainerDependencyCondition.HEALTHY }, /'dependencyCondition' HEALTHY needs a health check.*use START/],
      ['bad variable name', { environment: { 'BAD-NAME': 'x' } }, /environment\/secret name "BAD-NAME" is not a valid variable name/],
      ['empty cpuArchitectures', { cpuArchitectures: [] }, /'cpuArchitectures' is empty: list at least one architecture/],
      ['empty command', { command: [] }, /'command' is empty: leave it out to run the image's own CMD/],
    ])('%s', (_name, props, message) => {
      expect(() => new Enforcer({ image, ...props })).toThrow(message);
    });

    test('a variable in both environment and secrets', () => {
      expect(() => new Enforcer({ image, environment: { TOKEN: 'x' }, secrets: { TOKEN: secret() } }))
        .toThrow(/'TOKEN' is set both in 'environment' and in 'secrets'; keep one/);
    });
  });
});
