import { App, Fn, Lazy, Stack } from 'aws-cdk-lib';
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

  describe('an Enforcer is a value: nothing changes it after its props were checked', () => {
    test('its lists and maps are frozen: changing them throws, and the enforcer keeps what was checked', () => {
      const enforcer = new Enforcer({
        image, binaryArgs: ['a'], environment: { A: '1' }, secrets: { S: secret() }, capabilities: [ecs.Capability.SYS_PTRACE],
        command: ['start'], cpuArchitectures: [ecs.CpuArchitecture.X86_64],
      });
      expect(() => enforcer.binaryArgs.push('--evil')).toThrow(TypeError);
      expect(() => { enforcer.environment.LD_PRELOAD = '/evil.so'; }).toThrow(TypeError);
      expect(() => { delete (enforcer.secrets as any).S; }).toThrow(TypeError);
      expect(() => enforcer.capabilities.push(ecs.Capability.ALL)).toThrow(TypeError);
      expect(() => enforcer.command!.splice(0)).toThrow(TypeError);
      expect(() => enforcer.cpuArchitectures.push(ecs.CpuArchitecture.ARM64)).toThrow(TypeError);
      expect(enforcer.entryPointPrefix).toEqual(['/aqua/microenforcer', 'a']);
      expect(enforcer.environment).toEqual({ A: '1' });
      expect(enforcer.capabilities).toEqual([ecs.Capability.SYS_PTRACE]);
      expect(enforcer.supportsArchitecture(ecs.CpuArchitecture.ARM64)).toBe(false);
    });

    test('entryPointPrefix is a fresh list each time', () => {
      const enforcer = new Enforcer({ image });
      enforcer.entryPointPrefix.push('x');
      expect(enforcer.entryPointPrefix).toEqual(['/aqua/microenforcer']);
    });

    test('a prop read through a getter is read once: what is checked is what is kept', () => {
      let reads = 0;
      const props = { image, get binaryPath() { reads++; return reads === 1 ? '/aqua/microenforcer' : 'relative'; } };
      expect(new Enforcer(props).binaryPath).toBe('/aqua/microenforcer');
    });
  });

  describe("JS null for an optional prop (jsii languages and JavaScript can pass it) is read as 'absent'", () => {
    test.each([
      'binaryPath', 'binaryArgs', 'containerName', 'readOnly', 'environment', 'secrets', 'capabilities',
      'dependencyCondition', 'command', 'logging', 'cpuArchitectures',
    ])('%s: null', prop => {
      const enforcer = new Enforcer({ image, [prop]: null } as any);
      const defaults = new Enforcer({ image });
      expect((enforcer as any)[prop]).toEqual((defaults as any)[prop]);
    });

    test('the Aqua preset with null environment and secrets', () => {
      const token = secret();
      const enforcer = Enforcer.aquaMicroEnforcer({ image, server: 'gw:8443', token, environment: null, secrets: null } as any);
      expect(enforcer.environment).toEqual({ AQUA_MICROENFORCER: '1', AQUA_SERVER: 'gw:8443' });
      expect(enforcer.secrets).toEqual({ AQUA_TOKEN: token });
    });

    test('required props missing or null: an error naming the prop, never a TypeError', () => {
      expect(() => new Enforcer(undefined as any)).toThrow(/^Enforcer: props are required, at least \{ image \}$/);
      expect(() => new Enforcer({ image: null } as any)).toThrow(/^Enforcer: 'image' is required: the enforcer image as an ecs.ContainerImage.*got null$/);
      expect(() => Enforcer.aquaMicroEnforcer(null as any)).toThrow(/props are required: \{ image, server, token \}/);
      expect(() => Enforcer.aquaMicroEnforcer({ image, server: null, token: secret() } as any)).toThrow(/'server' is required: the Aqua gateway as host:port.*got null/);
      expect(() => Enforcer.aquaMicroEnforcer({ image, server: 'gw:8443', token: null } as any)).toThrow(/'token' is required: the deployment token as an ecs.Secret.*got null/);
      expect(() => Enforcer.aquaMicroEnforcer({ image, server: 'gw:8443', token: 'plain-token' } as any)).toThrow(/'token' is required: the deployment token as an ecs.Secret.*got "plain-token"/);
    });

    test.each([
      ['a null element of binaryArgs', { binaryArgs: ['a', null] }, /'binaryArgs\[1\]' must be a string, got null/],
      ['a null element of command', { command: ['run', null] }, /'command\[1\]' must be a string, got null/],
      ['a null environment value', { environment: { A: null } }, /'environment.A' must be string, got null/],
      ['a secret that is a plain string', { secrets: { S: 'arn:aws:secretsmanager:...' } }, /'secrets.S' must be ecs.Secret value, got "arn:aws:secretsmanager:..."/],
      ['environment given as a list', { environment: ['A=1'] }, /'environment' must be a map of names to strings, got \["A=1"\]/],
      ['a string for cpuArchitectures', { cpuArchitectures: 'ARM64' }, /'cpuArchitectures' must be a list of ecs.CpuArchitecture values .*got "ARM64"/],
      ['a string for readOnly', { readOnly: 'false' }, /'readOnly' must be true or false, got "false"/],
      ['an unknown dependencyCondition', { dependencyCondition: 'STARTED' }, /'dependencyCondition' must be an ecs.ContainerDependencyCondition .*got "STARTED"/],
    ])('%s: an error naming the prop and the value', (_name, props, message) => {
      expect(() => new Enforcer({ image, ...props } as any)).toThrow(message);
    });
  });

  describe('binaryPath must name the file inside the volume as written', () => {
    test.each([
      ['/aqua/../microenforcer', '/microenforcer'],
      ['/aqua/../etc/microenforcer', '/etc/microenforcer'],
      ['/aqua/./microenforcer', '/aqua/microenforcer'],
      ['/aqua//microenforcer', '/aqua/microenforcer'],
      ['/aqua/bin/../microenforcer', '/aqua/microenforcer'],
    ])('%s is refused', (binaryPath, normal) => {
      const message = normal.lastIndexOf('/') === 0
        ? /'binaryPath' must be an absolute path to a file inside a volume directory/
        : new RegExp(`'binaryPath' must be a plain absolute path without '.', '..' or '//' segments, got "${binaryPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"; write it as "${normal.replace(/\//g, '\\/')}"`);
      expect(() => new Enforcer({ image, binaryPath })).toThrow(message);
    });
    test('a control character is refused', () => {
      expect(() => new Enforcer({ image, binaryPath: '/aqua/micro\nenforcer' })).toThrow(/'binaryPath' must be an absolute path .*got "\/aqua\/micro\\nenforcer"/);
    });
    test('names with dots that are not segments are fine', () => {
      expect(new Enforcer({ image, binaryPath: '/opt/.aquasec/bin..x/micro.enforcer' }).binaryPath).toBe('/opt/.aquasec/bin..x/micro.enforcer');
    });
  });

  describe('list tokens in binaryArgs are refused, naming the prop', () => {
    test.each([
      ['a Lazy.list', () => Lazy.list({ produce: () => ['fargate', 'entrypoint'] })],
      ['an Fn.split of a token', () => Fn.split(',', Lazy.string({ produce: () => 'a,b' }))],
      ['a list token spread among elements', () => ['fargate', ...Lazy.list({ produce: () => [] })]],
    ])('%s', (_name, binaryArgs) => {
      expect(() => new Enforcer({ image, binaryArgs: binaryArgs() }))
        .toThrow(/^Enforcer: 'binaryArgs' is \(or holds\) a list token .*give 'binaryArgs' as a list of elements \(each element may be a token\)$/);
    });
    test('a token containerName is refused: a clash with it could not be found at synthesis', () => {
      expect(() => new Enforcer({ image, containerName: Lazy.string({ produce: () => 'enforcer' }) }))
        .toThrow(/'containerName' is a token .*known only at deployment, so a clash with another container's name could not be found; give a plain name/);
    });
    test('a token element is fine', () => {
      const arg = Lazy.string({ produce: () => 'fargate' });
      expect(new Enforcer({ image, binaryArgs: [arg, 'entrypoint'] }).entryPointPrefix).toEqual(['/aqua/microenforcer', arg, 'entrypoint']);
    });
    test("the sidecar's own command may be a list token (aws-cdk-lib renders it whole)", () => {
      const command = Lazy.list({ produce: () => ['start'] });
      expect(new Enforcer({ image, command }).command).toEqual(command);
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

    test.each([
      ['port 0', 'gw:0', /its port "0" is not a number from 1 to 65535/],
      ['port 65536', 'gw:65536', /its port "65536" is not a number from 1 to 65535/],
      ['port 99999', 'gw:99999', /its port "99999" is not a number from 1 to 65535/],
      ['no port', 'gw', /it has no port/],
      ['a host with a user part', 'user@gw:8443', /its host "user@gw" is not a host name/],
      ['a host with a query', 'gw?x=1:8443', /its host "gw\?x=1" is not a host name/],
      ['an empty host', ':8443', /its host "" is not a host name/],
    ])('rejects a server with %s', (_name, server, message) => {
      expect(() => Enforcer.aquaMicroEnforcer({ image, server, token: secret() })).toThrow(message);
    });

    test.each(['gw:1', 'gw:65535', '10.0.0.5:8443', '[fd00::5]:8443', 'aqua-gateway.internal:08443'])('accepts %s', server => {
      expect(Enforcer.aquaMicroEnforcer({ image, server, token: secret() }).environment.AQUA_SERVER).toBe(server);
    });

    test('checks the port of a server whose host is a token', () => {
      const host = Lazy.string({ produce: () => 'gw' });
      expect(() => Enforcer.aquaMicroEnforcer({ image, server: `${host}:70000`, token: secret() })).toThrow(/its port "70000" is not a number from 1 to 65535/);
      expect(Enforcer.aquaMicroEnforcer({ image, server: `${host}:8443`, token: secret() }).environment.AQUA_SERVER).toBe(`${host}:8443`);
    });

    test('rejects AQUA_SERVER in environment even when its value is null', () => {
      expect(() => Enforcer.aquaMicroEnforcer({ image, server: 'gw:8443', token: secret(), environment: { AQUA_SERVER: null } } as any))
        .toThrow(/'AQUA_SERVER' is set by the preset/);
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
