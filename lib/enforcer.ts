import * as path from 'path';
import { Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/**
 * How the enforcer runs, apart from its image. Shared by `EnforcerProps` and the vendor presets.
 */
export interface EnforcerOptions {
  /**
   * Absolute path of the enforcer binary inside the enforcer image. Its directory must be a
   * Docker `VOLUME` of the image: that volume is what protected containers mount.
   *
   * @default '/aqua/microenforcer'
   */
  readonly binaryPath?: string;

  /**
   * Fixed arguments placed between the enforcer binary and the original program.
   *
   * For example Prisma Cloud's defender takes `['fargate', 'entrypoint']`.
   *
   * @default - none
   */
  readonly binaryArgs?: string[];

  /**
   * Name of the enforcer sidecar container in the task definition.
   *
   * @default 'enforcer'
   */
  readonly containerName?: string;

  /**
   * Whether protected containers mount the enforcer volume read-only.
   *
   * @default true
   */
  readonly readOnly?: boolean;

  /**
   * Environment variables the enforcer needs. They are set on every protected container, since
   * the enforcer runs inside it. Use `secrets` for anything sensitive.
   *
   * @default - none
   */
  readonly environment?: { [name: string]: string };

  /**
   * Secrets the enforcer needs (for example its deployment token). They are set on every
   * protected container, and the task's execution role is granted read access to them.
   *
   * @default - none
   */
  readonly secrets?: { [name: string]: ecs.Secret };

  /**
   * Linux capabilities to add to every protected container. Fargate allows only `SYS_PTRACE`.
   * They are merged with each container's own `linuxParameters`, never replacing them.
   *
   * @default - none
   */
  readonly capabilities?: ecs.Capability[];

  /**
   * The condition on which protected containers wait for the enforcer sidecar.
   * `HEALTHY` is not allowed: the sidecar has no health check.
   *
   * @default ecs.ContainerDependencyCondition.START
   */
  readonly dependencyCondition?: ecs.ContainerDependencyCondition;

  /**
   * The command the sidecar itself runs. It only has to start for its volume to be filled, and it
   * may exit at once (the sidecar is not essential).
   *
   * @default - the enforcer image's own CMD
   */
  readonly command?: string[];

  /**
   * Where the sidecar's own output goes.
   *
   * @default - the task's own choice: when a container of the task logs through FireLens (the
   * awsfirelens log driver), the sidecar uses the same FireLens log configuration as the first
   * such container (no log group is added); otherwise CloudWatch Logs through the awslogs
   * driver, in a new log group, stream prefix = the container name
   */
  readonly logging?: ecs.LogDriver;

  /**
   * The CPU architectures the enforcer image ships binaries for. The binary runs inside each
   * protected container, so a task whose architecture is not listed is rejected.
   *
   * @default [ecs.CpuArchitecture.X86_64]
   */
  readonly cpuArchitectures?: ecs.CpuArchitecture[];
}

/** Properties of an `Enforcer`. */
export interface EnforcerProps extends EnforcerOptions {
  /**
   * The enforcer image. It must declare a `VOLUME` holding the enforcer binary at `binaryPath`.
   */
  readonly image: ecs.ContainerImage;
}

/** Properties of `Enforcer.aquaMicroEnforcer()`. */
export interface AquaMicroEnforcerProps extends EnforcerOptions {
  /**
   * The MicroEnforcer image, built `FROM` a small base with the binary at `binaryPath` in a `VOLUME`.
   */
  readonly image: ecs.ContainerImage;

  /**
   * The Aqua gateway the MicroEnforcer connects to, as `host:port` (set as `AQUA_SERVER`).
   */
  readonly server: string;

  /**
   * The Aqua deployment token (set as the secret `AQUA_TOKEN`, never as a plain variable).
   */
  readonly token: ecs.Secret;
}

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A runtime-security enforcer delivered as a sidecar image whose volume holds the enforcer binary.
 *
 * An `Enforcer` is a value: one instance may serve many task definitions.
 */
export class Enforcer {
  /**
   * The Aqua MicroEnforcer, as in Aqua's "AWS Fargate Security with Sidecars".
   *
   * Sets `AQUA_MICROENFORCER=1` and `AQUA_SERVER` on every protected container and the secret
   * `AQUA_TOKEN`.
   */
  public static aquaMicroEnforcer(props: AquaMicroEnforcerProps): Enforcer {
    const reserved = ['AQUA_MICROENFORCER', 'AQUA_SERVER', 'AQUA_TOKEN'];
    for (const name of reserved) {
      if (props.environment?.[name] !== undefined || props.secrets?.[name] !== undefined) {
        throw new Error(`Enforcer.aquaMicroEnforcer: '${name}' is set by the preset from 'server' and 'token'; remove it from environment/secrets`);
      }
    }
    if (!Token.isUnresolved(props.server) && !/^[^\s:/]+:\d{1,5}$/.test(props.server)) {
      throw new Error(`Enforcer.aquaMicroEnforcer: 'server' must be the Aqua gateway as host:port (e.g. 'aqua-gateway.internal:8443'), got ${JSON.stringify(props.server)}`);
    }
    return new Enforcer({
      ...props,
      environment: { ...props.environment, AQUA_MICROENFORCER: '1', AQUA_SERVER: props.server },
      secrets: { ...props.secrets, AQUA_TOKEN: props.token },
    });
  }

  /** The enforcer image. */
  public readonly image: ecs.ContainerImage;
  /** Absolute path of the enforcer binary. */
  public readonly binaryPath: string;
  /** Fixed arguments between the binary and the original program. */
  public readonly binaryArgs: string[];
  /** Name of the sidecar container. */
  public readonly containerName: string;
  /** Whether the volume is mounted read-only. */
  public readonly readOnly: boolean;
  /** Environment variables set on every protected container. */
  public readonly environment: { [name: string]: string };
  /** Secrets set on every protected container. */
  public readonly secrets: { [name: string]: ecs.Secret };
  /** Capabilities added to every protected container. */
  public readonly capabilities: ecs.Capability[];
  /** The condition protected containers wait for. */
  public readonly dependencyCondition: ecs.ContainerDependencyCondition;
  /**
   * The sidecar's own command.
   * @default - the image's CMD
   */
  public readonly command?: string[];
  /**
   * The sidecar's log driver.
   * @default - the task's own choice: FireLens when a container of the task logs through it,
   * else awslogs with the container name as stream prefix
   */
  public readonly logging?: ecs.LogDriver;
  /** The CPU architectures the enforcer ships binaries for. */
  public readonly cpuArchitectures: ecs.CpuArchitecture[];

  constructor(props: EnforcerProps) {
    const binaryPath = props.binaryPath ?? '/aqua/microenforcer';
    if (!Token.isUnresolved(binaryPath) && (!path.posix.isAbsolute(binaryPath) || binaryPath.endsWith('/') || path.posix.dirname(binaryPath) === '/')) {
      throw new Error(`Enforcer: 'binaryPath' must be an absolute path to a file inside a volume directory (e.g. '/aqua/microenforcer'), got ${JSON.stringify(binaryPath)}`);
    }
    const containerName = props.containerName ?? 'enforcer';
    if (!Token.isUnresolved(containerName) && !NAME_PATTERN.test(containerName)) {
      throw new Error(`Enforcer: 'containerName' must be 1-255 letters, digits, hyphens and underscores, got ${JSON.stringify(containerName)}`);
    }
    const capabilities = props.capabilities ?? [];
    const notAllowed = capabilities.filter(c => c !== ecs.Capability.SYS_PTRACE);
    if (notAllowed.length > 0) {
      throw new Error(`Enforcer: 'capabilities' may only add SYS_PTRACE on Fargate, got ${JSON.stringify(notAllowed)}; remove them`);
    }
    const dependencyCondition = props.dependencyCondition ?? ecs.ContainerDependencyCondition.START;
    if (dependencyCondition === ecs.ContainerDependencyCondition.HEALTHY) {
      throw new Error("Enforcer: 'dependencyCondition' HEALTHY needs a health check, which the enforcer sidecar does not have; use START (the default), COMPLETE or SUCCESS");
    }
    for (const name of [...Object.keys(props.environment ?? {}), ...Object.keys(props.secrets ?? {})]) {
      if (!ENV_NAME_PATTERN.test(name)) {
        throw new Error(`Enforcer: environment/secret name ${JSON.stringify(name)} is not a valid variable name (letters, digits and underscores, not starting with a digit)`);
      }
    }
    const both = Object.keys(props.environment ?? {}).filter(n => props.secrets?.[n] !== undefined);
    if (both.length > 0) {
      throw new Error(`Enforcer: ${both.map(n => `'${n}'`).join(', ')} is set both in 'environment' and in 'secrets'; keep one`);
    }
    if (props.cpuArchitectures !== undefined && props.cpuArchitectures.length === 0) {
      throw new Error("Enforcer: 'cpuArchitectures' is empty: list at least one architecture the enforcer image ships binaries for (CpuArchitecture.X86_64 or CpuArchitecture.ARM64 of aws-cdk-lib's ECS module), or leave it out for X86_64");
    }
    if (props.command !== undefined && props.command.length === 0) {
      throw new Error("Enforcer: 'command' is empty: leave it out to run the image's own CMD, or give the command");
    }

    this.image = props.image;
    this.binaryPath = binaryPath;
    this.binaryArgs = [...(props.binaryArgs ?? [])];
    this.containerName = containerName;
    this.readOnly = props.readOnly ?? true;
    this.environment = { ...props.environment };
    this.secrets = { ...props.secrets };
    this.capabilities = [...capabilities];
    this.dependencyCondition = dependencyCondition;
    this.command = props.command ? [...props.command] : undefined;
    this.logging = props.logging;
    this.cpuArchitectures = [...(props.cpuArchitectures ?? [ecs.CpuArchitecture.X86_64])];
  }

  /**
   * The argv prefix that starts a protected program: the binary, then `binaryArgs`.
   */
  public get entryPointPrefix(): string[] {
    return [this.binaryPath, ...this.binaryArgs];
  }

  /** Whether the enforcer ships a binary for `architecture`. */
  public supportsArchitecture(architecture: ecs.CpuArchitecture): boolean {
    return this.cpuArchitectures.some(a => a._cpuArchitecture === architecture._cpuArchitecture);
  }
}
