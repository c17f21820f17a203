/**
 * One line protects every Fargate task of an app of `ecs_patterns`: a web service built from
 * `taskImageOptions` and a queue worker, neither written around `EnforcedFargateTaskDefinition`.
 * (`ScheduledFargateTask` is covered the same way, see test/enforce-fargate-tasks.test.ts; it is
 * left out here because cdk-nag flags its events role's wildcard, which this aws-cdk-lib's
 * `Validations.acknowledge` cannot name: the resource contains `::`.)
 *
 *   Aspects.of(this).add(new EnforceFargateTasks({ enforcer }));   // or Aspects.of(app)
 *
 * After synthesis the stack carries a coverage summary: `cdk synth` prints it as an info message,
 * and the stack's metadata holds it as JSON (type `cdk-enforced-fargate:coverage`).
 *
 * Run: `npx cdk synth WholeApp` (no AWS account needed; the VPC is created here).
 */
import { Aspects, Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EnforceFargateTasks, Enforcer } from '../lib';

export class WholeAppStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const tokenSecret = new secretsmanager.Secret(this, 'AquaToken');
    const enforcer = Enforcer.aquaMicroEnforcer({
      image: ecs.ContainerImage.fromRegistry('registry.example.com/microenforcer:2022.4'),
      server: 'aqua-gateway.internal:8443',
      token: ecs.Secret.fromSecretsManager(tokenSecret),
    });

    // The app, written as if no enforcer existed.
    const web = new ecsPatterns.ApplicationLoadBalancedFargateService(this, 'Web', {
      cluster,
      minHealthyPercent: 100,
      circuitBreaker: { rollback: true },
      taskImageOptions: { image: ecs.ContainerImage.fromRegistry('nginx:1.27') },
    });
    const deadLetters = new sqs.Queue(this, 'DeadLetters', { enforceSSL: true, retentionPeriod: Duration.days(14) });
    const queue = new sqs.Queue(this, 'Jobs', { enforceSSL: true, deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 } });
    const worker = new ecsPatterns.QueueProcessingFargateService(this, 'Worker', {
      cluster,
      queue,
      minHealthyPercent: 100,
      circuitBreaker: { rollback: true },
      image: ecs.ContainerImage.fromRegistry('registry.example.com/orders-worker:4.2'),
      command: ['orders-worker', '--queue', 'jobs'],
    });
    // The one line: every Fargate task in this stack runs under the enforcer.
    Aspects.of(this).add(new EnforceFargateTasks({
      enforcer,
      // The image defaults of nginx:1.27 come from cdk.json's context (what `lookup` writes); the worker's is declared here.
      imageDefaults: {
        'registry.example.com/orders-worker:4.2': { entryPoint: [], command: ['orders-worker'] },
      },
    }));

    // cdk-nag's findings on the patterns themselves, each with its reason.
    Validations.of(vpc).acknowledge({ id: 'AwsSolutions-VPC7', reason: 'The example shows whole-app enforcement, not a network baseline; give a production VPC its flow logs' });
    Validations.of(tokenSecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'The Aqua deployment token is issued and rotated in the Aqua console; Secrets Manager has no rotation function for it' });
    Validations.of(web.loadBalancer).acknowledge(
      { id: 'AwsSolutions-EC23', reason: 'A public web site: its load balancer accepts HTTP from anywhere on its listener port' },
      { id: 'AwsSolutions-ELB2', reason: 'Access logs need an S3 log bucket, which this example leaves out; enable them in production' },
    );
    for (const task of [web.taskDefinition, worker.taskDefinition]) {
      Validations.of(task).acknowledge({
        id: 'AwsSolutions-ECS2',
        reason: 'The enforcer runs inside each protected container and reads its non-secret settings (AQUA_MICROENFORCER, AQUA_SERVER) from the environment; its token is an ECS secret',
      });
    }
  }
}
