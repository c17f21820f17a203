/**
 * The adapter for L2 task definitions (`ecs.TaskDefinition` and its subclasses): reads each
 * `ContainerDefinition` into the model, hands it to the plan, and writes the plan back.
 *
 * What it writes through the public `ContainerDefinition` API (so that aws-cdk-lib does what it
 * does for any container: grants, dependencies): volumesFrom, the dependency, environment,
 * secrets (the execution role is granted read access), labels. What the API cannot change (the
 * props are private, aws-cdk#22871) goes in as property overrides on the L1: EntryPoint, Command
 * and the merged capabilities.
 *
 * It runs at synthesis, before aws-cdk-lib first renders the task: from a MUTATING Aspect on a
 * leaf construct (the subclass) or from the `EnforceFargateTasks` Aspect. `enforce()` is
 * idempotent and handles only containers it has not seen, so it may run again when containers
 * were added in between; `validate()` refuses containers added after the last run.
 */
import { Annotations, AspectPriority, Aspects, IAspect, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { ContainerModel, EnforcerSpec, LABEL_EXCLUDED, LABEL_ROLE, PlanContext, ROLE_ENFORCER } from './model';
import { checkTask, planContainer } from './plan';
import { enforcerSpec, sidecarLogDriver, sidecarSettings } from './sidecar';
import { verifyRendered } from './verify';
import { findContainerImageDefaults } from '../container-image-defaults';
import { Enforcer } from '../enforcer';
import { IMAGE_DEFAULTS_CONTEXT_KEY, ImageDefaults } from '../image-defaults';

/** The name aws-cdk-lib gives the FireLens log router it adds to a task that lacks one. */
const PENDING_ROUTER_NAME = 'log-router';

/** The reason an excluded container carries in its label when none is given. */
export const EXCLUDED_BY_NAME = 'listed in excludedContainers';

/** How to enforce one L2 task. */
export interface L2EnforcementOptions {
  readonly enforcer: Enforcer;
  /** Container name → reason. */
  readonly excluded: { readonly [name: string]: string };
  readonly imageDefaults: { readonly [name: string]: ImageDefaults };
  /** The task's CPU architecture as ECS names it (X86_64, ARM64). */
  readonly cpuArchitecture: string;
  /** Who enforces the task, for the summary (e.g. the construct's class or the Aspect). */
  readonly by: string;
  /**
   * Whether an excluded name that matches no container of the task is an error.
   * @default true
   */
  readonly strictExclusions?: boolean;
}

/** What the enforcement did to one task, for the coverage summary. */
export interface TaskCoverage {
  readonly path: string;
  readonly by: string;
  readonly protected: string[];
  readonly excluded: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
  readonly exempt?: string;
}

/** The containers of an L2 task definition (aws-cdk-lib keeps the list protected). */
export function containersOf(task: ecs.TaskDefinition): ecs.ContainerDefinition[] {
  const list = (task as unknown as { containers?: unknown }).containers;
  if (!Array.isArray(list)) {
    throw new Error(`${task.node.path}: this aws-cdk-lib's TaskDefinition does not expose its containers; cdk-enforced-fargate cannot enforce it`);
  }
  return list as ecs.ContainerDefinition[];
}

/** Adds the enforcer sidecar to a task, with the settings every adapter renders. */
export function addEnforcerSidecar(task: ecs.TaskDefinition, enforcer: Enforcer): ecs.ContainerDefinition {
  const settings = sidecarSettings(enforcer);
  return task.addContainer('EnforcerSidecar', {
    containerName: settings.name,
    image: enforcer.image,
    essential: settings.essential,
    readonlyRootFilesystem: settings.readonlyRootFilesystem,
    cpu: settings.cpu,
    command: settings.command,
    dockerLabels: settings.dockerLabels,
    logging: sidecarLogDriver(enforcer),
  });
}

/** Every L2 task enforced so far, with its enforcement: never wrap a task twice. */
const ENFORCED = new WeakMap<ecs.TaskDefinition, L2Enforcement>();

/** The enforcement of an L2 task, if it has one. */
export function enforcementOf(task: ecs.TaskDefinition): L2Enforcement | undefined {
  return ENFORCED.get(task);
}

/** The enforcement of one L2 task. */
export class L2Enforcement {
  /** Enforces a task with the leaf-Aspect hook and the synthesis-time validation. */
  public static attach(task: ecs.TaskDefinition, sidecar: ecs.ContainerDefinition, options: L2EnforcementOptions): L2Enforcement {
    const enforcement = new L2Enforcement(task, sidecar, options);
    // The enforcement runs at synthesis as an Aspect, before aws-cdk-lib first renders the task.
    // It is attached to a leaf construct of its own, so that aws-cdk-lib invokes it once rather
    // than on every construct below the task definition (measured in bench/).
    const hook = new Construct(task, 'Enforcement');
    const aspect: IAspect = { visit: () => enforcement.enforce() };
    Aspects.of(hook).add(aspect, { priority: AspectPriority.MUTATING });
    return enforcement;
  }

  private readonly spec: EnforcerSpec;
  private readonly ctx: PlanContext;
  /** Containers the enforcement has looked at (protected, excluded or the sidecar). */
  private readonly handled = new Set<ecs.ContainerDefinition>();
  private readonly protectedNames: string[] = [];
  private readonly excludedNames: { name: string; reason: string }[] = [];
  private readonly problems: string[] = [];
  private warnedNothingProtected = false;
  private contextProblem?: string;

  constructor(private readonly task: ecs.TaskDefinition, private readonly sidecar: ecs.ContainerDefinition, private readonly options: L2EnforcementOptions) {
    if (ENFORCED.has(task)) throw new Error(`${task.node.path}: the task definition is enforced already`);
    ENFORCED.set(task, this);
    const stack = Stack.of(task);
    const resolve = (value: unknown) => JSON.stringify(stack.resolve(value));
    this.spec = enforcerSpec(options.enforcer);
    let context: { [image: string]: unknown } | undefined | null = null;
    const byContainer = new Map<string, ecs.ContainerDefinition>();
    this.ctx = {
      enforcer: this.spec,
      excluded: options.excluded,
      same: (a, b) => resolve(a) === resolve(b),
      show: resolve,
      resolve: value => stack.resolve(value),
      lookupPlatform: options.cpuArchitecture === 'ARM64' ? 'linux/arm64' : 'linux/amd64',
      imageDefaultsOf: model => {
        if (context === null) context = this.contextImageDefaults();
        return findContainerImageDefaults(byContainer.get(model.name)!, options.imageDefaults, context);
      },
    };
    this.byContainer = byContainer;
    task.node.addValidation({
      validate: () => {
        const errors = this.validate();
        this.validated = errors.length === 0;
        return errors;
      },
    });
    this.guardRendering();
  }

  private readonly byContainer: Map<string, ecs.ContainerDefinition>;

  /** What the enforcement did, for the coverage summary. */
  public coverage(): TaskCoverage {
    return { path: this.task.node.path, by: this.options.by, protected: [...this.protectedNames], excluded: [...this.excludedNames] };
  }

  /** Protects every container not handled yet. Runs at synthesis, once per container. */
  public enforce(): void {
    this.addPendingFirelensRouter();
    const whole = this.wholeListOverride();
    if (whole !== undefined && !this.problems.includes(whole)) this.problems.push(whole);
    containersOf(this.task).forEach((container, index) => {
      if (this.handled.has(container)) return;
      this.handled.add(container);
      if (container === this.sidecar) return;
      if (this.nameOf(container) === this.spec.containerName) return; // reported by validation
      this.apply(container, index);
    });
  }

  /** A container's name, resolved when it is a token (a lazy name is compared by its value). */
  private nameOf(container: ecs.ContainerDefinition): string {
    const name = container.containerName;
    if (!Token.isUnresolved(name)) return name;
    const resolved = Stack.of(this.task).resolve(name);
    return typeof resolved === 'string' ? resolved : name;
  }

  /** The user's property overrides of the L1 task definition's ContainerDefinitions. */
  private containerOverrides(): unknown {
    const cfn = this.task.node.defaultChild as ecs.CfnTaskDefinition;
    const raw = (cfn as unknown as { rawOverrides?: { Properties?: { ContainerDefinitions?: unknown } } }).rawOverrides;
    return raw?.Properties?.ContainerDefinitions;
  }

  /**
   * A message when a property override replaces ContainerDefinitions as a whole: the enforcement
   * cannot see those containers, and its own overrides would silently replace the user's.
   */
  private wholeListOverride(): string | undefined {
    const raw = this.containerOverrides();
    if (raw === undefined || (typeof raw === 'object' && raw !== null && !Array.isArray(raw))) return undefined;
    return `a property override replaces the task definition's ContainerDefinitions as a whole (addPropertyOverride('ContainerDefinitions', ...)), which hides its containers from the enforcement; add containers with addContainer(), and override single properties (e.g. 'ContainerDefinitions.1.Ulimits')`;
  }

  /**
   * Fail closed without relying on validation (which `app.synth({ skipValidation: true })` skips):
   * the sidecar's role label, the marker that declares the task enforced, is rendered by a token
   * that runs the whole validation again, the rendered result included, and throws when anything
   * is wrong. No template can then be written in which a container runs unprotected.
   */
  private guardRendering(): void {
    const cfn = this.task.node.defaultChild as ecs.CfnTaskDefinition;
    const index = containersOf(this.task).indexOf(this.sidecar);
    if (index < 0) throw new Error(`${this.task.node.path}: the enforcer sidecar is not a container of the task`);
    const label = LABEL_ROLE.replace(/\./g, '\\.');
    cfn.addPropertyOverride(`ContainerDefinitions.${index}.DockerLabels.${label}`, Lazy.uncachedString({
      produce: context => {
        // Resolutions while the app is prepared (before validation) and the enforcement's own
        // reading of the result are not the template being written.
        if (context.preparing || this.verifying) return ROLE_ENFORCER;
        // Validation ran and found nothing: the rendered result was verified then (checking it a
        // second time here doubled the enforcement's cost at synthesis; see bench/).
        if (this.validated && this.handled.size === containersOf(this.task).length) return ROLE_ENFORCER;
        const errors = this.validate();
        if (errors.length > 0) {
          throw new Error(`cdk-enforced-fargate: ${this.task.node.path} is not written, because its enforcement failed (validation was skipped or changed nothing):\n  ${errors.join('\n  ')}`);
        }
        return ROLE_ENFORCER;
      },
    }));
  }

  private verifying = false;
  /** Whether synthesis-time validation ran and found nothing wrong. */
  private validated = false;

  /** The rendered container definitions of the task (overrides applied), planned again. */
  private verify(): string[] {
    const cfn = this.task.node.defaultChild as ecs.CfnTaskDefinition & { _toCloudFormation?: () => unknown };
    if (typeof cfn._toCloudFormation !== 'function') {
      return [`this aws-cdk-lib does not let the enforcement read ${cfn.node.path} as it will be written, so the result cannot be verified; use an aws-cdk-lib version this library supports`];
    }
    this.verifying = true;
    try {
      const stack = Stack.of(this.task);
      const resources = (stack.resolve(cfn._toCloudFormation()) as { Resources?: { [id: string]: { Properties?: { ContainerDefinitions?: unknown } } } }).Resources ?? {};
      const [resource] = Object.values(resources);
      return verifyRendered(resource?.Properties?.ContainerDefinitions, this.protectedNames, this.ctx);
    } finally {
      this.verifying = false;
    }
  }

  /**
   * aws-cdk-lib adds a FireLens log router when it first renders a task whose containers log
   * through FireLens and that has none, which is after Aspects and too late to protect it. Add it
   * now, with exactly the settings aws-cdk-lib would use, so that it is counted and then protected
   * or excluded like any other container.
   */
  private addPendingFirelensRouter(): void {
    addPendingFirelensRouter(this.task);
  }

  private apply(container: ecs.ContainerDefinition, index: number): void {
    const model = this.model(container, index);
    if (typeof model === 'string') {
      this.problems.push(model);
      return;
    }
    const name = model.name;
    this.byContainer.set(name, container);
    const fate = planContainer(model, this.ctx);
    switch (fate.kind) {
      case 'sidecar': return;
      case 'error': this.problems.push(fate.message); return;
      case 'excluded':
        container.addDockerLabel(LABEL_EXCLUDED, fate.reason);
        this.excludedNames.push({ name, reason: fate.reason });
        return;
    }
    const p = fate.protection;
    const cfn = this.task.node.defaultChild as ecs.CfnTaskDefinition;
    const path = `ContainerDefinitions.${index}`;
    if (p.entryPoint !== undefined) cfn.addPropertyOverride(`${path}.EntryPoint`, p.entryPoint);
    if (p.command !== undefined) cfn.addPropertyOverride(`${path}.Command`, p.command);
    if (p.volumesFrom) container.addVolumesFrom(p.volumesFrom);
    if (p.mountPoint) container.addMountPoints(p.mountPoint);
    if (p.dependsOn) {
      container.addContainerDependencies({ container: this.sidecar, condition: this.options.enforcer.dependencyCondition });
    }
    for (const e of p.environment) container.addEnvironment(e.name, e.value);
    for (const s of p.secrets) container.addSecret(s, this.options.enforcer.secrets[s]);
    if (p.capabilities.length > 0) {
      // Merged into the container's own linuxParameters at render time.
      const stack = Stack.of(this.task);
      const capabilities = p.capabilities;
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

  /** A container as the plan sees it. Values are resolved only where a check must compare them. */
  private model(container: ecs.ContainerDefinition, index: number): ContainerModel | string {
    // Resolving whole rendered definitions was most of the enforcement's cost at synthesis (see
    // bench/): the argv is taken unresolved so that tokens stay intact.
    const rendered = container.renderContainerDefinition(this.task);
    const stack = Stack.of(this.task);
    const dropped = this.spec.capabilities.length > 0 && rendered.linuxParameters
      ? (stack.resolve(rendered.linuxParameters) as any).capabilities?.drop : undefined;
    const name = this.nameOf(container);
    // A user's own property override of EntryPoint or Command (made before synthesis) is what the
    // container runs: it is wrapped, rather than silently replaced by the enforcement's override.
    let entryPoint = rendered.entryPoint;
    let command = rendered.command;
    const overrides = this.containerOverrides() as { [index: string]: unknown } | undefined;
    const own = overrides?.[index];
    if (own !== undefined && own !== null && typeof own === 'object') {
      for (const [key, value] of Object.entries(own)) {
        if (key !== 'EntryPoint' && key !== 'Command') continue;
        if (value !== undefined && value !== null && !Array.isArray(value)) {
          return `container '${name}': the property override 'ContainerDefinitions.${index}.${key}' is ${JSON.stringify(stack.resolve(value))}, not a list; give it as a list of strings (each may be a token)`;
        }
        if (key === 'EntryPoint') entryPoint = value as string[] | undefined;
        else command = value as string[] | undefined;
      }
    }
    return {
      name,
      image: container.imageName,
      entryPoint,
      command,
      environment: ((rendered.environment ?? []) as ecs.CfnTaskDefinition.KeyValuePairProperty[]).map(kv => ({ name: kv.name!, value: kv.value })),
      secrets: ((rendered.secrets ?? []) as ecs.CfnTaskDefinition.SecretProperty[]).map(s => ({ name: s.name, valueFrom: s.valueFrom })),
      volumesFrom: container.volumesFrom.map(v => ({ sourceContainer: v.sourceContainer, readOnly: v.readOnly })),
      mountPoints: container.mountPoints.map(m => ({ sourceVolume: m.sourceVolume, containerPath: m.containerPath, readOnly: m.readOnly })),
      dependsOn: container.containerDependencies.map(d => ({ containerName: d.container.containerName, condition: d.condition })),
      droppedCapabilities: dropped,
      essential: container.essential,
      labels: {},
      isSidecar: container === this.sidecar,
      addedBy: PENDING_ROUTERS.has(container)
        ? `the FireLens log router that aws-cdk-lib adds by itself (for the awsfirelens log driver of container '${PENDING_ROUTERS.get(container)}')`
        : undefined,
    };
  }

  private contextImageDefaults(): { [image: string]: unknown } | undefined {
    const value = this.task.node.tryGetContext(IMAGE_DEFAULTS_CONTEXT_KEY);
    if (value === undefined) return undefined;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.contextProblem = `context '${IMAGE_DEFAULTS_CONTEXT_KEY}' must be an object keyed by image reference, got ${JSON.stringify(value)}`;
      return undefined;
    }
    return value;
  }

  /** Synthesis-time checks: every problem found, plus what can only be judged on the whole task. */
  public validate(): string[] {
    const containers = containersOf(this.task);
    const errors = [...(this.contextProblem ? [this.contextProblem] : []), ...this.problems];
    // A container added after the enforcement ran cannot be changed reliably any more (aws-cdk-lib
    // may already have rendered it): refuse to produce a template in which it runs unprotected.
    for (const c of containers.filter(x => !this.handled.has(x))) {
      errors.push(`container '${c.containerName}' was added to the task after the enforcement ran (during synthesis), so it cannot be protected; add it before synthesis, not from an Aspect or validation that runs after the task definition's enforcement`);
    }
    const whole = this.wholeListOverride();
    if (whole !== undefined && !errors.includes(whole)) errors.push(whole);
    const task = checkTask({
      names: containers.map(c => this.nameOf(c)),
      origins: containers.map(c => c.node.path),
      protectedCount: this.protectedNames.length,
      clashes: containers.filter(c => c !== this.sidecar && this.nameOf(c) === this.spec.containerName)
        .map(c => ({ name: this.nameOf(c), where: `construct ${c.node.path}` })),
    }, { excluded: this.options.strictExclusions === false ? {} : this.ctx.excluded });
    errors.push(...task.errors);
    // The rendered result, once everything else is right: what will be written must be protected.
    if (errors.length === 0) errors.push(...this.verify());
    if (errors.length === 0 && !this.warnedNothingProtected) {
      for (const w of task.warnings) {
        this.warnedNothingProtected = true;
        Annotations.of(this.task).addWarningV2(w.id, w.message);
      }
    }
    return errors;
  }
}

/**
 * Why the enforcement cannot use a task's execution role: one in another deployed stack would
 * make a dependency cycle (the task's stack refers to the role, and the grants for the sidecar's
 * new log group and the enforcer's secrets, added to the role's stack, refer back to the task's).
 */
export function crossStackRoleProblem(task: IConstruct, role: iam.IRole | undefined): string | undefined {
  if (role === undefined || !Construct.isConstruct(role)) return undefined;
  const taskStack = deployedStack(Stack.of(task));
  const roleStack = deployedStack(Stack.of(role));
  if (taskStack === roleStack) return undefined;
  return `the execution role ${role.node.path} is in stack '${roleStack.node.path}' but the task is in stack '${taskStack.node.path}'; ` +
    "the enforcer sidecar's log group and the enforcer's secrets are granted to the execution role, which would make the two stacks depend on each other " +
    "(CloudFormation's DependencyCycle). Create the execution role in the task's stack (or leave 'executionRole' out and let the task create one)";
}

/** The stack that is deployed on its own: a nested stack's top-level parent. */
function deployedStack(stack: Stack): Stack {
  let s = stack;
  while (s.nestedStackParent) s = s.nestedStackParent;
  return s;
}

/** Adds, now, the FireLens log router aws-cdk-lib would add at render time (see L2Enforcement). */
export function addPendingFirelensRouter(task: ecs.TaskDefinition): void {
  const containers = containersOf(task);
  if (containers.some(c => c instanceof ecs.FirelensLogRouter)) return;
  const user = containers.find(c => c.logDriverConfig?.logDriver === 'awsfirelens');
  if (!user) return;
  const router = task.addFirelensLogRouter(PENDING_ROUTER_NAME, {
    image: ecs.obtainDefaultFluentBitECRImage(task, user.logDriverConfig),
    firelensConfig: { type: ecs.FirelensLogRouterType.FLUENTBIT },
    logging: new ecs.AwsLogDriver({ streamPrefix: 'firelens' }),
    memoryReservationMiB: 50,
  });
  PENDING_ROUTERS.set(router, user.containerName);
}

/** The log routers added in place of aws-cdk-lib, with the container whose log driver needs each. */
const PENDING_ROUTERS = new WeakMap<ecs.ContainerDefinition, string>();
