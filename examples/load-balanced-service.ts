/**
 * An `ecs_patterns.ApplicationLoadBalancedFargateService` running an enforced task definition.
 *
 * The pattern takes the task definition as it is: its default container (the first essential
 * one, never the non-essential enforcer sidecar) receives the load balancer's traffic, and the
 * enforcement still covers every container at synthesis.
 *
 * Run: `npx cdk synth LoadBalancedService` (no AWS account needed; the VPC is created here).
 */
import { Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { EnforcedFargateTaskDefinition, Enforcer } from '../lib';

export class LoadBalancedServiceStack extends Stack {
  /** The load-balanced service, for tests and for other stacks. */
  public readonly service: ecsPatterns.ApplicationLoadBalancedFargateService;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    Validations.of(vpc).acknowledge({
      id: 'AwsSolutions-VPC7',
      reason: 'The example shows the enforced task definition, not a network baseline; give a production VPC its flow logs',
    });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    const tokenSecret = new secretsmanager.Secret(this, 'AquaToken');
    Validations.of(tokenSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The Aqua deployment token is issued and rotated in the Aqua console; Secrets Manager has no rotation function for it',
    });
    const enforcer = Enforcer.aquaMicroEnforcer({
      image: ecs.ContainerImage.fromRegistry('registry.example.com/microenforcer:2022.4'),
      server: 'aqua-gateway.internal:8443',
      token: ecs.Secret.fromSecretsManager(tokenSecret),
      cpuArchitectures: [ecs.CpuArchitecture.X86_64, ecs.CpuArchitecture.ARM64],
    });

    const taskDefinition = new EnforcedFargateTaskDefinition(this, 'Site', {
      cpu: 512,
      memoryLimitMiB: 1024,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      enforcer,
    });
    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The enforcer runs inside each protected container and reads its non-secret settings (AQUA_MICROENFORCER, AQUA_SERVER) from the environment; its token is an ECS secret',
    });
    taskDefinition.addContainer('web', {
      image: ecs.ContainerImage.fromRegistry('nginx:1.27'),
      portMappings: [{ containerPort: 80 }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'web' }),
    });

    this.service = new ecsPatterns.ApplicationLoadBalancedFargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: 2,
      minHealthyPercent: 100,
      circuitBreaker: { rollback: true },
      publicLoadBalancer: true,
    });
    Validations.of(this.service.loadBalancer).acknowledge(
      { id: 'AwsSolutions-EC23', reason: 'A public web site: its load balancer accepts HTTP from anywhere on its listener port' },
      { id: 'AwsSolutions-ELB2', reason: 'Access logs need an S3 log bucket, which this example of the enforced task definition leaves out; enable them in production' },
    );
  }
}
