import { CfnResource, IAspect, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { IConstruct } from 'constructs';
import { Enforcer } from './enforcer';
import { enforceL1, exemptL1, isL2Resource, l1CanRunOnFargate } from './enforcement/l1';
import { addEnforcerSidecar, addPendingFirelensRouter, containersOf, crossStackRoleProblem, EXCLUDED_BY_NAME, enforcementOf, L2Enforcement, TaskCoverage } from './enforcement/l2';
import { LABEL_EXCLUDED } from './enforcement/model';
import { checkSettings } from './enforcement/plan';
import { registerCoverage } from './enforcement/summary';
import { copyImageDefaults, ImageDefaults } from './image-defaults';

/** Properties of `EnforceFargateTasks`. */
export interface EnforceFargateTasksProps {
  /**
   * The runtime-security enforcer every protected container runs under.
   */
  readonly enforcer: Enforcer;

  /**
   * Names of containers that are never protected, in every task definition in scope (for
   * example a log router). Each excluded container is labelled with the reason in the template.
   * Unlike `EnforcedFargateTaskDefinition`'s, a name that matches no container of a task is not
   * an error: the list applies to the whole scope.
   *
   * @default - every container except the enforcer sidecar is protected
   */
  readonly excludedContainers?: string[];

  /**
   * The image's own ENTRYPOINT and CMD for containers that leave them to the image, keyed by
   * container name or by image name as written (e.g. `nginx:1.27`), as in
   * `EnforcedFargateTaskDefinitionProps.imageDefaults`.
   *
   * @default - an asset image's Dockerfile, then the context key `cdk-enforced-fargate:imageDefaults`
   */
  readonly imageDefaults?: { [name: string]: ImageDefaults };
}

/** The metadata type that marks an exempt scope; its data is the reason. */
const EXEMPT_METADATA = 'cdk-enforced-fargate:exempt';

/**
 * Protects every task definition in its scope that can run on Fargate: `FargateTaskDefinition`,
 * `TaskDefinition` with FARGATE or EC2_AND_FARGATE compatibility, and L1 `CfnTaskDefinition`s
 * whose RequiresCompatibilities lists FARGATE (written by hand or read by `CfnInclude`).
 *
 * ```ts
 * declare const enforcer: Enforcer;
 * Aspects.of(this).add(new EnforceFargateTasks({ enforcer })); // or Aspects.of(app)
 * ```
 *
 * Each task gets the enforcer sidecar and every container is rewritten exactly as
 * `EnforcedFargateTaskDefinition` does (the same core, the same image-defaults sources, the same
 * errors). A task that is enforced already (an `EnforcedFargateTaskDefinition`, a task another
 * `EnforceFargateTasks` reached first, an L1 task whose template has an enforcer sidecar) is left
 * as it is: the first enforcement wins. `EnforceFargateTasks.exempt(scope, reason)` leaves every
 * task below a scope unprotected, with the reason in the template. After synthesis each stack
 * carries a coverage summary (an info message and a `cdk-enforced-fargate:coverage` metadata
 * entry).
 */
export class EnforceFargateTasks implements IAspect {
  /**
   * Exempts every task definition at or below `scope` from enforcement. Every container of an
   * exempt task is labelled `cdk-enforced-fargate.excluded` with the reason, and the coverage
   * summary lists it.
   *
   * @param scope a task definition (L2 or L1) or any construct above task definitions
   * @param reason why these tasks run without the enforcer (required, shown in the template)
   */
  public static exempt(scope: IConstruct, reason: string): void {
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new Error(`EnforceFargateTasks.exempt(${scope.node.path}): give a reason (a non-empty string) why these tasks run without the enforcer`);
    }
    scope.node.addMetadata(EXEMPT_METADATA, reason.trim());
  }

  private readonly enforcer: Enforcer;
  private readonly excluded: { [name: string]: string };
  private readonly imageDefaults: { [name: string]: ImageDefaults };
  private readonly mine = new Map<ecs.TaskDefinition, L2Enforcement>();
  private readonly seen = new Set<IConstruct>();

  constructor(props: EnforceFargateTasksProps) {
    if (!props || !props.enforcer) {
      throw new Error("EnforceFargateTasks: 'enforcer' is required, e.g. new EnforceFargateTasks({ enforcer: Enforcer.aquaMicroEnforcer({ image, server, token }) })");
    }
    // Read once and copied: what is checked is what is used, whatever the caller changes later.
    const excludedContainers: string[] = Array.isArray(props.excludedContainers) ? [...props.excludedContainers] : (props.excludedContainers ?? []);
    const imageDefaults = copyImageDefaults(props.imageDefaults);
    const problem = checkSettings({
      enforcerArchitectures: props.enforcer.cpuArchitectures.map(a => a._cpuArchitecture),
      cpuArchitecture: props.enforcer.cpuArchitectures[0]._cpuArchitecture,
      enforcerContainerName: props.enforcer.containerName,
      excludedContainers,
      imageDefaults,
    });
    if (problem) throw new Error(`EnforceFargateTasks: ${problem}`);
    this.enforcer = props.enforcer;
    this.excluded = Object.fromEntries(excludedContainers.map(n => [n, EXCLUDED_BY_NAME]));
    this.imageDefaults = imageDefaults;
  }

  /** Finds and protects task definitions; called by aws-cdk-lib for every construct in scope. */
  public visit(node: IConstruct): void {
    if (node instanceof ecs.ContainerDefinition) {
      // A container added after its task was visited: protect it now (idempotent).
      this.mine.get(node.taskDefinition)?.enforce();
      return;
    }
    if (this.seen.has(node)) return;
    if (node instanceof ecs.TaskDefinition) {
      this.seen.add(node);
      this.visitL2(node);
    } else if (node instanceof ecs.CfnTaskDefinition) {
      this.seen.add(node);
      if (!isL2Resource(node)) this.visitL1(node);
    } else if (CfnResource.isCfnResource(node) && node.cfnResourceType === 'AWS::ECS::TaskDefinition' && !isL2Resource(node)) {
      this.seen.add(node);
      node.node.addValidation({
        validate: () => [`${node.node.path}: an AWS::ECS::TaskDefinition written as a generic CfnResource cannot be enforced; write it as ecs.CfnTaskDefinition (or include its template with CfnInclude), or exempt it with EnforceFargateTasks.exempt(scope, reason)`],
      });
    }
  }

  private visitL2(task: ecs.TaskDefinition): void {
    if (!task.isFargateCompatible) return;
    const stack = Stack.of(task);
    const existing = enforcementOf(task);
    if (existing) {
      registerCoverage(stack, () => existing.coverage());
      return;
    }
    const reason = exemptReason(task);
    if (reason !== undefined) {
      addPendingFirelensRouter(task);
      for (const c of containersOf(task)) c.addDockerLabel(LABEL_EXCLUDED, reason);
      registerCoverage(stack, () => ({ path: task.node.path, by: 'EnforceFargateTasks', protected: [], excluded: [], exempt: reason }));
      return;
    }
    const cfn = task.node.defaultChild as ecs.CfnTaskDefinition;
    const platform = stack.resolve(cfn.runtimePlatform) ?? {};
    const names = containersOf(task).map(c => c.containerName);
    const problem = checkSettings({
      operatingSystemFamily: platform.operatingSystemFamily,
      cpuArchitecture: platform.cpuArchitecture,
      enforcerArchitectures: this.enforcer.cpuArchitectures.map(a => a._cpuArchitecture),
      enforcerContainerName: this.enforcer.containerName,
      excludedContainers: [],
      imageDefaults: {},
    });
    if (problem) {
      task.node.addValidation({ validate: () => [`${task.node.path}: ${problem}; or exempt the task with EnforceFargateTasks.exempt(task, reason)`] });
      return;
    }
    const roleProblem = crossStackRoleProblem(task, task.executionRole);
    if (roleProblem) throw new Error(`${task.node.path}: ${roleProblem}`);
    const sidecar = addEnforcerSidecar(task, this.enforcer);
    const enforcement = new L2Enforcement(task, sidecar, {
      enforcer: this.enforcer,
      // Excluded names apply to the whole scope: only those of this task's containers count here
      // (a router added for FireLens is named log-router).
      excluded: Object.fromEntries(Object.entries(this.excluded).filter(([n]) => names.includes(n) || n === 'log-router')),
      strictExclusions: false,
      imageDefaults: this.imageDefaults,
      cpuArchitecture: platform.cpuArchitecture ?? 'X86_64',
      by: 'EnforceFargateTasks',
    });
    this.mine.set(task, enforcement);
    enforcement.enforce();
    registerCoverage(stack, () => enforcement.coverage());
  }

  private visitL1(cfn: ecs.CfnTaskDefinition): void {
    const fargate = l1CanRunOnFargate(cfn);
    if (typeof fargate === 'string') {
      cfn.node.addValidation({ validate: () => [`task definition ${cfn.node.path}: ${fargate}`] });
      return;
    }
    if (!fargate) return;
    const stack = Stack.of(cfn);
    const reason = exemptReason(cfn);
    if (reason !== undefined) {
      exemptL1(cfn, reason);
      registerCoverage(stack, () => ({ path: cfn.node.path, by: 'EnforceFargateTasks', protected: [], excluded: [], exempt: reason }));
      return;
    }
    const coverage: TaskCoverage = enforceL1(cfn, { enforcer: this.enforcer, excluded: this.excluded, imageDefaults: this.imageDefaults, by: 'EnforceFargateTasks' });
    registerCoverage(stack, () => coverage);
  }
}

/** The reason a construct or one of its scopes was exempted with, if any. */
function exemptReason(node: IConstruct): string | undefined {
  for (let s: IConstruct | undefined = node; s !== undefined; s = s.node.scope) {
    const entry = s.node.metadata.find(m => m.type === EXEMPT_METADATA);
    if (entry) return String(entry.data);
  }
  return undefined;
}
