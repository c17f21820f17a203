/**
 * cdk-nag 3 (AWS Solutions rules): the examples pass with every acknowledgement giving its reason,
 * and enforcing a task adds no finding to it, except the one the enforcer needs by nature: its
 * non-secret settings are plain environment variables of the protected containers
 * (AwsSolutions-ECS2), since it runs inside them.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { AquaNginxStack } from '../examples/aqua-nginx';
import { CrowdStrikeReadOnlyStack } from '../examples/crowdstrike-read-only';
import { LoadBalancedServiceStack } from '../examples/load-balanced-service';
import { MultiContainerStack } from '../examples/multi-container';
import { EnforcedFargateTaskDefinition, Enforcer, EnforcerDelivery } from '../lib';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../cdk.json');

/** Unacknowledged findings of the AWS Solutions pack, as `rule @ construct path`, sorted. */
function findings(app: App): string[] {
  app.synth(); // runs the enforcement (an Aspect) first, as `cdk synth` does before the plugins
  const report = new AwsSolutionsChecks(app).validateScope(app);
  // Also hands these templates to the AWS-model check after the run (support/jest-record-templates.ts).
  app.node.children.filter(Stack.isStack).forEach(stack => Template.fromStack(stack));
  return report.violations.flatMap(v => v.violatingResources.map(r => `${v.ruleName} @ ${r.constructPath}`)).sort();
}

/** Every acknowledgement in the tree: construct path, rule id and reason. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap(c => c.node.metadata
    .filter(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap(m => Object.entries(m.data as { [id: string]: string }).map(([id, reason]) => ({
      path: c.node.path, id: id.replace(/^annotation::/i, ''), reason,
    }))));
}

const ECS2_REASON = 'The enforcer runs inside each protected container and reads its non-secret settings from the environment; its token is an ECS secret';
/** The documented findings of delivery modes and presets, with the reason each is acknowledged (docs/vendors.md). */
const REASONS: { [id: string]: string } = {
  'AwsSolutions-ECS2': ECS2_REASON,
  'AwsSolutions-IAM5[Resource::*]': 'Pulling the built-in derived image from ECR needs ecr:GetAuthorizationToken, which has no resource-level permissions; the pull itself is scoped to the asset repository',
};

