/**
 * A vendor preset with a read-only root file system: an API container protected by CrowdStrike's
 * Falcon container sensor (docs/vendors.md).
 *
 * - An init container (`crowdstrike-falcon-init-container`) copies the sensor into the task volume
 *   `crowdstrike-falcon-volume`; the API mounts it read-only at /tmp/CrowdStrike and starts once
 *   the copy has completed, as `/tmp/CrowdStrike/rootfs/lib64/ld-linux-x86-64.so.2 ...
 *   entrypoint-ecs.sh /usr/local/bin/orders-api serve`.
 * - The API's root file system is read-only (Security Hub ECS.5, cdk-nag): the sensor writes only
 *   in its private volume at /tmp/CrowdStrike-private.
 * - The sensor options with the customer ID (`--cid=...`) live in Secrets Manager and reach the API
 *   as the secret FALCONCTL_OPTS, never as a plain variable.
 *
 * Run: `npx cdk synth CrowdStrikeReadOnly` (no AWS account needed).
 */
import { Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { EnforcedFargateTaskDefinition, Enforcer } from '../lib';

export class CrowdStrikeReadOnlyStack extends Stack {
  /** The enforced task definition, for tests and for other stacks. */
  public readonly taskDefinition: EnforcedFargateTaskDefinition;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const falconOptions = new secretsmanager.Secret(this, 'FalconctlOpts', {
      description: 'Falcon sensor options with the customer ID (--cid=...)',
    });
    Validations.of(falconOptions).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The Falcon customer ID is fixed per CrowdStrike account and issued in the Falcon console; there is nothing to rotate',
    });

    this.taskDefinition = new EnforcedFargateTaskDefinition(this, 'Orders', {
      cpu: 512,
      memoryLimitMiB: 1024,
      enforcer: Enforcer.crowdStrikeFalcon({
        image: ecs.ContainerImage.fromRegistry('123456789012.dkr.ecr.us-east-1.amazonaws.com/falcon-container:7.20.0'),
        falconctlOpts: ecs.Secret.fromSecretsManager(falconOptions),
      }),
      imageDefaults: {
        'registry.example.com/orders-api:4.2': { entryPoint: ['/usr/local/bin/orders-api'], command: ['serve'] },
      },
    });
    this.taskDefinition.addContainer('api', {
      image: ecs.ContainerImage.fromRegistry('registry.example.com/orders-api:4.2'),
      readonlyRootFilesystem: true,
      portMappings: [{ containerPort: 8080 }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'api' }),
    });
  }
}
