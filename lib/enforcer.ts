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
   * @default - CloudWatch Logs through the awslogs driver, stream prefix = the container name
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
const HOST_PATTERN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6_PATTERN = /^\[[0-9A-Fa-f:.]+\]$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * A prop as given, with JS `null` (which jsii languages and JavaScript callers can pass for an
 * optional prop) read as absent.
 */
function given<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

/** Checks that a list prop is a list of strings given element by element (tokens allowed per element). */
function stringList(value: unknown, prop: string, where: string): string[] {
  if (!Array.isArray(value)) {
    throw new Error(`${where}: '${prop}' must be a list of strings, got ${describe(value)}`);
  }
  if (value.some(v => typeof v === 'string' && Token.isUnresolved([v]))) {
    throw new Error(`${where}: '${prop}' is (or holds) a list token (${JSON.stringify(value)}), whose length is known only at deployment; give '${prop}' as a list of elements (each element may be a token)`);
  }
  value.forEach((v, i) => {
    if (typeof v !== 'string') throw new Error(`${where}: '${prop}[${i}]' must be a string, got ${describe(v)}`);
  });
  return [...value];
}

/** Checks that a map prop is an object (not a list, not null) and copies it. */
function map<T>(value: unknown, prop: string, where: string, check: (v: unknown) => boolean, what: string): { [name: string]: T } {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where}: '${prop}' must be a map of names to ${what}, got ${describe(value)}`);
  }
  const copy: { [name: string]: T } = {};
  for (const [key, v] of Object.entries(value)) {
    if (!check(v)) throw new Error(`${where}: '${prop}.${key}' must be ${what.replace(/s$/, '')}, got ${describe(v)}`);
    copy[key] = v as T;
  }
  return copy;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype) {
    return `an instance of ${value.constructor?.name ?? 'an unknown class'}`;
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isSecret(value: unknown): value is ecs.Secret {
  return typeof value === 'object' && value !== null && typeof (value as ecs.Secret).arn === 'string' && typeof (value as ecs.Secret).grantRead === 'function';
}

function isArchitecture(value: unknown): value is ecs.CpuArchitecture {
  return typeof value === 'object' && value !== null && typeof (value as ecs.CpuArchitecture)._cpuArchitecture === 'string';
}

/** `host:port` with a port of 1-65535, or a message saying what is wrong. */
function checkServer(server: string): string | undefined {
  const colon = server.lastIndexOf(':');
  const host = colon < 0 ? server : server.slice(0, colon);
  const port = colon < 0 ? '' : server.slice(colon + 1);
  const hostIsToken = Token.isUnresolved(host);
  const portIsToken = Token.isUnresolved(port);
  if (colon < 0) return Token.isUnresolved(server) ? undefined : 'it has no port';
  if (!hostIsToken && !HOST_PATTERN.test(host) && !IPV6_PATTERN.test(host)) {
    return `its host ${JSON.stringify(host)} is not a host name, an IPv4 address or a bracketed IPv6 address`;
  }
  if (!portIsToken && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    return `its port ${JSON.stringify(port)} is not a number from 1 to 65535`;
  }
  return undefined;
}

/**
 * A runtime-security enforcer delivered as a sidecar image whose volume holds the enforcer binary.
 *
 * An `Enforcer` is a value: one instance may serve many task definitions. Its lists and maps are
 * copies of the props, frozen, so that nothing changes them after they were checked.
 */
export class Enforcer {
  /**
   * The Aqua MicroEnforcer, as in Aqua's "AWS Fargate Security with Sidecars".
   *
   * Sets `AQUA_MICROENFORCER=1` and `AQUA_SERVER` on every protected container and the secret
   * `AQUA_TOKEN`.
   */
  public static aquaMicroEnforcer(props: AquaMicroEnforcerProps): Enforcer {
    const where = 'Enforcer.aquaMicroEnforcer';
    if (props === null || typeof props !== 'object') {
      throw new Error(`${where}: props are required: { image, server, token }`);
    }
    const environment = given(props.environment);
    const secrets = given(props.secrets);
    const reserved = ['AQUA_MICROENFORCER', 'AQUA_SERVER', 'AQUA_TOKEN'];
    for (const name of reserved) {
      const has = (m: unknown) => typeof m === 'object' && m !== null && Object.prototype.hasOwnProperty.call(m, name);
      if (has(environment) || has(secrets)) {
        throw new Error(`${where}: '${name}' is set by the preset from 'server' and 'token'; remove it from environment/secrets`);
      }
    }
    const server: unknown = props.server;
    if (typeof server !== 'string') {
      throw new Error(`${where}: 'server' is required: the Aqua gateway as host:port (e.g. 'aqua-gateway.internal:8443'), got ${describe(server)}`);
    }
    const wrong = checkServer(server);
    if (wrong !== undefined) {
      throw new Error(`${where}: 'server' must be the Aqua gateway as host:port (e.g. 'aqua-gateway.internal:8443'), got ${JSON.stringify(server)}: ${wrong}`);
    }
    const token: unknown = props.token;
    if (!isSecret(token)) {
      throw new Error(`${where}: 'token' is required: the deployment token as an ecs.Secret (e.g. ecs.Secret.fromSecretsManager(secret)), got ${describe(token)}`);
    }
    return new Enforcer({
      ...props,
      environment: { ...environment, AQUA_MICROENFORCER: '1', AQUA_SERVER: server },
      secrets: { ...secrets, AQUA_TOKEN: token },
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
   * @default - awslogs with the container name as stream prefix
   */
  public readonly logging?: ecs.LogDriver;
  /** The CPU architectures the enforcer ships binaries for. */
  public readonly cpuArchitectures: ecs.CpuArchitecture[];

  constructor(props: EnforcerProps) {
    const where = 'Enforcer';
    if (props === null || typeof props !== 'object') {
      throw new Error(`${where}: props are required, at least { image }`);
    }
    // Each prop is read once: what is checked is what is kept.
    const imageGiven: unknown = props.image;
    const image = given(imageGiven) as ecs.ContainerImage | undefined;
    if (image === undefined || typeof image !== 'object' || typeof (image as ecs.ContainerImage).bind !== 'function') {
      throw new Error(`${where}: 'image' is required: the enforcer image as an ecs.ContainerImage (e.g. ecs.ContainerImage.fromRegistry('registry.example.com/microenforcer:2022.4')), got ${describe(imageGiven)}`);
    }
    const binaryPath = given(props.binaryPath) ?? '/aqua/microenforcer';
    if (typeof binaryPath !== 'string') {
      throw new Error(`${where}: 'binaryPath' must be a string, got ${describe(binaryPath)}`);
    }
    if (!Token.isUnresolved(binaryPath)) {
      const normal = path.posix.normalize(binaryPath);
      if (!path.posix.isAbsolute(binaryPath) || binaryPath.endsWith('/') || path.posix.dirname(normal) === '/' || CONTROL_CHARACTERS.test(binaryPath)) {
        throw new Error(`${where}: 'binaryPath' must be an absolute path to a file inside a volume directory (e.g. '/aqua/microenforcer'), got ${JSON.stringify(binaryPath)}`);
      }
      if (normal !== binaryPath) {
        // '..', '.' and '//' would let a path that looks as if it were inside the volume name a
        // file elsewhere (and the volume directory is the binary's directory as written).
        throw new Error(`${where}: 'binaryPath' must be a plain absolute path without '.', '..' or '//' segments, got ${JSON.stringify(binaryPath)}; write it as ${JSON.stringify(normal)} if that is the file meant`);
      }
    }
    const binaryArgs = stringList(given(props.binaryArgs) ?? [], 'binaryArgs', where);
    const containerName = given(props.containerName) ?? 'enforcer';
    if (typeof containerName === 'string' && Token.isUnresolved(containerName)) {
      // Protected containers name the sidecar (volumesFrom, dependsOn) and clashes are found by
      // name at synthesis: a name known only at deployment could clash unseen.
      throw new Error(`${where}: 'containerName' is a token (${containerName}), known only at deployment, so a clash with another container's name could not be found; give a plain name`);
    }
    if (typeof containerName !== 'string' || !NAME_PATTERN.test(containerName)) {
      throw new Error(`${where}: 'containerName' must be 1-255 letters, digits, hyphens and underscores, got ${describe(containerName)}`);
    }
    const readOnly = given(props.readOnly) ?? true;
    if (typeof readOnly !== 'boolean') {
      throw new Error(`${where}: 'readOnly' must be true or false, got ${describe(readOnly)}`);
    }
    const capabilitiesGiven = given(props.capabilities) ?? [];
    if (!Array.isArray(capabilitiesGiven) || Token.isUnresolved(capabilitiesGiven)) {
      throw new Error(`${where}: 'capabilities' must be a list of ecs.Capability values, got ${describe(capabilitiesGiven)}`);
    }
    const capabilities = [...capabilitiesGiven];
    const notAllowed = capabilities.filter(c => c !== ecs.Capability.SYS_PTRACE);
    if (notAllowed.length > 0) {
      throw new Error(`${where}: 'capabilities' may only add SYS_PTRACE on Fargate, got ${JSON.stringify(notAllowed)}; remove them`);
    }
    const dependencyCondition = given(props.dependencyCondition) ?? ecs.ContainerDependencyCondition.START;
    if (dependencyCondition === ecs.ContainerDependencyCondition.HEALTHY) {
      throw new Error(`${where}: 'dependencyCondition' HEALTHY needs a health check, which the enforcer sidecar does not have; use START (the default), COMPLETE or SUCCESS`);
    }
    if (!Object.values(ecs.ContainerDependencyCondition).includes(dependencyCondition)) {
      throw new Error(`${where}: 'dependencyCondition' must be an ecs.ContainerDependencyCondition (START, COMPLETE or SUCCESS), got ${describe(dependencyCondition)}`);
    }
    const environment = map<string>(given(props.environment), 'environment', where, v => typeof v === 'string', 'strings');
    const secrets = map<ecs.Secret>(given(props.secrets), 'secrets', where, isSecret, 'ecs.Secret values');
    for (const name of [...Object.keys(environment), ...Object.keys(secrets)]) {
      if (!ENV_NAME_PATTERN.test(name)) {
        throw new Error(`${where}: environment/secret name ${JSON.stringify(name)} is not a valid variable name (letters, digits and underscores, not starting with a digit)`);
      }
    }
    const both = Object.keys(environment).filter(n => Object.prototype.hasOwnProperty.call(secrets, n));
    if (both.length > 0) {
      throw new Error(`${where}: ${both.map(n => `'${n}'`).join(', ')} is set both in 'environment' and in 'secrets'; keep one`);
    }
    const architecturesGiven = given(props.cpuArchitectures);
    if (architecturesGiven !== undefined && (!Array.isArray(architecturesGiven) || architecturesGiven.some(a => !isArchitecture(a)))) {
      throw new Error(`${where}: 'cpuArchitectures' must be a list of ecs.CpuArchitecture values (e.g. [ecs.CpuArchitecture.X86_64]), got ${describe(architecturesGiven)}`);
    }
    if (architecturesGiven !== undefined && architecturesGiven.length === 0) {
      throw new Error(`${where}: 'cpuArchitectures' is empty: list at least one architecture the enforcer image ships binaries for (e.g. [ecs.CpuArchitecture.X86_64])`);
    }
    const commandGiven = given(props.command);
    if (commandGiven !== undefined && Array.isArray(commandGiven) && commandGiven.length === 0) {
      throw new Error(`${where}: 'command' is empty: leave it out to run the image's own CMD, or give the command`);
    }
    // The sidecar's command goes to aws-cdk-lib as a whole, where a list token is fine; its
    // elements must still be strings.
    const command = commandGiven === undefined ? undefined
      : (Array.isArray(commandGiven) && Token.isUnresolved(commandGiven)) ? [...commandGiven]
        : stringList(commandGiven, 'command', where);

    this.image = image;
    this.binaryPath = binaryPath;
    this.binaryArgs = Object.freeze(binaryArgs) as string[];
    this.containerName = containerName;
    this.readOnly = readOnly;
    this.environment = Object.freeze(environment);
    this.secrets = Object.freeze(secrets);
    this.capabilities = Object.freeze(capabilities) as ecs.Capability[];
    this.dependencyCondition = dependencyCondition;
    this.command = command === undefined ? undefined : Object.freeze(command) as string[];
    this.logging = given(props.logging);
    this.cpuArchitectures = Object.freeze([...(architecturesGiven ?? [ecs.CpuArchitecture.X86_64])]) as ecs.CpuArchitecture[];
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
