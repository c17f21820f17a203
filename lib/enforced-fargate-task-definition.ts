import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { Enforcer } from './enforcer';
import { addEnforcerSidecar, crossStackRoleProblem, EXCLUDED_BY_NAME, L2Enforcement } from './enforcement/l2';
import { checkSettings } from './enforcement/plan';
import { copyImageDefaults, ImageDefaults } from './image-defaults';

/** Properties of an `EnforcedFargateTaskDefinition`. */
export interface EnforcedFargateTaskDefinitionProps extends ecs.FargateTaskDefinitionProps {
  /**
   * The runtime-security enforcer every container of the task runs under.
   */
  readonly enforcer: Enforcer;

  /**
   * Names of containers that are never protected (for example a log router).
   * A name that matches no container of the task is an error at synthesis.
   *
   * @default - every container except the enforcer sidecar is protected
   */
  readonly excludedContainers?: string[];

  /**
   * The image's own ENTRYPOINT and CMD for containers that leave them to the image, keyed by
   * container name or by image name as written (e.g. `nginx:1.27`). A container name wins over
   * an image name; both win over an asset image's Dockerfile and over the context key
   * `cdk-enforced-fargate:imageDefaults`.
   *
   * @default - an asset image's Dockerfile, then the context key `cdk-enforced-fargate:imageDefaults`
   */
  readonly imageDefaults?: { [name: string]: ImageDefaults };
}

/**
 * A Fargate task definition whose every container runs under a runtime-security enforcer.
 *
 * The enforcer is a non-essential sidecar whose image holds the enforcer binary in a volume.
 * At synthesis every other container of the task (however and whenever it was added), except the
 * excluded ones, mounts that volume read-only with `volumesFrom`, waits for the sidecar, gets the
 * enforcer's environment, secrets and capabilities, and has its entry command rewritten so that
 * the enforcer binary starts the original program.
 */
export class EnforcedFargateTaskDefinition extends ecs.FargateTaskDefinition {
  /** The enforcer this task runs under. */
  public readonly enforcer: Enforcer;

  /** The enforcer sidecar container. */
  public readonly enforcerContainer: ecs.ContainerDefinition;

  constructor(scope: Construct, id: string, props: EnforcedFargateTaskDefinitionProps) {
    const prefix = `EnforcedFargateTaskDefinition '${id}'`;
    if (!props || !props.enforcer) {
      throw new Error(`${prefix}: 'enforcer' is required, e.g. Enforcer.aquaMicroEnforcer({ image, server, token })`);
    }
    const architecture = props.runtimePlatform?.cpuArchitecture ?? ecs.CpuArchitecture.X86_64;
    // Read once and copied: what is checked is what is used, whatever the caller changes later.
    const excludedContainers: string[] = Array.isArray(props.excludedContainers) ? [...props.excludedContainers] : (props.excludedContainers ?? []);
    const imageDefaults = copyImageDefaults(props.imageDefaults);
    const problem = checkSettings({
      operatingSystemFamily: props.runtimePlatform?.operatingSystemFamily?._operatingSystemFamily,
      cpuArchitecture: architecture._cpuArchitecture,
      enforcerArchitectures: props.enforcer.cpuArchitectures.map(a => a._cpuArchitecture),
      enforcerContainerName: props.enforcer.containerName,
      excludedContainers,
      imageDefaults,
    });
    if (problem) throw new Error(`${prefix}: ${problem}`);
    const roleProblem = crossStackRoleProblem(scope, props.executionRole);
    if (roleProblem) throw new Error(`${prefix}: ${roleProblem}`);

    super(scope, id, props);

    this.enforcer = props.enforcer;
    this.enforcerContainer = addEnforcerSidecar(this, this.enforcer);
    L2Enforcement.attach(this, this.enforcerContainer, {
      enforcer: this.enforcer,
      excluded: Object.fromEntries(excludedContainers.map(n => [n, EXCLUDED_BY_NAME])),
      imageDefaults,
      cpuArchitecture: architecture._cpuArchitecture,
      by: 'EnforcedFargateTaskDefinition',
    });
  }
}