describe('cdk-nag AwsSolutionsChecks', () => {
  test('the examples have no unacknowledged finding, and every acknowledgement says why', () => {
    const app = new App({ context: cdkJson.context });
    new AquaNginxStack(app, 'AquaNginx');
    new MultiContainerStack(app, 'MultiContainer');
    new LoadBalancedServiceStack(app, 'LoadBalancedService');
    new CrowdStrikeReadOnlyStack(app, 'CrowdStrikeReadOnly');
    expect(findings(app)).toEqual([]);

    // The examples' own acknowledgements; aws-cdk-lib 2.276 and later acknowledges one rule of its
    // own validator on every stack that reads its availability zones (CloudFormation-Validate::W3010).
    const acks = acknowledgements(app).filter(a => !a.id.startsWith('CloudFormation-Validate::'));
    expect(acks.map(a => `${a.id} @ ${a.path}`).sort()).toEqual([
      'AwsSolutions-EC23 @ LoadBalancedService/Service/LB',
      'AwsSolutions-ECS2 @ AquaNginx/Web',
      'AwsSolutions-ECS2 @ LoadBalancedService/Site',
      'AwsSolutions-ECS2 @ MultiContainer/Orders',
      'AwsSolutions-ELB2 @ LoadBalancedService/Service/LB',
      'AwsSolutions-SMG4 @ AquaNginx/AquaToken',
      'AwsSolutions-SMG4 @ CrowdStrikeReadOnly/FalconctlOpts',
      'AwsSolutions-SMG4 @ LoadBalancedService/AquaToken',
      'AwsSolutions-VPC7 @ LoadBalancedService/Vpc',
    ]);
    for (const a of acks) expect(a.reason.split(' ').length).toBeGreaterThanOrEqual(8);
  });

  describe('enforcement adds no finding beyond the enforcer\'s own settings', () => {
    /** A few task shapes, each built once plain and once enforced with the same containers. */
    const shapes: { [name: string]: (stack: Stack, task: ecs.FargateTaskDefinition) => void } = {
      'one web container': (_stack, task) => {
        task.addContainer('web', {
          image: ecs.ContainerImage.fromRegistry('nginx:1.27'),
          entryPoint: ['/docker-entrypoint.sh'],
          command: ['nginx', '-g', 'daemon off;'],
          logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'web' }),
        });
      },
      'an app with its own secret and a worker': (stack, task) => {
        const password = ecs.Secret.fromSecretsManager(secretsmanager.Secret.fromSecretNameV2(stack, 'Db', 'db-password'));
        task.addContainer('app', {
          image: ecs.ContainerImage.fromRegistry('registry.example.com/app:1'),
          entryPoint: ['/app'],
          secrets: { DB_PASSWORD: password },
          logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'app' }),
        });
        task.addContainer('worker', {
          image: ecs.ContainerImage.fromRegistry('registry.example.com/worker:1'),
          entryPoint: ['/worker'],
          command: ['--queue', 'jobs'],
          essential: false,
          logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'worker' }),
        });
      },
    };

    const build = (shape: (stack: Stack, task: ecs.FargateTaskDefinition) => void, enforcer?: (stack: Stack) => Enforcer, acknowledge?: boolean | string[]) => {
      const app = new App();
      const stack = new Stack(app, 'S');
      const task = enforcer
        ? new EnforcedFargateTaskDefinition(stack, 'Task', {
          enforcer: enforcer(stack),
          // The built-in delivery needs every image's defaults (it writes the derived image's).
          imageDefaults: Object.fromEntries(['nginx:1.27', 'registry.example.com/app:1', 'registry.example.com/worker:1'].map(i => [i, { entryPoint: ['/entrypoint.sh'], command: [] }])),
        })
        : new ecs.FargateTaskDefinition(stack, 'Task');
      if (acknowledge === true) Validations.of(task).acknowledge({ id: 'AwsSolutions-ECS2', reason: ECS2_REASON });
      if (Array.isArray(acknowledge)) Validations.of(task).acknowledge(...acknowledge.map(id => ({ id, reason: REASONS[id] })));
      shape(stack, task);
      return findings(app);
    };
    const bare = () => new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/enforcer:1') });
    const aqua = (stack: Stack) => Enforcer.aquaMicroEnforcer({
      image: ecs.ContainerImage.fromRegistry('registry.example.com/microenforcer:2022.4'),
      server: 'aqua-gateway.internal:8443',
      token: ecs.Secret.fromSecretsManager(secretsmanager.Secret.fromSecretNameV2(stack, 'AquaToken', 'aqua-token')),
    });

    test.each(Object.keys(shapes))('%s: a clean task stays clean', name => {
      const plain = build(shapes[name]);
      expect(plain).toEqual([]);
      // An enforcer with no settings of its own: not one finding more.
      expect(build(shapes[name], bare)).toEqual(plain);
      // The Aqua preset sets AQUA_MICROENFORCER and AQUA_SERVER as plain variables: exactly one
      // finding more, on the task definition, and none once acknowledged with that reason.
      expect(build(shapes[name], aqua)).toEqual([...plain, 'AwsSolutions-ECS2 @ S/Task/Resource'].sort());
      expect(build(shapes[name], aqua, true)).toEqual(plain);
    });

    const secret = (stack: Stack) => ecs.Secret.fromSecretsManager(secretsmanager.Secret.fromSecretNameV2(stack, 'VendorToken', 'vendor-token'));
    /** Every delivery mode and vendor preset, and the findings it adds (documented in docs/vendors.md). */
    const ECS2 = 'AwsSolutions-ECS2';
    const IAM5 = 'AwsSolutions-IAM5[Resource::*]';
    const enforcers: { [name: string]: [(stack: Stack) => Enforcer, string[]] } = {
      'task-volume copy': [() => new Enforcer({
        image: ecs.ContainerImage.fromRegistry('registry.example.com/enforcer:1'),
        delivery: EnforcerDelivery.taskVolumeCopy({ copyCommand: ['/install', '/aqua'] }),
      }), []],
      'built in': [() => new Enforcer({ image: ecs.ContainerImage.fromRegistry('registry.example.com/enforcer:1'), delivery: EnforcerDelivery.builtIn() }), [IAM5]],
      'Sysdig': [stack => Enforcer.sysdigWorkloadAgent({
        image: ecs.ContainerImage.fromRegistry('quay.io/sysdig/workload-agent:5.3.0'), accessKey: secret(stack), collectorHost: 'collector.example.com',
      }), [ECS2]],
      'Prisma Cloud': [stack => Enforcer.prismaCloudDefender({
        image: ecs.ContainerImage.fromRegistry('registry.example.com/twistlock/defender:34'), consoleAddress: 'wss://console.example.com:443', installBundle: secret(stack),
      }), [ECS2]],
      'Datadog CWS': [() => Enforcer.datadogCws({ image: ecs.ContainerImage.fromRegistry('public.ecr.aws/datadog/cws-instrumentation:7.62.0') }), []],
      'CrowdStrike': [stack => Enforcer.crowdStrikeFalcon({
        image: ecs.ContainerImage.fromRegistry('registry.example.com/falcon-container:7.20.0'), falconctlOpts: secret(stack),
      }), []],
    };
    test.each(Object.keys(enforcers).flatMap(e => Object.keys(shapes).map(s => [e, s])))('%s, %s: no finding but the documented one', (enforcerName, shapeName) => {
      const [enforcer, added] = enforcers[enforcerName];
      const plain = build(shapes[shapeName]);
      const where: { [id: string]: string } = { [ECS2]: 'S/Task/Resource', [IAM5]: 'S/Task/ExecutionRole/DefaultPolicy/Resource' };
      expect(build(shapes[shapeName], enforcer)).toEqual([...plain, ...added.map(id => `${id} @ ${where[id]}`)].sort());
      expect(build(shapes[shapeName], enforcer, added)).toEqual(plain);
    });
  });
});
