import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AquaNginxStack } from '../examples/aqua-nginx';
import { LoadBalancedServiceStack } from '../examples/load-balanced-service';
import { MultiContainerStack } from '../examples/multi-container';
import { WholeAppStack } from '../examples/whole-app';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../cdk.json');

/** The examples, synthesized as `npx cdk synth` does (with cdk.json's context). */
function synth<T extends Stack>(make: (app: App) => T): { stack: T; containers: { [name: string]: any } } {
  const app = new App({ context: cdkJson.context });
  const stack = make(app);
  const tasks = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'));
  expect(tasks).toHaveLength(1);
  const containers = Object.fromEntries(tasks[0].Properties.ContainerDefinitions.map((c: any) => [c.Name, c]));
  return { stack, containers };
}

function expectProtected(container: any, prefix: string[]) {
  expect(container.EntryPoint.slice(0, prefix.length)).toEqual(prefix);
  expect(container.VolumesFrom).toEqual([{ SourceContainer: 'enforcer', ReadOnly: true }]);
  expect(container.DependsOn).toEqual(expect.arrayContaining([{ ContainerName: 'enforcer', Condition: 'START' }]));
}

describe('examples', () => {
  test("the article's scenario: nginx under the Aqua MicroEnforcer", () => {
    const { containers } = synth(app => new AquaNginxStack(app, 'AquaNginx'));
    expect(Object.keys(containers).sort()).toEqual(['enforcer', 'nginx']);
    expect(containers.enforcer).toMatchObject({ Essential: false, Image: 'registry.example.com/microenforcer:2022.4', ReadonlyRootFilesystem: true, Cpu: 0 });
    expectProtected(containers.nginx, ['/aqua/microenforcer']);
    // The image ENTRYPOINT comes from cdk.json's context; the command is the user's, element by element.
    expect(containers.nginx.EntryPoint).toEqual(['/aqua/microenforcer', '/docker-entrypoint.sh']);
    expect(containers.nginx.Command).toEqual(['nginx', '-g', 'daemon off;']);
    expect(containers.nginx.Secrets).toEqual([{ Name: 'AQUA_TOKEN', ValueFrom: { Ref: expect.stringMatching(/^AquaToken/) } }]);
  });

  test('a multi-container task: protected app and worker, excluded log router', () => {
    const { containers } = synth(app => new MultiContainerStack(app, 'MultiContainer'));
    expect(Object.keys(containers).sort()).toEqual(['app', 'enforcer', 'log-router', 'worker']);
    const prefix = ['/opt/enforcer/bin/enforce', 'run', '--'];
    expectProtected(containers.app, prefix);
    expect(containers.app.EntryPoint).toEqual([...prefix, '/usr/local/bin/orders-api']);
    expect(containers.app.Command).toEqual(['serve', '--port', '8080']);
    expect(containers.app.LogConfiguration.LogDriver).toBe('awsfirelens');
    expectProtected(containers.worker, prefix);
    expect(containers.worker.EntryPoint).toEqual([...prefix, '/bin/sh', '-c']);
    expect(containers.worker.Command).toEqual(['exec orders-worker --queue "orders; priority" --label $HOSTNAME']);
    for (const name of ['app', 'worker']) {
      expect(containers[name].LinuxParameters).toEqual({ Capabilities: { Add: ['SYS_PTRACE'] } });
      expect(containers[name].Environment).toEqual(expect.arrayContaining([{ Name: 'ENFORCER_MODE', Value: 'block' }]));
    }
    expect(containers['log-router'].EntryPoint).toBeUndefined();
    expect(containers['log-router'].VolumesFrom).toBeUndefined();
  });

  test('an ecs_patterns load-balanced service on ARM64', () => {
    const { stack, containers } = synth(app => new LoadBalancedServiceStack(app, 'LoadBalancedService'));
    expectProtected(containers.web, ['/aqua/microenforcer']);
    expect(containers.web.EntryPoint).toEqual(['/aqua/microenforcer', '/docker-entrypoint.sh']);
    expect(containers.web.Command).toEqual(['nginx', '-g', 'daemon off;']);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' } });
    template.hasResourceProperties('AWS::ECS::Service', { LoadBalancers: [{ ContainerName: 'web', ContainerPort: 80, TargetGroupArn: Match.anyValue() }] });
  });

  test('one line protects a whole app of ecs_patterns, and the stack says so in its coverage summary', () => {
    const app = new App({ context: cdkJson.context });
    const stack = new WholeAppStack(app, 'WholeApp');
    const tasks = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'))
      .map((t: any) => Object.fromEntries(t.Properties.ContainerDefinitions.map((c: any) => [c.Name, c])));
    expect(tasks).toHaveLength(2);
    const web = tasks.find(t => t.web)!;
    const worker = tasks.find(t => t.QueueProcessingContainer)!;
    expectProtected(web.web, ['/aqua/microenforcer']);
    expect(web.web.EntryPoint).toEqual(['/aqua/microenforcer', '/docker-entrypoint.sh']);
    expect(web.web.Command).toEqual(['nginx', '-g', 'daemon off;']);
    expectProtected(worker.QueueProcessingContainer, ['/aqua/microenforcer']);
    expect(worker.QueueProcessingContainer.EntryPoint).toEqual(['/aqua/microenforcer']);
    expect(worker.QueueProcessingContainer.Command).toEqual(['orders-worker', '--queue', 'jobs']);
    for (const t of tasks) expect(t.enforcer.DockerLabels['cdk-enforced-fargate.role']).toBe('enforcer');
    const [summary] = app.synth().getStackByName('WholeApp').findMetadataByType('cdk-enforced-fargate:coverage');
    expect((summary.data as any).totals).toEqual({ tasks: 2, enforcedTasks: 2, exemptTasks: 0, protectedContainers: 2, excludedContainers: 0 });
  });
});
