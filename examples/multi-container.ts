/**
 * A multi-container task: a protected app, a protected worker added from another scope with
 * `new ecs.ContainerDefinition(...)`, and an excluded FireLens log router.
 *
 * - `app` logs through FireLens and sets only `command`, so its image ENTRYPOINT is declared in
 *   `imageDefaults` (by image name) and kept after the enforcer binary.
 * - `worker` sets an explicit `entryPoint`; its arguments with spaces, quotes, `;` and `$` stay
 *   one argv element each.
 * - `log-router` (fluent-bit) is infrastructure and is excluded by name: it runs without the
 *   enforcer, as the user chose, and the template shows it.
 * - The enforcer here is generic (`new Enforcer`), with fixed arguments and SYS_PTRACE.
 * - The enforcer sidecar logs where the task logs: through FireLens, like `app` (no log group of
 *   its own).
 *
 * Run: `npx cdk synth MultiContainer` (no AWS account needed).
 */
import { Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { EnforcedFargateTaskDefinition, Enforcer } from '../lib';

export class MultiContainerStack extends Stack {
  /** The enforced task definition, for tests and for other stacks. */
  public readonly taskDefinition: EnforcedFargateTaskDefinition;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const enforcer = new Enforcer({
      image: ecs.ContainerImage.fromRegistry('registry.example.com/runtime-enforcer:3.1'),
      binaryPath: '/opt/enforcer/bin/enforce',
      binaryArgs: ['run', '--'],
      environment: { ENFORCER_MODE: 'block' },
      capabilities: [ecs.Capability.SYS_PTRACE],
    });

    this.taskDefinition = new EnforcedFargateTaskDefinition(this, 'Orders', {
      cpu: 1024,
      memoryLimitMiB: 2048,
      enforcer,
      excludedContainers: ['log-router'],
      imageDefaults: {
        'registry.example.com/orders-api:4.2': { entryPoint: ['/usr/local/bin/orders-api'], command: ['serve'] },
      },
    });

    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The enforcer runs inside each protected container and reads its non-secret setting ENFORCER_MODE from the environment',
    });

    this.taskDefinition.addFirelensLogRouter('log-router', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4'),
      firelensConfig: { type: ecs.FirelensLogRouterType.FLUENTBIT },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'firelens' }),
      memoryReservationMiB: 50,
    });

    this.taskDefinition.addContainer('app', {
      image: ecs.ContainerImage.fromRegistry('registry.example.com/orders-api:4.2'),
      command: ['serve', '--port', '8080'],
      portMappings: [{ containerPort: 8080 }],
      logging: ecs.LogDrivers.firelens({
        options: { Name: 'cloudwatch', region: this.region, log_group_name: '/orders/app', auto_create_group: 'true' },
      }),
    });

    // A container created in another scope still belongs to the task and is protected.
    const workers = new Construct(this, 'Workers');
    new ecs.ContainerDefinition(workers, 'Worker', {
      taskDefinition: this.taskDefinition,
      containerName: 'worker',
      image: ecs.ContainerImage.fromRegistry('registry.example.com/orders-worker:4.2'),
      entryPoint: ['/bin/sh', '-c'],
      command: ['exec orders-worker --queue "orders; priority" --label $HOSTNAME'],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'worker' }),
    });
  }
}
