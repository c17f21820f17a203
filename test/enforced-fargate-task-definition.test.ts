import { App, Aspects, CfnParameter, Fn, IAspect, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { EnforcedFargateTaskDefinition, EnforcedFargateTaskDefinitionProps, Enforcer, EnforcerOptions } from '../lib';

const NGINX = 'nginx:1.27';
const NGINX_DEFAULTS = { entryPoint: ['/docker-entrypoint.sh'], command: ['nginx', '-g', 'daemon off;'] };

interface Fixture {
  readonly app: App;
  readonly stack: Stack;
  readonly task: EnforcedFargateTaskDefinition;
  readonly tokenSecret: secretsmanager.Secret;
}

function fixture(options: EnforcerOptions & { aqua?: boolean } = {}, props: Partial<EnforcedFargateTaskDefinitionProps> = {}, context?: object): Fixture {
  const app = new App({ context: context as any });
  const stack = new Stack(app, 'Stack');
  const tokenSecret = new secretsmanager.Secret(stack, 'AquaToken');
  const image = ecs.ContainerImage.fromRegistry('registry.example.com/microenforcer:2022.4');
  const enforcer = options.aqua === false
    ? new Enforcer({ image, ...options })
    : Enforcer.aquaMicroEnforcer({ image, server: 'aqua-gateway.internal:8443', token: ecs.Secret.fromSecretsManager(tokenSecret), ...options });
  const task = new EnforcedFargateTaskDefinition(stack, 'Task', {
    cpu: 512,
    memoryLimitMiB: 1024,
    enforcer,
    imageDefaults: { [NGINX]: NGINX_DEFAULTS },
    ...props,
  });
  return { app, stack, task, tokenSecret };
}

/** The synthesized container definitions of the only task definition in the stack, by name. */
function containers(stack: Stack): { [name: string]: any } {
  const tasks = Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition');
  const [task] = Object.values(tasks);
  return Object.fromEntries(task.Properties.ContainerDefinitions.map((c: any) => [c.Name, c]));
}

function errorsOf(stack: Stack): RegExp | string {
  try {
    Template.fromStack(stack);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('enforced fargate task definition', () => {
  describe('the enforcer sidecar', () => {
    test('is non-essential, read-only, costs nothing and logs to CloudWatch', () => {
      // GIVEN
      const { stack, task } = fixture();
      // WHEN
      task.addContainer('nginx', { image: ecs.ContainerImage.fromRegistry(NGINX) });
      // THEN
      const sidecar = containers(stack).enforcer;
      expect(sidecar.LogConfiguration.Options['awslogs-group'].Ref).toMatch(/^TaskEnforcerSidecarLogGroup/);
      sidecar.LogConfiguration.Options['awslogs-group'] = 'checked above';
      expect(sidecar).toEqual({
        Name: 'enforcer',
        Image: 'registry.example.com/microenforcer:2022.4',
        Essential: false,
        ReadonlyRootFilesystem: true,
        Cpu: 0,
        // The label contract: the template says which container is the enforcer and how it delivers.
        DockerLabels: {
          'cdk-enforced-fargate.role': 'enforcer',
          'cdk-enforced-fargate.binary': '/aqua/microenforcer',
          'cdk-enforced-fargate.delivery': 'volumes-from',
        },
        LogConfiguration: {
          LogDriver: 'awslogs',
          Options: {
            'awslogs-group': 'checked above',
            'awslogs-stream-prefix': 'enforcer',
            'awslogs-region': { Ref: 'AWS::Region' },
          },
        },
      });
      expect(task.enforcerContainer.containerName).toBe('enforcer');
      expect(task.enforcerContainer.essential).toBe(false);
      // The task size is the user's: the sidecar reserves nothing.
      Template.fromStack(stack).hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '512', Memory: '1024' });
    });

    test('takes its name, command and log driver from the enforcer', () => {
      const { stack, task } = fixture({ containerName: 'aqua', command: ['/bin/true'], logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'security' }) });
      task.addContainer('nginx', { image: ecs.ContainerImage.fromRegistry(NGINX) });
      const all = containers(stack);
      expect(all.aqua).toMatchObject({ Name: 'aqua', Command: ['/bin/true'], Essential: false });
      expect(all.aqua.LogConfiguration.Options['awslogs-stream-prefix']).toBe('security');
      expect(all.nginx.VolumesFrom).toEqual([{ SourceContainer: 'aqua', ReadOnly: true }]);
      expect(all.nginx.DependsOn).toEqual([{ ContainerName: 'aqua', Condition: 'START' }]);
    });

    test('is not the default container, so patterns route traffic to the app', () => {
      const { task } = fixture();
      const nginx = task.addContainer('nginx', { image: ecs.ContainerImage.fromRegistry(NGINX) });
      expect(task.defaultContainer).toBe(nginx);
    });
  });

  describe('a protected container', () => {
    test('gets the volume, the dependency, the environment, the secret and the rewritten entry point', () => {
      // GIVEN
      const { stack, task } = fixture();
      // WHEN
      task.addContainer('nginx', {
        image: ecs.ContainerImage.fromRegistry(NGINX),
        command: ['nginx', '-g', 'daemon off;'],
        portMappings: [{ containerPort: 80 }],
        environment: { NGINX_PORT: '80' },
      });
      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::ECS::TaskDefinition', {
        ContainerDefinitions: Match.arrayWith([Match.objectLike({
          Name: 'nginx',
          EntryPoint: ['/aqua/microenforcer', '/docker-entrypoint.sh'],
          Command: ['nginx', '-g', 'daemon off;'],
          VolumesFrom: [{ SourceContainer: 'enforcer', ReadOnly: true }],
          DependsOn: [{ ContainerName: 'enforcer', Condition: 'START' }],
          Environment: [
            { Name: 'NGINX_PORT', Value: '80' },
            { Name: 'AQUA_MICROENFORCER', Value: '1' },
            { Name: 'AQUA_SERVER', Value: 'aqua-gateway.internal:8443' },
          ],
          Secrets: [{ Name: 'AQUA_TOKEN', ValueFrom: { Ref: Match.stringLikeRegexp('^AquaToken') } }],
          PortMappings: [{ ContainerPort: 80, Protocol: 'tcp' }],
          Essential: true,
        })]),
      });
    });

    test.each([
      ['entryPoint and command', { entryPoint: ['/app', '--flag'], command: ['serve', 'a b'] }, ['/aqua/microenforcer', '/app', '--flag'], ['serve', 'a b']],
      ['entryPoint only', { entryPoint: ['/app'] }, ['/aqua/microenforcer', '/app'], undefined],
      ['command only', { command: ['nginx', '-T'] }, ['/aqua/microenforcer', '/docker-entrypoint.sh'], ['nginx', '-T']],
      ['neither', {}, ['/aqua/microenforcer', '/docker-entrypoint.sh'], ['nginx', '-g', 'daemon off;']],
    ])('the argv case "%s" follows Docker\'s merge rule', (_case, argv, entryPoint, command) => {
      const { stack, task } = fixture();
      task.addContainer('nginx', { image: ecs.ContainerImage.fromRegistry(NGINX), ...argv });
      const nginx = containers(stack).nginx;
      expect(nginx.EntryPoint).toEqual(entryPoint);
      expect(nginx.Command).toEqual(command);
    });

    test('fixed enforcer arguments sit between the binary and the program', () => {
      const { stack, task } = fixture({ aqua: false, binaryPath: '/var/lib/twistlock/fargate/defender', binaryArgs: ['fargate', 'entrypoint'] });
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      expect(containers(stack).app.EntryPoint).toEqual(['/var/lib/twistlock/fargate/defender', 'fargate', 'entrypoint', '/app']);
    });

    test('readOnly false and another dependency condition are honoured', () => {
      const { stack, task } = fixture({ readOnly: false, dependencyCondition: ecs.ContainerDependencyCondition.COMPLETE });
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      const app = containers(stack).app;
      expect(app.VolumesFrom).toEqual([{ SourceContainer: 'enforcer', ReadOnly: false }]);
      expect(app.DependsOn).toEqual([{ ContainerName: 'enforcer', Condition: 'COMPLETE' }]);
    });

    test("the caller's arrays are not mutated", () => {
      const { stack, task } = fixture();
      const entryPoint = ['/app'];
      const command = ['serve'];
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint, command });
      Template.fromStack(stack);
      expect(entryPoint).toEqual(['/app']);
      expect(command).toEqual(['serve']);
    });

    test('tokens in entry points stay intact', () => {
      const { stack, task } = fixture();
      const port = new CfnParameter(stack, 'Port', { type: 'String' });
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app', port.valueAsString], command: ['--region', stack.region] });
      const app = containers(stack).app;
      expect(app.EntryPoint).toEqual(['/aqua/microenforcer', '/app', { Ref: 'Port' }]);
      expect(app.Command).toEqual(['--region', { Ref: 'AWS::Region' }]);
    });

    test('a whole-list token command passes through when entryPoint is set', () => {
      const { stack, task } = fixture();
      const args = new CfnParameter(stack, 'Args', { type: 'CommaDelimitedList' });
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'], command: args.valueAsList });
      const app = containers(stack).app;
      expect(app.EntryPoint).toEqual(['/aqua/microenforcer', '/app']);
      expect(app.Command).toEqual({ Ref: 'Args' });
    });

    test('an entry point that already starts the enforcer is not wrapped twice, and synthesizing twice changes nothing', () => {
      const { app, stack, task } = fixture();
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/aqua/microenforcer', '/app'] });
      task.addContainer('web', { image: ecs.ContainerImage.fromRegistry(NGINX) });
      app.synth();
      const first = containers(stack);
      const second = containers(stack);
      expect(first.app.EntryPoint).toEqual(['/aqua/microenforcer', '/app']);
      expect(second.web.EntryPoint).toEqual(['/aqua/microenforcer', '/docker-entrypoint.sh']);
      expect(second).toEqual(first);
    });

    test('a volumesFrom and a dependency the user already added are not duplicated', () => {
      const { stack, task } = fixture();
      const app = task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      app.addVolumesFrom({ sourceContainer: 'enforcer', readOnly: true });
      app.addContainerDependencies({ container: task.enforcerContainer, condition: ecs.ContainerDependencyCondition.START });
      const rendered = containers(stack).app;
      expect(rendered.VolumesFrom).toHaveLength(1);
      expect(rendered.DependsOn).toHaveLength(1);
    });
  });

  describe('every container of the task is covered, however it was added', () => {
    test('addContainer, a ContainerDefinition in another scope, and a container added after construction', () => {
      const { stack, task } = fixture();
      task.addContainer('first', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/first'] });
      const elsewhere = new Construct(stack, 'Elsewhere');
      new ecs.ContainerDefinition(elsewhere, 'Second', { taskDefinition: task, image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/second'] });
      task.addContainer('third', { image: ecs.ContainerImage.fromRegistry(NGINX) });
      const all = containers(stack);
      expect(all.first.EntryPoint).toEqual(['/aqua/microenforcer', '/first']);
      expect(all.Second.EntryPoint).toEqual(['/aqua/microenforcer', '/second']);
      expect(all.third.EntryPoint).toEqual(['/aqua/microenforcer', '/docker-entrypoint.sh']);
      for (const name of ['first', 'Second', 'third']) {
        expect(all[name].VolumesFrom).toEqual([{ SourceContainer: 'enforcer', ReadOnly: true }]);
      }
    });

    test('a container added by an Aspect that runs after the enforcement is still protected', () => {
      // aws-cdk-lib invokes Aspects again on a tree that changed, and the enforcement is idempotent.
      const { stack, task } = fixture();
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      let added = false;
      const late: IAspect = {
        visit(node: IConstruct) {
          if (node === stack && !added) {
            added = true;
            task.addContainer('late', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/late'] });
          }
        },
      };
      Aspects.of(stack).add(late, { priority: 1000 });
      const all = containers(stack);
      expect(added).toBe(true);
      expect(all.late.EntryPoint).toEqual(['/aqua/microenforcer', '/late']);
      expect(all.late.DependsOn).toEqual([{ ContainerName: 'enforcer', Condition: 'START' }]);
      expect(all.late.VolumesFrom).toEqual([{ SourceContainer: 'enforcer', ReadOnly: true }]);
      expect(all.late.Environment).toEqual(expect.arrayContaining([{ Name: 'AQUA_MICROENFORCER', Value: '1' }]));
    });

    test('the FireLens router aws-cdk-lib adds is protected like any container once its defaults are declared by name', () => {
      const { stack, task } = fixture({}, { imageDefaults: { 'log-router': { entryPoint: [], command: ['/entrypoint.sh'] } } });
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'], logging: ecs.LogDrivers.firelens({}) });
      const all = containers(stack);
      expect(Object.keys(all).sort()).toEqual(['app', 'enforcer', 'log-router']);
      expect(all['log-router'].EntryPoint).toEqual(['/aqua/microenforcer']);
      expect(all['log-router'].Command).toEqual(['/entrypoint.sh']);
      expect(all['log-router'].VolumesFrom).toEqual([{ SourceContainer: 'enforcer', ReadOnly: true }]);
    });

    test('an explicit FireLens log router is protected like any container', () => {
      const { stack, task } = fixture({}, { imageDefaults: { 'log-router': { entryPoint: [], command: ['/entrypoint.sh'] } } });
      task.addFirelensLogRouter('log-router', {
        image: ecs.ContainerImage.fromRegistry('public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4'),
        firelensConfig: { type: ecs.FirelensLogRouterType.FLUENTBIT },
      });
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'], logging: ecs.LogDrivers.firelens({}) });
      const all = containers(stack);
      expect(all['log-router'].EntryPoint).toEqual(['/aqua/microenforcer']);
      expect(all['log-router'].Command).toEqual(['/entrypoint.sh']);
      expect(all.app.EntryPoint).toEqual(['/aqua/microenforcer', '/app']);
      expect(all.app.LogConfiguration.LogDriver).toBe('awsfirelens');
    });

    test('the router aws-cdk-lib adds may be excluded by its name, and then runs unprotected with the settings aws-cdk-lib gives it (and the exclusion label)', () => {
      const { stack, task } = fixture({}, { excludedContainers: ['log-router'] });
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'], logging: ecs.LogDrivers.firelens({}) });
      // The same router aws-cdk-lib adds to a plain task definition.
      const plainStack = new Stack(new App(), 'Stack');
      const plain = new ecs.FargateTaskDefinition(plainStack, 'Task');
      plain.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'], logging: ecs.LogDrivers.firelens({}) });
      const plainRouter = containers(plainStack)['log-router'];
      const all = containers(stack);
      const { DockerLabels: labels, ...router } = all['log-router'];
      expect(labels).toEqual({ 'cdk-enforced-fargate.excluded': 'listed in excludedContainers' });
      expect(JSON.stringify(router).replace(/"Ref":"[A-Za-z0-9]+"/g, '')).toEqual(JSON.stringify(plainRouter).replace(/"Ref":"[A-Za-z0-9]+"/g, ''));
      expect(Object.keys(all).sort()).toEqual(['app', 'enforcer', 'log-router']);
      expect(all['log-router'].EntryPoint).toBeUndefined();
      expect(all['log-router'].VolumesFrom).toBeUndefined();
      expect(all.app.EntryPoint).toEqual(['/aqua/microenforcer', '/app']);
    });

    test('an excluded container is left exactly as written, apart from the label that says why', () => {
      const { stack, task } = fixture({}, { excludedContainers: ['xray'] });
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      task.addContainer('xray', { image: ecs.ContainerImage.fromRegistry('amazon/aws-xray-daemon:3.3'), essential: false });
      const xray = containers(stack).xray;
      expect(xray).toEqual({
        Name: 'xray',
        Image: 'amazon/aws-xray-daemon:3.3',
        Essential: false,
        DockerLabels: { 'cdk-enforced-fargate.excluded': 'listed in excludedContainers' },
      });
    });
  });

  describe('image defaults', () => {
    test('come from the context key by image name', () => {
      const { stack, task } = fixture({}, { imageDefaults: undefined }, {
        'cdk-enforced-fargate:imageDefaults': { 'redis:7': { entryPoint: ['docker-entrypoint.sh'], command: ['redis-server'] } },
      });
      task.addContainer('cache', { image: ecs.ContainerImage.fromRegistry('redis:7') });
      const cache = containers(stack).cache;
      expect(cache.EntryPoint).toEqual(['/aqua/microenforcer', 'docker-entrypoint.sh']);
      expect(cache.Command).toEqual(['redis-server']);
    });

    test('by container name win over the image name', () => {
      const { stack, task } = fixture({}, { imageDefaults: { [NGINX]: NGINX_DEFAULTS, special: { entryPoint: ['/special'] } } });
      task.addContainer('special', { image: ecs.ContainerImage.fromRegistry(NGINX), command: ['x'] });
      expect(containers(stack).special.EntryPoint).toEqual(['/aqua/microenforcer', '/special']);
    });
  });

  describe('environment, secrets and capabilities', () => {
    test('the execution role may read the enforcer secret once; the task role may not', () => {
      const { stack, task } = fixture();
      task.addContainer('a', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/a'] });
      task.addContainer('b', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/b'] });
      const template = Template.fromStack(stack);
      const policies = template.findResources('AWS::IAM::Policy');
      const secretStatements = Object.values(policies).flatMap((p: any) =>
        p.Properties.PolicyDocument.Statement.filter((s: any) => JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue'))
          .map((s: any) => ({ roles: p.Properties.Roles, resource: s.Resource })));
      expect(secretStatements).toHaveLength(1);
      expect(secretStatements[0].roles).toEqual([{ Ref: expect.stringMatching(/^TaskExecutionRole/) }]);
      expect(secretStatements[0].resource).toEqual({ Ref: expect.stringMatching(/^AquaToken/) });
    });

    test('the same value the enforcer needs is accepted without duplication', () => {
      const { stack, task, tokenSecret } = fixture();
      const app = task.addContainer('app', {
        image: ecs.ContainerImage.fromRegistry('app:1'),
        entryPoint: ['/app'],
        environment: { AQUA_SERVER: 'aqua-gateway.internal:8443' },
        secrets: { AQUA_TOKEN: ecs.Secret.fromSecretsManager(tokenSecret) },
      });
      expect(app).toBeDefined();
      const rendered = containers(stack).app;
      expect(rendered.Environment.filter((e: any) => e.Name === 'AQUA_SERVER')).toHaveLength(1);
      expect(rendered.Secrets).toHaveLength(1);
    });

    test("capabilities are merged into the container's own linuxParameters", () => {
      const { stack, task } = fixture({ capabilities: [ecs.Capability.SYS_PTRACE] });
      const linuxParameters = new ecs.LinuxParameters(stack, 'Lp', { initProcessEnabled: true, sharedMemorySize: 64 });
      linuxParameters.addCapabilities(ecs.Capability.CHOWN);
      task.addContainer('own', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/own'], linuxParameters });
      task.addContainer('bare', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/bare'] });
      const ptrace = new ecs.LinuxParameters(stack, 'Ptrace');
      ptrace.addCapabilities(ecs.Capability.SYS_PTRACE);
      task.addContainer('already', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/already'], linuxParameters: ptrace });
      const all = containers(stack);
      expect(all.own.LinuxParameters).toEqual({ Capabilities: { Add: ['CHOWN', 'SYS_PTRACE'] }, InitProcessEnabled: true, SharedMemorySize: 64 });
      expect(all.bare.LinuxParameters).toEqual({ Capabilities: { Add: ['SYS_PTRACE'] } });
      expect(all.already.LinuxParameters.Capabilities.Add).toEqual(['SYS_PTRACE']);
      expect(all.enforcer.LinuxParameters).toBeUndefined();
    });
  });

  describe('with other constructs', () => {
    test('ecs_patterns.ApplicationLoadBalancedFargateService runs the enforced task and targets the app', () => {
      const { stack, task } = fixture();
      task.addContainer('web', { image: ecs.ContainerImage.fromRegistry(NGINX), portMappings: [{ containerPort: 80 }] });
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
      new ecsPatterns.ApplicationLoadBalancedFargateService(stack, 'Service', {
        cluster: new ecs.Cluster(stack, 'Cluster', { vpc }),
        taskDefinition: task,
        minHealthyPercent: 100,
      });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::ECS::TaskDefinition', 1);
      template.hasResourceProperties('AWS::ECS::Service', {
        LaunchType: 'FARGATE',
        TaskDefinition: { Ref: Match.stringLikeRegexp('^Task') },
        LoadBalancers: [Match.objectLike({ ContainerName: 'web', ContainerPort: 80 })],
      });
      const all = containers(stack);
      expect(all.web.EntryPoint).toEqual(['/aqua/microenforcer', '/docker-entrypoint.sh']);
      expect(all.web.Command).toEqual(['nginx', '-g', 'daemon off;']);
      expect(all.enforcer.Essential).toBe(false);
    });

    test('an ARM64 task is accepted when the enforcer ships ARM64 binaries', () => {
      const { stack, task } = fixture({ cpuArchitectures: [ecs.CpuArchitecture.ARM64] }, {
        runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      });
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      Template.fromStack(stack).hasResourceProperties('AWS::ECS::TaskDefinition', { RuntimePlatform: { CpuArchitecture: 'ARM64' } });
    });
  });

  describe('warnings', () => {
    test('a task that protects nothing is flagged with an id', () => {
      const { stack, task } = fixture({}, { excludedContainers: ['sidecar'] });
      task.addContainer('sidecar', { image: ecs.ContainerImage.fromRegistry('app:1') });
      Annotations.fromStack(stack).hasWarning('/Stack/Task', Match.stringLikeRegexp('protects no container.*\\[ack: cdk-enforced-fargate:nothingProtected\\]'));
    });

    test('a task with a protected container has no warning', () => {
      const { stack, task } = fixture();
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      Annotations.fromStack(stack).hasNoWarning('/Stack/Task', Match.anyValue());
    });
  });
});

describe('enforced fargate task definition errors', () => {
  describe('bad props throw at once', () => {
    test('a Windows task', () => {
      expect(() => fixture({}, { runtimePlatform: { operatingSystemFamily: ecs.OperatingSystemFamily.WINDOWS_SERVER_2022_CORE, cpuArchitecture: ecs.CpuArchitecture.X86_64 } }))
        .toThrow(/EnforcedFargateTaskDefinition 'Task': runtimePlatform.operatingSystemFamily is WINDOWS_SERVER_2022_CORE, but Windows Fargate ignores image VOLUMEs.*use a Linux task/);
    });

    test('an enforcer without binaries for the task architecture', () => {
      expect(() => fixture({}, { runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64 } }))
        .toThrow(/the task's CPU architecture is ARM64 but the enforcer ships binaries for X86_64 only; use an enforcer image built for ARM64 and list it in the enforcer's 'cpuArchitectures'/);
    });

    test('excluding the enforcer itself', () => {
      expect(() => fixture({}, { excludedContainers: ['enforcer'] }))
        .toThrow(/excludedContainers names the enforcer sidecar 'enforcer', which is never protected anyway; remove it/);
    });

    test('malformed imageDefaults', () => {
      expect(() => fixture({}, { imageDefaults: { web: { entryPoint: '/bin/sh' as any } } }))
        .toThrow(/imageDefaults\['web'\]\.entryPoint must be a list of strings \(one argv element each\), got "\/bin\/sh"/);
    });

    test('no enforcer', () => {
      const stack = new Stack(new App(), 'S');
      expect(() => new EnforcedFargateTaskDefinition(stack, 'T', {} as any)).toThrow(/EnforcedFargateTaskDefinition 'T': 'enforcer' is required/);
    });
  });

  describe('synthesis errors name the container, the value and the fix', () => {
    test('unknown image ENTRYPOINT for a container that sets only command', () => {
      const { stack, task } = fixture();
      task.addContainer('api', { image: ecs.ContainerImage.fromRegistry('registry.example.com/api:2'), command: ['serve'] });
      expect(errorsOf(stack)).toMatch(/container 'api': sets command but no entryPoint, so the image's own ENTRYPOINT must be known .* image 'registry\.example\.com\/api:2' has none declared\. Read them from the registry with `npx cdk-enforced-fargate lookup --platform linux\/amd64 registry\.example\.com\/api:2` \(it writes cdk\.context\.json\), or declare them with imageDefaults: \{ 'registry\.example\.com\/api:2': \{ entryPoint: \[\.\.\.\] \} \}/);
    });

    test('unknown image ENTRYPOINT and CMD for a container that sets neither', () => {
      const { stack, task } = fixture();
      task.addContainer('api', { image: ecs.ContainerImage.fromRegistry('registry.example.com/api:2') });
      expect(errorsOf(stack)).toMatch(/container 'api': sets neither entryPoint nor command, so the image's own ENTRYPOINT and CMD must be known.*\{ entryPoint: \[\.\.\.\], command: \[\.\.\.\] \}.*context key 'cdk-enforced-fargate:imageDefaults'/);
    });

    test('a container that names no program', () => {
      const { stack, task } = fixture({}, { imageDefaults: { 'registry.example.com/bare:1': { entryPoint: [], command: [] } } });
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('registry.example.com/bare:1') });
      expect(errorsOf(stack)).toMatch(/container 'app': names no program: it sets neither entryPoint nor command and imageDefaults\['registry\.example\.com\/bare:1'\] declares an image with no ENTRYPOINT and no CMD, so Docker would refuse to start it; give the container a command/);
    });

    test('an empty entryPoint', () => {
      const { stack, task } = fixture();
      task.addContainer('api', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: [] });
      expect(errorsOf(stack)).toMatch(/container 'api': entryPoint is \[\] \(empty\).*leave entryPoint out, or give the program to run/);
    });

    test('a whole-list token entryPoint', () => {
      const { stack, task } = fixture();
      const line = new CfnParameter(stack, 'Line', { type: 'String' });
      task.addContainer('api', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: Fn.split(' ', line.valueAsString) });
      expect(errorsOf(stack)).toMatch(/container 'api': entryPoint is a whole-list token .* which cannot be prefixed with the enforcer binary; give entryPoint as a list of elements/);
    });

    test('a whole-list token in the image defaults', () => {
      const app = new App();
      const paramStack = new Stack(app, 'Params');
      const line = new CfnParameter(paramStack, 'Line', { type: 'String' });
      const { stack, task } = fixture({}, { imageDefaults: { api: { entryPoint: Fn.split(',', line.valueAsString) } } });
      task.addContainer('api', { image: ecs.ContainerImage.fromRegistry('app:1'), command: ['x'] });
      expect(errorsOf(stack)).toMatch(/container 'api': the image ENTRYPOINT from imageDefaults\['api'\] is a whole-list token/);
    });

    test('a container with the enforcer name', () => {
      const { stack, task } = fixture();
      task.addContainer('enforcer', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      expect(errorsOf(stack)).toMatch(/container 'enforcer' \(construct Stack\/Task\/enforcer\) has the enforcer sidecar's name; rename it, or give the enforcer another 'containerName'/);
    });

    test('more than 10 containers, the enforcer counted', () => {
      const { stack, task } = fixture();
      for (let i = 0; i < 10; i++) task.addContainer(`c${i}`, { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      expect(errorsOf(stack)).toMatch(/the task has 11 containers \(enforcer, c0, .*c9\), but ECS allows 10 per task definition and the enforcer sidecar counts \(and so does a FireLens log router\); move containers to another task/);
    });

    test('a pending FireLens router counts towards the limit', () => {
      const { stack, task } = fixture({}, { excludedContainers: ['log-router'] });
      for (let i = 0; i < 9; i++) task.addContainer(`c${i}`, { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'], logging: ecs.LogDrivers.firelens({}) });
      expect(errorsOf(stack)).toMatch(/the task has 11 containers \(enforcer, c0, .*c8, log-router\), but ECS allows 10 per task definition/);
    });

    test('the FireLens router aws-cdk-lib adds, neither declared nor excluded', () => {
      const { stack, task } = fixture();
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'], logging: ecs.LogDrivers.firelens({}) });
      expect(errorsOf(stack)).toMatch(/container 'log-router': is the FireLens log router that aws-cdk-lib adds by itself \(for the awsfirelens log driver of container 'app'\), and the ENTRYPOINT and CMD of its image \(aws-cdk-lib's default, named by an SSM parameter and known only at deployment\) are unknown, so it cannot be started under the enforcer\. Either exclude it with excludedContainers: \['log-router'\] .*or declare its image's defaults with imageDefaults: \{ 'log-router': \{ entryPoint: \[\.\.\.\], command: \[\.\.\.\] \} \}/);
    });

    test('an excluded name that matches no container', () => {
      const { stack, task } = fixture({}, { excludedContainers: ['xray-daemon'] });
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      expect(errorsOf(stack)).toMatch(/excludedContainers names 'xray-daemon', which matches no container of the task \(containers: enforcer, app\); fix the name or remove it/);
    });

    test('an environment clash with a different value', () => {
      const { stack, task } = fixture();
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'], environment: { AQUA_SERVER: 'other:1' } });
      expect(errorsOf(stack)).toMatch(/container 'app': sets environment 'AQUA_SERVER' to "other:1", but the enforcer needs "aqua-gateway\.internal:8443"; remove it from the container or give the same value/);
    });

    test('a secret clash with another source', () => {
      const { stack, task } = fixture();
      const other = new secretsmanager.Secret(stack, 'Other');
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'], secrets: { AQUA_TOKEN: ecs.Secret.fromSecretsManager(other) } });
      expect(errorsOf(stack)).toMatch(/container 'app': sets secret 'AQUA_TOKEN' from a different source than the enforcer's/);
    });

    test('a plain variable where the enforcer needs a secret, and the reverse', () => {
      const { stack, task, tokenSecret } = fixture();
      task.addContainer('a', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/a'], environment: { AQUA_TOKEN: 'plain' } });
      task.addContainer('b', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/b'], secrets: { AQUA_SERVER: ecs.Secret.fromSecretsManager(tokenSecret) } });
      const errors = errorsOf(stack);
      expect(errors).toMatch(/container 'a': sets 'AQUA_TOKEN' as a plain variable, but the enforcer needs it as a secret/);
      expect(errors).toMatch(/container 'b': sets 'AQUA_SERVER' as a secret, but the enforcer sets it as a plain variable/);
    });

    test('a volumesFrom the enforcer with the other readOnly', () => {
      const { stack, task } = fixture();
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] }).addVolumesFrom({ sourceContainer: 'enforcer', readOnly: false });
      expect(errorsOf(stack)).toMatch(/container 'app': already mounts volumes from 'enforcer' with readOnly false, but the enforcer is configured with readOnly true/);
    });

    test('a dependency on the enforcer with another condition', () => {
      const { stack, task } = fixture();
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] })
        .addContainerDependencies({ container: task.enforcerContainer, condition: ecs.ContainerDependencyCondition.SUCCESS });
      expect(errorsOf(stack)).toMatch(/container 'app': already depends on 'enforcer' with condition SUCCESS, but the enforcer is configured with START/);
    });

    test('dropping a capability the enforcer needs', () => {
      const { stack, task } = fixture({ capabilities: [ecs.Capability.SYS_PTRACE] });
      const linuxParameters = new ecs.LinuxParameters(stack, 'Lp');
      linuxParameters.dropCapabilities(ecs.Capability.ALL);
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'], linuxParameters });
      expect(errorsOf(stack)).toMatch(/container 'app': linuxParameters drops SYS_PTRACE, which the enforcer needs; stop dropping it/);
    });

    test('a container added after the enforcement ran (here: during validation) is refused', () => {
      const { stack, task } = fixture();
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      stack.node.addValidation({
        validate: () => {
          task.addContainer('sneaky', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/sneaky'] });
          return [];
        },
      });
      expect(errorsOf(stack)).toMatch(/container 'sneaky' was added to the task after the enforcement ran \(during synthesis\), so it cannot be protected; add it before synthesis/);
    });

    test('a malformed context key', () => {
      const { stack, task } = fixture({}, { imageDefaults: undefined }, { 'cdk-enforced-fargate:imageDefaults': ['nginx'] });
      task.addContainer('api', { image: ecs.ContainerImage.fromRegistry('app:1'), command: ['x'] });
      expect(errorsOf(stack)).toMatch(/context 'cdk-enforced-fargate:imageDefaults' must be an object keyed by image reference, got \["nginx"\]/);
    });

    test('no template is produced when a container cannot be protected', () => {
      const { app, task } = fixture();
      task.addContainer('api', { image: ecs.ContainerImage.fromRegistry('registry.example.com/api:2') });
      expect(() => app.synth()).toThrow(/Validation failed with the following errors:[\s\S]*container 'api'/);
    });
  });
});
