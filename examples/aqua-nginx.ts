/**
 * The article's scenario: nginx protected by the Aqua MicroEnforcer running as a sidecar.
 *
 * - The enforcer image holds `/aqua/microenforcer` in a VOLUME; the sidecar is non-essential.
 * - nginx mounts that volume read-only and starts as `/aqua/microenforcer nginx -g "daemon off;"`
 *   (the image's ENTRYPOINT `/docker-entrypoint.sh` is kept between the two; it comes from the
 *   `cdk-enforced-fargate:imageDefaults` context in cdk.json).
 * - The Aqua deployment token lives in Secrets Manager and reaches nginx as the secret AQUA_TOKEN;
 *   only the task's execution role may read it.
 *
 * Run: `npx cdk synth AquaNginx` (no AWS account needed).
 */
import { Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { EnforcedFargateTaskDefinition, Enforcer } from '../lib';

export class AquaNginxStack extends Stack {
  /** The enforced task definition, for tests and for other stacks. */
  public readonly taskDefinition: EnforcedFargateTaskDefinition;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const tokenSecret = new secretsmanager.Secret(this, 'AquaToken', {
      description: 'Aqua MicroEnforcer deployment token',
    });
    Validations.of(tokenSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The Aqua deployment token is issued and rotated in the Aqua console; Secrets Manager has no rotation function for it',
    });

    const enforcer = Enforcer.aquaMicroEnforcer({
      image: ecs.ContainerImage.fromRegistry('registry.example.com/microenforcer:2022.4'),
      server: 'aqua-gateway.internal:8443',
      token: ecs.Secret.fromSecretsManager(tokenSecret),
    });

    this.taskDefinition = new EnforcedFargateTaskDefinition(this, 'Web', {
      cpu: 512,
      memoryLimitMiB: 1024,
      enforcer,
    });
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The enforcer runs inside each protected container and reads its non-secret settings (AQUA_MICROENFORCER, AQUA_SERVER) from the environment; its token is an ECS secret',
    });
    this.taskDefinition.addContainer('nginx', {
      image: ecs.ContainerImage.fromRegistry('nginx:1.27'),
      command: ['nginx', '-g', 'daemon off;'],
      portMappings: [{ containerPort: 80 }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'nginx' }),
    });
  }
}
