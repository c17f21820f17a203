import * as path from 'path';
import { App, Aspects, CfnResource, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cfninc from 'aws-cdk-lib/cloudformation-include';
import { Construct } from 'constructs';
import { EnforcedFargateTaskDefinition, EnforceFargateTasks, EnforceFargateTasksProps, Enforcer } from '../lib';

const BINARY = '/aqua/microenforcer';
const NGINX = 'nginx:1.27';
const NGINX_DEFAULTS = { entryPoint: ['/docker-entrypoint.sh'], command: ['nginx', '-g', 'daemon off;'] };
const TWO_TASKS = path.join(__dirname, 'fixtures', 'templates', 'two-tasks.json');
const SIDECAR_LABELS = {
  'cdk-enforced-fargate.role': 'enforcer',
  'cdk-enforced-fargate.binary': BINARY,
  'cdk-enforced-fargate.delivery': 'volumes-from',
};

function enforcerIn(stack: Stack): Enforcer {
  const token = new secretsmanager.Secret(stack, 'AquaToken');
  return Enforcer.aquaMicroEnforcer({
    image: ecs.ContainerImage.fromRegistry('registry.example.com/microenforcer:2022.4'),
    server: 'aqua-gateway.internal:8443',
    token: ecs.Secret.fromSecretsManager(token),
  });
}

function protect(scope: Construct, enforcer: Enforcer, props: Partial<EnforceFargateTasksProps> = {}): void {
  Aspects.of(scope).add(new EnforceFargateTasks({ enforcer, imageDefaults: { [NGINX]: NGINX_DEFAULTS }, ...props }));
}

/** Every task definition of a template, by logical id, with its containers by name. */
function tasksOf(stack: Stack): { [id: string]: { [name: string]: any } } {
  const tasks = Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition');
  return Object.fromEntries(Object.entries(tasks).map(([id, t]: [string, any]) =>
    [id, Object.fromEntries(t.Properties.ContainerDefinitions.map((c: any) => [c.Name, c]))]));
}

function errorsOf(stack: Stack): string {
  try {
    Template.fromStack(stack);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

/** The checks of a protected container, the same for every path into the core. */
function expectProtected(container: any, entryPoint: string[], command?: string[]) {
  expect(container.EntryPoint).toEqual(entryPoint);
  if (command !== undefined) expect(container.Command).toEqual(command);
  expect(container.VolumesFrom).toEqual([{ SourceContainer: 'enforcer', ReadOnly: true }]);
  expect(container.DependsOn).toEqual(expect.arrayContaining([{ ContainerName: 'enforcer', Condition: 'START' }]));
  expect(container.Environment).toEqual(expect.arrayContaining([{ Name: 'AQUA_MICROENFORCER', Value: '1' }]));
  expect(container.Secrets).toEqual(expect.arrayContaining([{ Name: 'AQUA_TOKEN', ValueFrom: expect.anything() }]));
}

function expectSidecar(sidecar: any) {
  expect(sidecar).toMatchObject({ Essential: false, ReadonlyRootFilesystem: true, Cpu: 0, DockerLabels: SIDECAR_LABELS });
  expect(sidecar.LogConfiguration.LogDriver).toBe('awslogs');
}

function network(stack: Stack) {
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  return new ecs.Cluster(stack, 'Cluster', { vpc });
}

describe('EnforceFargateTasks', () => {
  describe('ecs_patterns built from taskImageOptions', () => {
    test('ALB and NLB services: the pattern container is wrapped and the load balancer still targets it', () => {
      // GIVEN
      const app = new App();
      const stack = new Stack(app, 'Patterns');
      const cluster = network(stack);
      new ecsPatterns.ApplicationLoadBalancedFargateService(stack, 'Alb', {
        cluster, minHealthyPercent: 100, taskImageOptions: { image: ecs.ContainerImage.fromRegistry(NGINX) },
      });
      new ecsPatterns.NetworkLoadBalancedFargateService(stack, 'Nlb', {
        cluster, minHealthyPercent: 100, taskImageOptions: { image: ecs.ContainerImage.fromRegistry(NGINX) },
      });
      // WHEN
      protect(app, enforcerIn(stack));
      // THEN
      const tasks = tasksOf(stack);
      expect(Object.keys(tasks)).toHaveLength(2);
      const [alb, nlb] = [Object.entries(tasks).find(([id]) => id.startsWith('Alb'))![1], Object.entries(tasks).find(([id]) => id.startsWith('Nlb'))![1]];
      expectProtected(alb.web, [BINARY, '/docker-entrypoint.sh'], ['nginx', '-g', 'daemon off;']);
      expectProtected(nlb.web, [BINARY, '/docker-entrypoint.sh'], ['nginx', '-g', 'daemon off;']);
      expectSidecar(alb.enforcer);
      expectSidecar(nlb.enforcer);
      const template = Template.fromStack(stack);
      template.resourcePropertiesCountIs('AWS::ECS::Service', { LoadBalancers: [Match.objectLike({ ContainerName: 'web', ContainerPort: 80 })] }, 2);
    });

    test('QueueProcessingFargateService and ScheduledFargateTask', () => {
      const app = new App();
      const stack = new Stack(app, 'Queue');
      const cluster = network(stack);
      new ecsPatterns.QueueProcessingFargateService(stack, 'Queue', {
        cluster, minHealthyPercent: 100, image: ecs.ContainerImage.fromRegistry('registry.example.com/worker:1'), command: ['work'],
      });
      new ecsPatterns.ScheduledFargateTask(stack, 'Nightly', {
        cluster,
        schedule: events.Schedule.expression('rate(1 day)'),
        subnetSelection: { subnetType: ec2.SubnetType.PUBLIC },
        scheduledFargateTaskImageOptions: { image: ecs.ContainerImage.fromRegistry('registry.example.com/batch:1'), command: ['run'] },
      });
      protect(app, enforcerIn(stack), {
        imageDefaults: { 'registry.example.com/worker:1': { entryPoint: ['/entry'] }, 'registry.example.com/batch:1': { entryPoint: [] } },
      });
      const tasks = Object.values(tasksOf(stack));
      expect(tasks).toHaveLength(2);
      const queue = tasks.find(t => t.QueueProcessingContainer)!;
      const nightly = tasks.find(t => t.ScheduledContainer)!;
      expectProtected(queue.QueueProcessingContainer, [BINARY, '/entry'], ['work']);
      expectProtected(nightly.ScheduledContainer, [BINARY], ['run']);
      expectSidecar(queue.enforcer);
      expectSidecar(nightly.enforcer);
    });
  });

  test('a third-party construct that makes its own task definition, with a container added in another scope', () => {
    class ThirdPartyWorker extends Construct {
      public readonly taskDefinition: ecs.FargateTaskDefinition;
      constructor(scope: Construct, id: string) {
        super(scope, id);
        this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', { cpu: 256, memoryLimitMiB: 512 });
        this.taskDefinition.addContainer('main', { image: ecs.ContainerImage.fromRegistry('vendor/worker:3'), entryPoint: ['/bin/worker'], command: ['--fast'] });
      }
    }
    const app = new App();
    const stack = new Stack(app, 'ThirdParty');
    const worker = new ThirdPartyWorker(stack, 'Worker');
    new ecs.ContainerDefinition(new Construct(stack, 'Elsewhere'), 'Helper', {
      taskDefinition: worker.taskDefinition, image: ecs.ContainerImage.fromRegistry(NGINX),
    });
    protect(app, enforcerIn(stack));
    const [task] = Object.values(tasksOf(stack));
    expectProtected(task.main, [BINARY, '/bin/worker'], ['--fast']);
    expectProtected(task.Helper, [BINARY, '/docker-entrypoint.sh'], ['nginx', '-g', 'daemon off;']);
  });

  test('a container another Aspect adds after the task was visited is protected too', () => {
    const app = new App();
    const stack = new Stack(app, 'Late');
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
    let added = false;
    Aspects.of(stack).add({
      visit(node) {
        if (node === task && !added) {
          added = true;
          task.addContainer('late', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/late'] });
        }
      },
    }, { priority: 1000 });
    protect(app, enforcerIn(stack));
    const [containers] = Object.values(tasksOf(stack));
    expect(added).toBe(true);
    expectProtected(containers.late, [BINARY, '/late']);
  });

  test('TaskDefinition with EC2_AND_FARGATE is protected; EC2-only tasks are left alone', () => {
    const app = new App();
    const stack = new Stack(app, 'Compat');
    const both = new ecs.TaskDefinition(stack, 'Both', { compatibility: ecs.Compatibility.EC2_AND_FARGATE, cpu: '256', memoryMiB: '512', networkMode: ecs.NetworkMode.AWS_VPC });
    both.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'], memoryLimitMiB: 256 });
    const ec2Only = new ecs.Ec2TaskDefinition(stack, 'Ec2Only');
    ec2Only.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'], memoryLimitMiB: 256 });
    protect(app, enforcerIn(stack));
    const tasks = tasksOf(stack);
    const bothTask = Object.entries(tasks).find(([id]) => id.startsWith('Both'))![1];
    const ec2Task = Object.entries(tasks).find(([id]) => id.startsWith('Ec2Only'))![1];
    expectProtected(bothTask.app, [BINARY, '/app']);
    expect(Object.keys(ec2Task)).toEqual(['app']);
    expect(ec2Task.app.EntryPoint).toEqual(['/app']);
  });

  describe('a task is never wrapped twice', () => {
    test('an EnforcedFargateTaskDefinition keeps its own enforcer: the subclass wins over the Aspect', () => {
      const app = new App();
      const stack = new Stack(app, 'Twice');
      const own = new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/own:1'), binaryPath: '/own/bin' });
      const task = new EnforcedFargateTaskDefinition(stack, 'Task', { enforcer: own });
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      protect(app, enforcerIn(stack));
      const [containers] = Object.values(tasksOf(stack));
      expect(Object.keys(containers).sort()).toEqual(['app', 'enforcer']);
      expect(containers.app.EntryPoint).toEqual(['/own/bin', '/app']);
      expect(containers.app.VolumesFrom).toHaveLength(1);
    });

    test('two Aspects: the first to reach the task wins', () => {
      const app = new App();
      const stack = new Stack(app, 'TwoAspects');
      const task = new ecs.FargateTaskDefinition(stack, 'Task');
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      const enforcer = enforcerIn(stack);
      protect(app, enforcer);
      protect(stack, new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/other:1'), binaryPath: '/other/bin', containerName: 'other' }));
      const [containers] = Object.values(tasksOf(stack));
      expect(Object.keys(containers).sort()).toEqual(['app', 'enforcer']);
      expect(containers.app.EntryPoint).toEqual([BINARY, '/app']);
    });

    test('a CfnInclude of a template that is enforced already is left as it is', () => {
      const first = new App();
      const source = new Stack(first, 'Source');
      new cfninc.CfnInclude(source, 'Inc', { templateFile: TWO_TASKS });
      protect(first, enforcerIn(source), { excludedContainers: ['xray'], imageDefaults: { [NGINX]: NGINX_DEFAULTS } });
      const enforcedTemplate = Template.fromStack(source).toJSON();
      const file = path.join(require('os').tmpdir(), `cef-enforced-${process.pid}.json`);
      // The synthesized template, without what CDK adds to every stack (it would be added twice).
      const { BootstrapVersion: _b, ...parameters } = enforcedTemplate.Parameters;
      const { Rules: _r, ...included } = enforcedTemplate;
      require('fs').writeFileSync(file, JSON.stringify({ ...included, Parameters: parameters }));
      const app = new App();
      const stack = new Stack(app, 'Again');
      new cfninc.CfnInclude(stack, 'Inc', { templateFile: file });
      protect(app, new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/me:2') }));
      const again = Template.fromStack(stack).toJSON();
      for (const id of ['WebTask', 'WorkerTask']) {
        expect(again.Resources[id].Properties.ContainerDefinitions).toEqual(enforcedTemplate.Resources[id].Properties.ContainerDefinitions);
      }
    });
  });

  describe('exemptions carry a reason into the template and the summary', () => {
    test('an exempt L2 task and an exempt CfnInclude task are labelled, not wrapped', () => {
      const app = new App();
      const stack = new Stack(app, 'Exempt');
      const task = new ecs.FargateTaskDefinition(stack, 'Legacy');
      task.addContainer('old', { image: ecs.ContainerImage.fromRegistry('legacy:1') });
      const inc = new cfninc.CfnInclude(stack, 'Inc', { templateFile: TWO_TASKS });
      EnforceFargateTasks.exempt(task, 'vendor-certified image, ticket SEC-42');
      EnforceFargateTasks.exempt(inc.getResource('WorkerTask'), 'batch job isolated in its own account');
      protect(app, enforcerIn(stack));
      const tasks = tasksOf(stack);
      const legacy = Object.entries(tasks).find(([id]) => id.startsWith('Legacy'))![1];
      expect(legacy.old.DockerLabels).toEqual({ 'cdk-enforced-fargate.excluded': 'vendor-certified image, ticket SEC-42' });
      expect(legacy.old.EntryPoint).toBeUndefined();
      expect(Object.keys(legacy)).toEqual(['old']);
      expect(tasks.WorkerTask.api.DockerLabels).toEqual({ 'cdk-enforced-fargate.excluded': 'batch job isolated in its own account' });
      expect(tasks.WorkerTask.xray.DockerLabels).toEqual({ 'cdk-enforced-fargate.excluded': 'batch job isolated in its own account' });
      expect(tasks.WorkerTask.api.EntryPoint).toEqual(['/usr/local/bin/api']);
      expectProtected(tasks.WebTask.web, [BINARY, '/docker-entrypoint.sh']);
      const report = coverageOf(app, 'Exempt');
      expect(report.totals).toEqual({ tasks: 3, enforcedTasks: 1, exemptTasks: 2, protectedContainers: 1, excludedContainers: 0 });
      expect(report.tasks.filter((t: any) => t.exempt).map((t: any) => [t.path, t.exempt])).toEqual([
        ['Exempt/Inc/WorkerTask', 'batch job isolated in its own account'],
        ['Exempt/Legacy', 'vendor-certified image, ticket SEC-42'],
      ]);
    });

    test('an exemption needs a reason', () => {
      const stack = new Stack(new App(), 'S');
      expect(() => EnforceFargateTasks.exempt(stack, ' ')).toThrow(/EnforceFargateTasks.exempt\(S\): give a reason/);
    });
  });

  describe('the coverage summary', () => {
    test('an info line a person reads and a metadata entry a tool parses, per stack', () => {
      const app = new App();
      const stack = new Stack(app, 'Summary');
      const task = new ecs.FargateTaskDefinition(stack, 'Task');
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      task.addContainer('xray', { image: ecs.ContainerImage.fromRegistry('amazon/aws-xray-daemon:3.3'), essential: false });
      const other = new Stack(app, 'Other');
      new ecs.FargateTaskDefinition(other, 'Task').addContainer('web', { image: ecs.ContainerImage.fromRegistry(NGINX) });
      protect(app, enforcerIn(stack), { excludedContainers: ['xray'] });
      Annotations.fromStack(stack).hasInfo('/Summary', 'cdk-enforced-fargate coverage of Summary: 1 task definition(s) enforced, 1 container(s) protected, 1 excluded [Summary/Task/xray (listed in excludedContainers)], 0 task definition(s) exempt');
      const report = coverageOf(app, 'Summary');
      expect(report).toEqual({
        version: 1,
        stack: 'Summary',
        totals: { tasks: 1, enforcedTasks: 1, exemptTasks: 0, protectedContainers: 1, excludedContainers: 1 },
        tasks: [{ path: 'Summary/Task', by: 'EnforceFargateTasks', protected: ['app'], excluded: [{ name: 'xray', reason: 'listed in excludedContainers' }] }],
      });
      expect(coverageOf(app, 'Other').totals.protectedContainers).toBe(1);
    });
  });

  describe('CfnInclude and raw CfnTaskDefinition', () => {
    test('both task definitions of a hand-written template are protected; grants go to the role in the template, or to a new one', () => {
      const app = new App();
      const stack = new Stack(app, 'Included');
      new cfninc.CfnInclude(stack, 'Inc', { templateFile: TWO_TASKS });
      protect(app, enforcerIn(stack), { excludedContainers: ['xray'], imageDefaults: { [NGINX]: NGINX_DEFAULTS } });
      const tasks = tasksOf(stack);
      expectSidecar(tasks.WebTask.enforcer);
      expectSidecar(tasks.WorkerTask.enforcer);
      expectProtected(tasks.WebTask.web, [BINARY, '/docker-entrypoint.sh'], ['nginx', '-g', 'daemon off;']);
      // The user's own environment stays first, tokens intact.
      expect(tasks.WebTask.web.Environment[0]).toEqual({ Name: 'SITE', Value: { Ref: 'AWS::StackName' } });
      expectProtected(tasks.WorkerTask.api, [BINARY, '/usr/local/bin/api'], ['serve', '--port', '8080']);
      expect(tasks.WorkerTask.api.Image).toEqual({ Ref: 'AppImage' });
      expect(tasks.WorkerTask.xray).toEqual({ Name: 'xray', Image: 'amazon/aws-xray-daemon:3.3', Essential: false, DockerLabels: { 'cdk-enforced-fargate.excluded': 'listed in excludedContainers' } });
      const template = Template.fromStack(stack);
      // WebTask's role is in the template: the grants are a policy on it.
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: 'ExecutionRole' }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] })]) },
      });
      // WorkerTask had none: one is created, as aws-cdk-lib does for L2 tasks.
      const worker = template.toJSON().Resources.WorkerTask;
      expect(worker.Properties.ExecutionRoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^IncWorkerTaskEnforcementExecutionRole/), 'Arn'] });
    });

    test('a raw CfnTaskDefinition whose execution role is outside the template: protected, with a warning listing the grants', () => {
      const app = new App();
      const stack = new Stack(app, 'Raw');
      const cfn = new ecs.CfnTaskDefinition(stack, 'Raw', {
        family: 'raw', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', networkMode: 'awsvpc',
        executionRoleArn: 'arn:aws:iam::123456789012:role/shared-execution',
        containerDefinitions: [{ name: 'app', image: 'app:1', entryPoint: ['/app'], linuxParameters: { capabilities: { add: ['CHOWN'] } } }],
      });
      expect(cfn).toBeDefined();
      protect(app, new Enforcer({
        image: ecs.ContainerImage.fromRegistry('registry.example.com/me:1'),
        capabilities: [ecs.Capability.SYS_PTRACE],
        secrets: { TOKEN: ecs.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'Tok')) },
      }));
      const [task] = Object.values(tasksOf(stack));
      expect(task.app.EntryPoint).toEqual([BINARY, '/app']);
      expect(task.app.LinuxParameters).toEqual({ Capabilities: { Add: ['CHOWN', 'SYS_PTRACE'] } });
      Annotations.fromStack(stack).hasWarning('/Raw/Raw', Match.stringLikeRegexp('execution role \\("arn:aws:iam::123456789012:role/shared-execution"\\) is not defined in this template.*read access to the secret TOKEN.*logs:CreateLogStream.*\\[ack: cdk-enforced-fargate:executionRoleOutsideTemplate\\]'));
      Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
    });

    test('non-literal containers are synthesis errors that say what to change', () => {
      const app = new App();
      const stack = new Stack(app, 'NonLiteral');
      new ecs.CfnTaskDefinition(stack, 'WholeList', {
        requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', networkMode: 'awsvpc',
        containerDefinitions: { 'Fn::If': ['Cond', [], []] } as any,
      });
      new cfninc.CfnInclude(new Construct(stack, 'T'), 'Inc', {
        templateFile: writeTemplate({
          Conditions: { Big: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] } },
          Resources: {
            IfTask: {
              Type: 'AWS::ECS::TaskDefinition',
              Properties: {
                RequiresCompatibilities: ['FARGATE'], Cpu: '256', Memory: '512', NetworkMode: 'awsvpc',
                ContainerDefinitions: [{ 'Fn::If': ['Big', { Name: 'a', Image: 'app:1' }, { Name: 'a', Image: 'app:2' }] }],
              },
            },
          },
        }),
      });
      protect(app, enforcerIn(stack));
      const errors = errorsOf(stack);
      expect(errors).toMatch(/task definition NonLiteral\/WholeList: ContainerDefinitions is \{"Fn::If":\["Cond",\[\],\[\]\]\}, not a literal list, so its containers cannot be protected; write the list literally/);
      expect(errors).toMatch(/task definition NonLiteral\/T\/Inc\/IfTask: container definition 0 is an intrinsic function .* \(for example an Fn::If around a whole container\), so it cannot be protected; write the container literally and put the condition inside its values/);
    });

    test('a generic CfnResource task definition is refused', () => {
      const app = new App();
      const stack = new Stack(app, 'Generic');
      new CfnResource(stack, 'Task', { type: 'AWS::ECS::TaskDefinition', properties: { RequiresCompatibilities: ['FARGATE'], ContainerDefinitions: [] } });
      protect(app, enforcerIn(stack));
      expect(errorsOf(stack)).toMatch(/Generic\/Task: an AWS::ECS::TaskDefinition written as a generic CfnResource cannot be enforced; write it as ecs.CfnTaskDefinition/);
    });
  });

  describe('nested stacks and stages', () => {
    test('tasks in a nested stack and in a stage are protected (a Stage takes the Aspect of its own: aws-cdk-lib does not carry Aspects into Stages)', () => {
      const app = new App();
      const parent = new Stack(app, 'Parent');
      const nested = new NestedStack(parent, 'Nested');
      new ecs.FargateTaskDefinition(nested, 'Task').addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      const stage = new Stage(app, 'Prod');
      const inStage = new Stack(stage, 'Service');
      new ecs.FargateTaskDefinition(inStage, 'Task').addContainer('web', { image: ecs.ContainerImage.fromRegistry(NGINX) });
      const enforcer = new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/me:1') });
      protect(app, enforcer);
      protect(stage, enforcer);
      const [nestedTask] = Object.values(tasksOf(nested));
      expect(nestedTask.app.EntryPoint).toEqual([BINARY, '/app']);
      expect(nestedTask.enforcer.DockerLabels).toEqual(SIDECAR_LABELS);
      const [stageTask] = Object.values(tasksOf(inStage));
      expect(stageTask.web.EntryPoint).toEqual([BINARY, '/docker-entrypoint.sh']);
    });
  });

  describe('errors', () => {
    test('the same synthesis errors as the subclass, naming the container and the fix', () => {
      const app = new App();
      const stack = new Stack(app, 'Errors');
      new ecs.FargateTaskDefinition(stack, 'Task').addContainer('api', { image: ecs.ContainerImage.fromRegistry('registry.example.com/api:2') });
      protect(app, enforcerIn(stack));
      expect(errorsOf(stack)).toMatch(/container 'api': sets neither entryPoint nor command, so the image's own ENTRYPOINT and CMD must be known.*npx cdk-enforced-fargate lookup --platform linux\/amd64 registry\.example\.com\/api:2/);
    });

    test('a Windows task is an error that offers the exemption', () => {
      const app = new App();
      const stack = new Stack(app, 'Win');
      new ecs.FargateTaskDefinition(stack, 'Task', {
        cpu: 1024, memoryLimitMiB: 2048,
        runtimePlatform: { operatingSystemFamily: ecs.OperatingSystemFamily.WINDOWS_SERVER_2022_CORE, cpuArchitecture: ecs.CpuArchitecture.X86_64 },
      }).addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      protect(app, enforcerIn(stack));
      expect(errorsOf(stack)).toMatch(/Win\/Task: runtimePlatform.operatingSystemFamily is WINDOWS_SERVER_2022_CORE, but Windows Fargate ignores image VOLUMEs.*or exempt the task with EnforceFargateTasks.exempt\(task, reason\)/);
    });

    test('bad props throw at once', () => {
      const stack = new Stack(new App(), 'S');
      const enforcer = enforcerIn(stack);
      expect(() => new EnforceFargateTasks({} as any)).toThrow(/EnforceFargateTasks: 'enforcer' is required/);
      expect(() => new EnforceFargateTasks({ enforcer, excludedContainers: ['enforcer'] })).toThrow(/EnforceFargateTasks: excludedContainers names the enforcer sidecar 'enforcer'/);
      expect(() => new EnforceFargateTasks({ enforcer, imageDefaults: { web: { command: 'x' as any } } })).toThrow(/imageDefaults\['web'\]\.command must be a list of strings/);
    });

    test('an execution role in another stack: a clear error instead of DependencyCycle', () => {
      const app = new App();
      const shared = new Stack(app, 'Shared');
      const role = new iam.Role(shared, 'ExecutionRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      const stack = new Stack(app, 'Service');
      new ecs.FargateTaskDefinition(stack, 'Task', { executionRole: role }).addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'] });
      protect(app, enforcerIn(stack));
      expect(() => app.synth()).toThrow(/Service\/Task: the execution role Shared\/ExecutionRole is in stack 'Shared' but the task is in stack 'Service'.*DependencyCycle\)\. Create the execution role in the task's stack/);
    });

    test('without the enforcement the same app is a bare DependencyCycle (what the check saves users from)', () => {
      const app = new App();
      const shared = new Stack(app, 'Shared');
      const role = new iam.Role(shared, 'ExecutionRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      const stack = new Stack(app, 'Service');
      const task = new ecs.FargateTaskDefinition(stack, 'Task', { executionRole: role });
      task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('app:1'), entryPoint: ['/app'], logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'app' }) });
      expect(() => app.synth()).toThrow(/cyclic|DependencyCycle|depend on each other/i);
    });

    test('the subclass refuses an execution role in another stack at once', () => {
      const app = new App();
      const shared = new Stack(app, 'Shared');
      const role = new iam.Role(shared, 'ExecutionRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      const stack = new Stack(app, 'Service');
      expect(() => new EnforcedFargateTaskDefinition(stack, 'Task', { executionRole: role, enforcer: enforcerIn(stack) }))
        .toThrow(/EnforcedFargateTaskDefinition 'Task': the execution role Shared\/ExecutionRole is in stack 'Shared'/);
    });
  });
});

function coverageOf(app: App, stackName: string): any {
  const entries = app.synth().getStackByName(stackName).findMetadataByType('cdk-enforced-fargate:coverage');
  expect(entries).toHaveLength(1);
  return entries[0].data;
}

let templates = 0;
function writeTemplate(template: object): string {
  const fs = require('fs') as typeof import('fs');
  const file = path.join(require('os').tmpdir(), `cef-template-${process.pid}-${templates++}.json`);
  fs.writeFileSync(file, JSON.stringify(template));
  return file;
}
