import { Annotations, AspectPriority, Aspects, IAspect, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { builtInImageAsset, deliveryLabels, LABEL_BINARY, LABEL_DELIVERY, writableVolumeName } from './delivery-resources';
import { Enforcer } from './enforcer';
import { Argv, ImageArgv, wrapEntryCommand } from './entry-command';
import { findContainerImageDefaults } from './container-image-defaults';
import { lookupCommand } from './lookup/requests';
import { IMAGE_DEFAULTS_CONTEXT_KEY, ImageDefaults, parseImageDefaults } from './image-defaults';

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

/** The id of the warning that an enforced task protects nothing. */
const WARN_NOTHING_PROTECTED = 'cdk-enforced-fargate:nothingProtected';

/** The ECS limit of containers in one task definition (not adjustable). */
const MAX_CONTAINERS = 10;

/** The name aws-cdk-lib gives the FireLens log router it adds to a task that lacks one. */
const PENDING_ROUTER_NAME = 'log-router';

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

  /**
   * The enforcer sidecar container (with the task-volume copy: the init container that copies the
   * enforcer files).
   *
   * @default - none with the built-in delivery, which has no sidecar
   */
  public readonly enforcerContainer?: ecs.ContainerDefinition;

  private readonly excludedContainers: string[];
  private readonly imageDefaults: { [name: string]: ImageDefaults };
  private readonly lookupPlatform: string;
  /** Containers the enforcement has looked at (protected, excluded or the sidecar). */
  private readonly handled = new Set<ecs.ContainerDefinition>();
  private readonly protectedNames: string[] = [];
  private readonly problems: string[] = [];
  private warnedNothingProtected = false;
  private architecture: ecs.CpuArchitecture = ecs.CpuArchitecture.X86_64;

  constructor(scope: Construct, id: string, props: EnforcedFargateTaskDefinitionProps) {
    const prefix = `EnforcedFargateTaskDefinition '${id}'`;
    if (!props || !props.enforcer) {
      throw new Error(`${prefix}: 'enforcer' is required, e.g. Enforcer.aquaMicroEnforcer({ image, server, token })`);
    }
    const os = props.runtimePlatform?.operatingSystemFamily;
    if (os && os.isWindows()) {
      throw new Error(`${prefix}: runtimePlatform.operatingSystemFamily is ${os._operatingSystemFamily}, but ` +
        (props.enforcer.delivery.isVolumesFrom ? 'Windows Fargate ignores image VOLUMEs, so the enforcer volume cannot reach the containers' : `the ${props.enforcer.delivery.mode} delivery runs a Linux enforcer binary inside each container`) +
        '; use a Linux task');
    }
    const architecture = props.runtimePlatform?.cpuArchitecture ?? ecs.CpuArchitecture.X86_64;
    if (!props.enforcer.supportsArchitecture(architecture)) {
      throw new Error(`${prefix}: the task's CPU architecture is ${architecture._cpuArchitecture} but the enforcer ships binaries for ${props.enforcer.cpuArchitectures.map(a => a._cpuArchitecture).join(', ')} only; use an enforcer image built for ${architecture._cpuArchitecture} and list it in the enforcer's 'cpuArchitectures', or change runtimePlatform.cpuArchitecture`);
    }
    const excluded = props.excludedContainers ?? [];
    if (excluded.includes(props.enforcer.containerName)) {
      throw new Error(`${prefix}: excludedContainers names the enforcer sidecar '${props.enforcer.containerName}', which is never protected anyway; remove it`);
    }
    for (const [key, value] of Object.entries(props.imageDefaults ?? {})) {
      const parsed = parseImageDefaults(value, `imageDefaults['${key}']`);
      if (typeof parsed === 'string') throw new Error(`${prefix}: ${parsed}`);
    }

    super(scope, id, props);

    this.enforcer = props.enforcer;
    this.excludedContainers = [...excluded];
    this.imageDefaults = { ...props.imageDefaults };
    // The platform `lookup` reads registry images for (the task's CPU architecture).
    this.lookupPlatform = architecture._cpuArchitecture === ecs.CpuArchitecture.ARM64._cpuArchitecture ? 'linux/arm64' : 'linux/amd64';

    this.architecture = architecture;
    const delivery = this.enforcer.delivery;
    if (delivery.isTaskVolumeCopy) {
      // The init container copies the enforcer files into a task volume (a bind mount with no
      // host path) and exits; protected containers mount it read-only once the copy has finished.
      this.addVolume({ name: delivery.volumeName! });
      this.enforcerContainer = this.addContainer('EnforcerSidecar', {
        containerName: this.enforcer.containerName,
        image: this.enforcer.image,
        essential: false,
        readonlyRootFilesystem: true,
        cpu: 0,
        entryPoint: delivery.copyCommand,
        user: delivery.copyUser,
        dockerLabels: deliveryLabels(this.enforcer),
        logging: this.enforcer.logging ?? ecs.LogDrivers.awsLogs({ streamPrefix: this.enforcer.containerName }),
      });
      this.enforcerContainer.addMountPoints({ sourceVolume: delivery.volumeName!, containerPath: this.enforcer.filesDirectory, readOnly: false });
    } else if (delivery.isVolumesFrom) {
      this.enforcerContainer = this.addContainer('EnforcerSidecar', {
        containerName: this.enforcer.containerName,
        image: this.enforcer.image,
        essential: false,
        readonlyRootFilesystem: true,
        cpu: 0,
        command: this.enforcer.command,
        dockerLabels: deliveryLabels(this.enforcer),
        logging: this.enforcer.logging ?? ecs.LogDrivers.awsLogs({ streamPrefix: this.enforcer.containerName }),
      });
    }

    // The enforcement runs at synthesis as an Aspect, before aws-cdk-lib first renders the task.
    // It is attached to a leaf construct of its own, so that aws-cdk-lib invokes it once rather
    // than on every construct below the task definition (measured in bench/).
    const hook = new Construct(this, 'Enforcement');
    const aspect: IAspect = { visit: () => this.enforce() };
    Aspects.of(hook).add(aspect, { priority: AspectPriority.MUTATING });
    this.node.addValidation({ validate: () => this.validateEnforcement() });
  }

  /** Protects every container not handled yet. Runs at synthesis, once per container. */
  private enforce(): void {
    this.addPendingFirelensRouter();
    this.containers.forEach((container, index) => {
      if (this.handled.has(container)) return;
      this.handled.add(container);
      if (container === this.enforcerContainer) return;
      const name = container.containerName;
      if (this.enforcerContainer && name === this.enforcer.containerName) return; // reported by validation
      if (this.excludedContainers.includes(name)) return;
      this.protect(container, index);
    });
  }

  /**
   * aws-cdk-lib adds a FireLens log router when it first renders a task whose containers log
   * through FireLens and that has none, which is after Aspects and too late to protect it. Add it
   * now, with exactly the settings aws-cdk-lib would use, so that it is counted and then protected
   * or excluded like any other container.
   */
  private addPendingFirelensRouter(): void {
    if (this.containers.some(c => c instanceof ecs.FirelensLogRouter)) return;
    const user = this.containers.find(c => c.logDriverConfig?.logDriver === 'awsfirelens');
    if (!user) return;
    this.addFirelensLogRouter(PENDING_ROUTER_NAME, {
      image: ecs.obtainDefaultFluentBitECRImage(this, user.logDriverConfig),
      firelensConfig: { type: ecs.FirelensLogRouterType.FLUENTBIT },
      logging: new ecs.AwsLogDriver({ streamPrefix: 'firelens' }),
      memoryReservationMiB: 50,
    });
  }

  private protect(container: ecs.ContainerDefinition, index: number): void {
    const name = container.containerName;
    const stack = Stack.of(this);
    const rendered = container.renderContainerDefinition(this);
    // Values are resolved only where a check must compare them (a name the enforcer also sets):
    // resolving whole rendered definitions was most of the enforcement's cost at synthesis
    // (see bench/). The argv is taken unresolved so that tokens stay intact.
    const resolve = (value: unknown) => JSON.stringify(stack.resolve(value));
    const where = `container '${name}'`;
    const fail = (message: string) => { this.problems.push(`${where}: ${message}`); };

    // 1. The entry command.
    const definition: Argv = { entryPoint: rendered.entryPoint as string[] | undefined, command: rendered.command as string[] | undefined };
    if (definition.entryPoint !== undefined && definition.entryPoint.length === 0) {
      return fail("entryPoint is [] (empty), which ECS may pass as 'no ENTRYPOINT' or drop; leave entryPoint out, or give the program to run");
    }
    if (definition.entryPoint !== undefined && Token.isUnresolved(definition.entryPoint)) {
      return fail(`entryPoint is a whole-list token (${JSON.stringify(definition.entryPoint)}) which cannot be prefixed with the enforcer binary; give entryPoint as a list of elements (each element may be a token)`);
    }
    let image: ImageArgv = {};
    let source = '';
    let lookupReference: string | undefined;
    // The built-in delivery writes the derived image's own ENTRYPOINT/CMD, so it needs them always.
    if (definition.entryPoint === undefined || this.enforcer.delivery.isBuiltIn) {
      // Every source, in order: declared by container name, by image name, the asset's
      // Dockerfile (and its base image), the context (see container-image-defaults.ts).
      const found = findContainerImageDefaults(container, this.imageDefaults, this.contextImageDefaults());
      if (typeof found === 'string') return fail(found);
      if (found) {
        lookupReference = found.lookupReference;
        image = found.defaults;
        source = found.source;
        if (image.entryPoint !== undefined && Token.isUnresolved(image.entryPoint)) {
          return fail(`the image ENTRYPOINT from ${source} is a whole-list token, which cannot be prefixed with the enforcer binary; give it as a list of elements`);
        }
      }
    }
    const result = wrapEntryCommand(definition, this.enforcer.entryPointPrefix, image);
    if (result.kind === 'missing') {
      return fail(this.missingDefaultsMessage(name, container.imageName, result.missing, definition, source, lookupReference));
    }
    if (result.kind === 'nothing') {
      return fail(`names no program: it sets neither entryPoint nor command and ${source} declares an image with no ENTRYPOINT and no CMD, so Docker would refuse to start it; give the container a command, or correct the declaration`);
    }
    const cfn = this.node.defaultChild as ecs.CfnTaskDefinition;
    const path = `ContainerDefinitions.${index}`;
    if (!result.alreadyWrapped || definition.entryPoint === undefined) {
      cfn.addPropertyOverride(`${path}.EntryPoint`, result.definition.entryPoint);
    }
    if (result.definition.command !== undefined && (definition.command === undefined || definition.command.length === 0)) {
      cfn.addPropertyOverride(`${path}.Command`, result.definition.command);
    }

    // 2. How the enforcer files get there, and the wait for them.
    const delivered = this.enforcer.delivery.isBuiltIn
      ? this.deliverBuiltIn(container, path, image, lookupReference, result.definition)
      : this.deliverFromSidecar(container, this.enforcerContainer!);
    if (delivered !== undefined) return fail(delivered);
    if (this.enforcer.writableDirectory !== undefined) {
      const writable = this.enforcer.writableDirectory;
      const clash = container.mountPoints.find(m => m.containerPath === writable);
      if (clash) return fail(`already mounts '${clash.sourceVolume}' at ${writable}, where the enforcer needs its private writable volume; mount it elsewhere`);
      const volumeName = writableVolumeName(name);
      this.addVolume({ name: volumeName });
      container.addMountPoints({ sourceVolume: volumeName, containerPath: writable, readOnly: false });
    }

    // 3. Environment and secrets: merged; a clash with a different value is an error.
    const env = new Map(((rendered.environment ?? []) as ecs.CfnTaskDefinition.KeyValuePairProperty[]).map(kv => [kv.name!, kv.value]));
    const secrets = new Map(((rendered.secrets ?? []) as ecs.CfnTaskDefinition.SecretProperty[]).map(s => [s.name, s.valueFrom]));
    const same = (a: unknown, b: unknown) => resolve(a) === resolve(b);
    const enforcerEnvironment: { [name: string]: string } = { ...this.enforcer.environment };
    if (this.enforcer.containerNameVariable) enforcerEnvironment[this.enforcer.containerNameVariable] = name;
    if (this.enforcer.imageNameVariable) enforcerEnvironment[this.enforcer.imageNameVariable] = container.imageName;
    if (this.enforcer.taskFamilyVariable) enforcerEnvironment[this.enforcer.taskFamilyVariable] = this.family;
    for (const [key, value] of Object.entries(enforcerEnvironment)) {
      if (secrets.has(key)) return fail(`sets '${key}' as a secret, but the enforcer sets it as a plain variable; remove it from the container`);
      if (env.has(key) && !same(env.get(key), value)) {
        return fail(`sets environment '${key}' to ${resolve(env.get(key))}, but the enforcer needs ${JSON.stringify(value)}; remove it from the container or give the same value`);
      }
    }
    for (const [key, secret] of Object.entries(this.enforcer.secrets)) {
      if (env.has(key)) return fail(`sets '${key}' as a plain variable, but the enforcer needs it as a secret; remove it from the container's environment`);
      if (secrets.has(key) && !same(secrets.get(key), secret.arn)) {
        return fail(`sets secret '${key}' from a different source than the enforcer's; remove it from the container or use the same secret`);
      }
    }
    for (const [key, value] of Object.entries(enforcerEnvironment)) {
      if (!env.has(key)) container.addEnvironment(key, value);
    }
    for (const [key, secret] of Object.entries(this.enforcer.secrets)) {
      if (!secrets.has(key)) container.addSecret(key, secret);
    }

    // 4. Capabilities: merged into the container's own linuxParameters at render time.
    if (this.enforcer.capabilities.length > 0) {
      const dropped = rendered.linuxParameters && (stack.resolve(rendered.linuxParameters) as any).capabilities?.drop;
      const clash = this.enforcer.capabilities.filter(c => Array.isArray(dropped) && (dropped.includes(c) || dropped.includes('ALL')));
      if (clash.length > 0) {
        return fail(`linuxParameters drops ${clash.join(', ')}, which the enforcer needs; stop dropping it`);
      }
      const capabilities = this.enforcer.capabilities;
      cfn.addPropertyOverride(`${path}.LinuxParameters.Capabilities.Add`, Lazy.list({
        produce: () => {
          const rendered = stack.resolve(container.linuxParameters?.renderLinuxParameters().capabilities);
          const own: string[] = (rendered && Array.isArray(rendered.add)) ? rendered.add : [];
          return [...own, ...capabilities.filter(c => !own.includes(c))];
        },
      }));
    }
    this.protectedNames.push(name);
  }

  /**
   * volumesFrom: a read-only `volumesFrom` of the sidecar. Task-volume copy: a read-only mount of
   * the task volume. Both: a dependency on the sidecar (or init container) with the enforcer's
   * condition. Returns a problem, or undefined.
   */
  private deliverFromSidecar(container: ecs.ContainerDefinition, sidecar: ecs.ContainerDefinition): string | undefined {
    const sidecarName = this.enforcer.containerName;
    const readOnly = this.enforcer.readOnly;
    const delivery = this.enforcer.delivery;
    if (delivery.isVolumesFrom) {
      const existingVolume = container.volumesFrom.find(v => v.sourceContainer === sidecarName);
      if (existingVolume && !!existingVolume.readOnly !== readOnly) {
        return `already mounts volumes from '${sidecarName}' with readOnly ${!!existingVolume.readOnly}, but the enforcer is configured with readOnly ${readOnly}; remove the volumesFrom entry and let the enforcement add it`;
      }
      if (!existingVolume) container.addVolumesFrom({ sourceContainer: sidecarName, readOnly });
    } else {
      const mountPath = this.enforcer.filesDirectory;
      const existing = container.mountPoints.find(m => m.containerPath === mountPath);
      if (existing && (existing.sourceVolume !== delivery.volumeName || !!existing.readOnly !== readOnly)) {
        return `already mounts '${existing.sourceVolume}' (readOnly ${!!existing.readOnly}) at ${mountPath}, where the enforcer's task volume '${delivery.volumeName}' is mounted (readOnly ${readOnly}); remove that mount point and let the enforcement add it`;
      }
      if (!existing) container.addMountPoints({ sourceVolume: delivery.volumeName!, containerPath: mountPath, readOnly });
    }
    const existingDependency = container.containerDependencies.find(d => d.container.containerName === sidecarName);
    const existingCondition = existingDependency?.condition ?? ecs.ContainerDependencyCondition.HEALTHY;
    if (existingDependency && existingCondition !== this.enforcer.dependencyCondition) {
      return `already depends on '${sidecarName}' with condition ${existingCondition}, but the enforcer is configured with ${this.enforcer.dependencyCondition}; remove that dependency and let the enforcement add it`;
    }
    if (!existingDependency) {
      container.addContainerDependencies({ container: sidecar, condition: this.enforcer.dependencyCondition });
    }
    return undefined;
  }

  /**
   * Built in: the container's image becomes a Docker image asset derived from it, with the enforcer
   * files copied in and ENTRYPOINT/CMD rewritten, so that the image alone starts the original argv
   * under the enforcer. The task keeps its explicit, wrapped EntryPoint and carries the built-in
   * labels. Returns a problem, or undefined.
   */
  private deliverBuiltIn(container: ecs.ContainerDefinition, path: string, image: ImageArgv,
    lookupReference: string | undefined, wrapped: Argv): string | undefined {
    const imageName = container.imageName;
    if (Token.isUnresolved(imageName)) {
      return `uses an image whose name is a token (${imageName}, e.g. an asset image), but the built-in delivery derives a new image FROM the application image by name; use a registry image (ecs.ContainerImage.fromRegistry), or another delivery`;
    }
    if (image.entryPoint === undefined || image.command === undefined) {
      const what = [image.entryPoint === undefined ? 'ENTRYPOINT' : '', image.command === undefined ? 'CMD' : ''].filter(Boolean).join(' and ');
      const key = lookupReference ?? imageName;
      return `the built-in delivery writes the derived image's ENTRYPOINT and CMD, so the ${what} of image '${imageName}' must be known` +
        `; run \`${lookupCommand(this.lookupPlatform, key)}\` (it writes cdk.context.json) or declare them with imageDefaults: { '${key}': { entryPoint: [...], command: [...] } } ([] when the image has none)`;
    }
    const enforcerImage = this.enforcer.image.bind(this, container).imageName;
    if (Token.isUnresolved(enforcerImage)) {
      return `the built-in delivery copies the enforcer files FROM the enforcer image by name, but its name is a token (${enforcerImage}); give the enforcer image with ecs.ContainerImage.fromRegistry`;
    }
    const standalone = wrapEntryCommand({}, this.enforcer.entryPointPrefix, image);
    if (standalone.kind !== 'wrapped') {
      return `image '${imageName}' declares no ENTRYPOINT and no CMD, so the derived image would start nothing; correct the declaration`;
    }
    const asset = builtInImageAsset(this, container.containerName, {
      applicationImage: imageName,
      enforcerImage,
      filesDirectory: this.enforcer.filesDirectory,
      binaryPath: this.enforcer.binaryPath,
      entryPoint: standalone.definition.entryPoint ?? [],
      command: standalone.definition.command ?? [],
      architecture: this.architecture,
    });
    asset.repository.grantPull(this.obtainExecutionRole());
    const cfn = this.node.defaultChild as ecs.CfnTaskDefinition;
    cfn.addPropertyOverride(`${path}.Image`, asset.imageUri);
    if (wrapped.entryPoint === undefined) return 'internal: the built-in delivery needs an explicit EntryPoint';
    cfn.addPropertyOverride(`${path}.EntryPoint`, wrapped.entryPoint);
    container.addDockerLabel(LABEL_DELIVERY, 'built-in');
    container.addDockerLabel(LABEL_BINARY, this.enforcer.binaryPath);
    return undefined;
  }

  private contextImageDefaults(): { [image: string]: unknown } | undefined {
    const value = this.node.tryGetContext(IMAGE_DEFAULTS_CONTEXT_KEY);
    if (value === undefined) return undefined;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.problems.push(`context '${IMAGE_DEFAULTS_CONTEXT_KEY}' must be an object keyed by image reference, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value;
  }

  private missingDefaultsMessage(name: string, imageName: string, missing: string[], definition: Argv,
    source: string, lookupReference: string | undefined): string {
    const what = missing.map(m => (m === 'entryPoint' ? 'ENTRYPOINT' : 'CMD')).join(' and ');
    const why = definition.command === undefined || definition.command.length === 0
      ? 'sets neither entryPoint nor command'
      : 'sets command but no entryPoint';
    const example = missing.includes('command')
      ? '{ entryPoint: [...], command: [...] }'
      : '{ entryPoint: [...] }';
    // Name the lookup command with the exact reference (for an asset image, the external
    // base its Dockerfile leaves ENTRYPOINT/CMD to); `lookup --from-synth` parses this sentence.
    const fromBase = lookupReference !== undefined && source.startsWith('Dockerfile ');
    const tokenImage = Token.isUnresolved(imageName) && lookupReference === undefined;
    const which = fromBase
      ? `${source.split(',')[0]} leaves it to its base image '${lookupReference}', which has none declared`
      : tokenImage
        ? 'its image name is a token (known only at deployment), so they must be declared by container name'
        : `image '${imageName}' has none declared`;
    const imageKey = lookupReference ?? (Token.isUnresolved(imageName) ? name : imageName);
    const lookup = lookupReference !== undefined
      ? `Read them from the registry with \`${lookupCommand(this.lookupPlatform, lookupReference)}\` (it writes cdk.context.json), or declare them`
      : 'Declare them';
    return `${why}, so the image's own ${what} must be known to start it under the enforcer, and ${which}. ` +
      `${lookup} with imageDefaults: { '${imageKey}': ${example} } (entryPoint: [] if the image has no ENTRYPOINT)` +
      (tokenImage ? '' : `, or in the context key '${IMAGE_DEFAULTS_CONTEXT_KEY}'`) +
      ', or give the container an explicit entryPoint';
  }

  /** Synthesis-time checks: every problem found, plus what can only be judged on the whole task. */
  private validateEnforcement(): string[] {
    const errors = [...this.problems];
    // A container added after the enforcement ran cannot be changed reliably any more (aws-cdk-lib
    // may already have rendered it): refuse to produce a template in which it runs unprotected.
    for (const c of this.containers.filter(x => !this.handled.has(x))) {
      errors.push(`container '${c.containerName}' was added to the task after the enforcement ran (during synthesis), so it cannot be protected; add it before synthesis, not from an Aspect or validation that runs after the task definition's enforcement`);
    }
    const names = this.containers.map(c => c.containerName);
    const clashes = this.enforcerContainer ? this.containers.filter(c => c !== this.enforcerContainer && c.containerName === this.enforcer.containerName) : [];
    for (const c of clashes) {
      errors.push(`container '${c.containerName}' (construct ${c.node.path}) has the enforcer sidecar's name; rename it, or give the enforcer another 'containerName'`);
    }
    const count = this.containers.length;
    if (count > MAX_CONTAINERS) {
      errors.push(`the task has ${count} containers (${names.join(', ')}), ` +
        `but ECS allows ${MAX_CONTAINERS} per task definition and the enforcer sidecar counts (and so does a FireLens log router); move containers to another task`);
    }
    const volumes = (Stack.of(this).resolve((this.node.defaultChild as ecs.CfnTaskDefinition).volumes) ?? []) as { name?: string }[];
    const volumeNames = volumes.map(v => v.name);
    for (const name of new Set(volumeNames.filter((n, i) => n !== undefined && volumeNames.indexOf(n) !== i))) {
      errors.push(`the task has more than one volume named '${name}'; the enforcer's delivery adds '${name}' (see its volumeName or writableDirectory), so rename the task's own volume`);
    }
    for (const excluded of this.excludedContainers) {
      if (!names.includes(excluded)) {
        errors.push(`excludedContainers names '${excluded}', which matches no container of the task (containers: ${names.join(', ')}); fix the name or remove it`);
      }
    }
    if (errors.length === 0 && this.protectedNames.length === 0 && !this.warnedNothingProtected) {
      this.warnedNothingProtected = true;
      Annotations.of(this).addWarningV2(WARN_NOTHING_PROTECTED,
        'This enforced task definition protects no container: every container is excluded or none was added. Add a container or remove it from excludedContainers.');
    }
    return errors;
  }
}
