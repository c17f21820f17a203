/**
 * The enforcer as the plan sees it (`EnforcerSpec`), and the enforcer sidecar's definition, so
 * that every adapter renders the same sidecar.
 */
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { deliveryRule } from './delivery';
import { EnforcerSpec } from './model';
import { Enforcer } from '../enforcer';

/** The neutral view of an `Enforcer`; `secretValue` says what a secret's `valueFrom` is in the adapter's form. */
export function enforcerSpec(enforcer: Enforcer, secretValue: (secret: ecs.Secret) => unknown = s => s.arn): EnforcerSpec {
  return {
    containerName: enforcer.containerName,
    binaryPath: enforcer.binaryPath,
    prefix: enforcer.entryPointPrefix,
    readOnly: enforcer.readOnly,
    environment: { ...enforcer.environment },
    secrets: Object.fromEntries(Object.entries(enforcer.secrets).map(([k, s]) => [k, secretValue(s)])),
    capabilities: enforcer.capabilities.map(c => String(c)),
    dependencyCondition: String(enforcer.dependencyCondition),
    delivery: enforcer.delivery.mode,
    filesDirectory: enforcer.filesDirectory,
    volumeName: enforcer.delivery.volumeName,
    writableDirectory: enforcer.writableDirectory,
    containerNameVariable: enforcer.containerNameVariable,
    imageNameVariable: enforcer.imageNameVariable,
    taskFamilyVariable: enforcer.taskFamilyVariable,
  };
}

/** The sidecar's settings apart from its image and log driver, which each adapter renders in its form. */
export interface SidecarSettings {
  readonly name: string;
  readonly essential: false;
  readonly readonlyRootFilesystem: true;
  readonly cpu: 0;
  readonly command?: string[];
  /** The init container's whole argv (task-volume copy), set as its EntryPoint. */
  readonly entryPoint?: string[];
  /** The init container's user (task-volume copy). */
  readonly user?: string;
  /** The task volume the init container fills, and where it mounts it read-write (task-volume copy). */
  readonly taskVolume?: { readonly name: string; readonly containerPath: string };
  readonly dockerLabels: { [name: string]: string };
  /** The CloudWatch Logs stream prefix of the default log driver. */
  readonly streamPrefix: string;
}

/**
 * The sidecar: non-essential (it may exit once its volume is filled), a read-only root file
 * system, cpu 0 and no memory reservation (task size and cost unchanged), labelled with its role,
 * binary and delivery mode. With the task-volume copy it is the init container: it runs the copy
 * command with the task volume mounted read-write. The built-in delivery has none (undefined).
 */
export function sidecarSettings(enforcer: Enforcer, spec: EnforcerSpec = enforcerSpec(enforcer)): SidecarSettings | undefined {
  const delivery = enforcer.delivery;
  if (delivery.isBuiltIn) return undefined;
  return {
    ...(delivery.isTaskVolumeCopy ? {
      entryPoint: delivery.copyCommand,
      user: delivery.copyUser,
      taskVolume: { name: delivery.volumeName!, containerPath: enforcer.filesDirectory },
    } : {}),
    name: enforcer.containerName,
    essential: false,
    readonlyRootFilesystem: true,
    cpu: 0,
    command: enforcer.command,
    dockerLabels: deliveryRule(spec.delivery).sidecarLabels(spec),
    streamPrefix: enforcer.containerName,
  };
}

/**
 * Why an adapter that rewrites literal container definitions (L1 templates, task definition JSON)
 * cannot apply this enforcer, or undefined when it can. Those adapters render the volumes-from
 * sidecar only: the task-volume copy, the built-in image and the private writable volumes are
 * rendered by the L2 adapter.
 */
export function literalDeliveryProblem(enforcer: Enforcer): string | undefined {
  if (!enforcer.delivery.isVolumesFrom) {
    return `the enforcer's ${enforcer.delivery.mode} delivery is supported on L2 task definitions (EnforcedFargateTaskDefinition, or EnforceFargateTasks on an ecs.TaskDefinition), not on literal container definitions (an L1 CfnTaskDefinition, CfnInclude, task definition JSON); use EnforcerDelivery.volumesFrom() here, or define the task with the L2 construct`;
  }
  if (enforcer.writableDirectory !== undefined) {
    return `the enforcer's writableDirectory (${enforcer.writableDirectory}) needs a private task volume per container, which is supported on L2 task definitions only, not on literal container definitions (an L1 CfnTaskDefinition, CfnInclude, task definition JSON); define the task with the L2 construct`;
  }
  return undefined;
}

/**
 * Where the sidecar logs when the enforcer sets no `logging`: it follows the task's own choice.
 * When a container of the task logs through FireLens (the `awsfirelens` driver), the sidecar
 * shares the log configuration of the first such container (the task has a log router already,
 * and no log group is added); otherwise it logs to CloudWatch Logs (awslogs). Returns the name
 * of the container whose configuration the sidecar shares, or undefined for awslogs. Pure: every
 * adapter decides the same way.
 */
export function firelensLogSource(containers: ReadonlyArray<{ readonly name: string; readonly logDriver?: unknown; readonly isSidecar?: boolean }>): string | undefined {
  return containers.find(c => !c.isSidecar && c.logDriver === 'awsfirelens')?.name;
}

/**
 * The sidecar's log driver: the enforcer's; else one that follows the task (decided later by
 * `decideSidecarLogging`), or with `followTask` false CloudWatch Logs at once (for an adapter
 * that applies `firelensLogSource` itself).
 */
export function sidecarLogDriver(enforcer: Enforcer, followTask: boolean = true): ecs.LogDriver {
  if (enforcer.logging) return enforcer.logging;
  return followTask ? new TaskFollowingLogDriver(enforcer.containerName) : ecs.LogDrivers.awsLogs({ streamPrefix: enforcer.containerName });
}

/** The log driver bound to each sidecar that follows its task, until its configuration is decided. */
const FOLLOWING = new WeakMap<ecs.ContainerDefinition, TaskFollowingLogDriver>();

/**
 * Decides, once, where a sidecar that follows its task logs (see `firelensLogSource`). Call it when
 * the task's containers are known and before aws-cdk-lib renders the task: at the enforcement.
 * A sidecar whose enforcer sets `logging` is left alone.
 */
export function decideSidecarLogging(sidecar: ecs.ContainerDefinition, containers: ReadonlyArray<ecs.ContainerDefinition>): void {
  FOLLOWING.get(sidecar)?.decide(containers);
}

/** Whether a sidecar that follows its task still waits for its logging to be decided. */
export function sidecarLoggingUndecided(sidecar: ecs.ContainerDefinition): boolean {
  return FOLLOWING.get(sidecar)?.undecided ?? false;
}

/** The driver aws-cdk-lib binds when the sidecar is created; its configuration is filled in by `decide`. */
class TaskFollowingLogDriver extends ecs.LogDriver {
  /** The object aws-cdk-lib keeps as the container's `logDriverConfig` and renders. */
  private readonly config: { logDriver: string; options?: { [key: string]: string }; secretOptions?: ecs.CfnTaskDefinition.SecretProperty[] } = {
    logDriver: 'undecided (cdk-enforced-fargate decides it at synthesis)',
  };
  private container?: ecs.ContainerDefinition;
  public undecided = true;

  constructor(private readonly streamPrefix: string) {
    super();
  }

  public bind(_scope: Construct, containerDefinition: ecs.ContainerDefinition): ecs.LogDriverConfig {
    if (this.container) throw new Error('cdk-enforced-fargate: a sidecar log driver is bound once');
    this.container = containerDefinition;
    FOLLOWING.set(containerDefinition, this);
    return this.config;
  }

  public decide(containers: ReadonlyArray<ecs.ContainerDefinition>): void {
    if (!this.undecided || !this.container) return;
    this.undecided = false;
    const sidecar = this.container;
    const source = firelensLogSource(containers.map(c => ({ name: c.containerName, logDriver: c.logDriverConfig?.logDriver, isSidecar: c === sidecar })));
    const chosen = source !== undefined
      ? containers.find(c => c.containerName === source)!.logDriverConfig!
      // The same construct scope and id as an awslogs driver given to the container directly.
      : ecs.LogDrivers.awsLogs({ streamPrefix: this.streamPrefix }).bind(sidecar, sidecar);
    this.config.logDriver = chosen.logDriver;
    if (chosen.options !== undefined) this.config.options = { ...chosen.options };
    if (chosen.secretOptions !== undefined) this.config.secretOptions = [...chosen.secretOptions];
  }
}
