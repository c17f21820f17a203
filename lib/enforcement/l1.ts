/**
 * The adapter for L1 task definitions: a `CfnTaskDefinition` written by hand or read from a
 * template by `CfnInclude`. Its container definitions are literal objects (literal.ts), rewritten
 * in place of the L1's `containerDefinitions`; the sidecar is rendered from the same settings as
 * for L2 tasks (sidecar.ts), with its image and log driver bound the way aws-cdk-lib binds them.
 *
 * The execution role (the sidecar's log stream, an ECR or asset image pull, the enforcer's
 * secrets need it):
 * - none in the task definition: one is created, as aws-cdk-lib does for L2 tasks;
 * - `Fn::GetAtt [Role, Arn]` of a role in the same template: the grants are added to it (an
 *   `AWS::IAM::Policy` on that role);
 * - anything else (a literal ARN, a parameter, an import): the role cannot be changed from here;
 *   a warning `cdk-enforced-fargate:executionRoleOutsideTemplate` lists what it must be granted.
 *   Nothing runs unprotected: without the grants the task fails to start.
 */
import { Annotations, CfnResource, Fn, Lazy, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { TaskCoverage } from './l2';
import { enforceLiteralContainers, labelExempt, literalImageDefaults } from './literal';
import { PlanContext } from './model';
import { checkSettings } from './plan';
import { enforcerSpec, sidecarLogDriver, sidecarSettings } from './sidecar';
import { verifyRendered } from './verify';
import { Enforcer } from '../enforcer';
import { IMAGE_DEFAULTS_CONTEXT_KEY, ImageDefaults } from '../image-defaults';

/** The id of the warning that an L1 task's execution role is outside the template. */
export const WARN_ROLE_OUTSIDE = 'cdk-enforced-fargate:executionRoleOutsideTemplate';

/** How to enforce L1 tasks. */
export interface L1EnforcementOptions {
  readonly enforcer: Enforcer;
  /** Container names never protected (in every task), with their reason. */
  readonly excluded: { readonly [name: string]: string };
  readonly imageDefaults: { readonly [name: string]: ImageDefaults };
  readonly by: string;
}

/** Whether an L1 task definition can run on Fargate (its RequiresCompatibilities lists FARGATE). */
export function l1CanRunOnFargate(cfn: ecs.CfnTaskDefinition): boolean | string {
  const compat = Stack.of(cfn).resolve(cfn.requiresCompatibilities);
  if (compat === undefined) return false;
  if (!Array.isArray(compat) || compat.some(c => typeof c !== 'string')) {
    return `RequiresCompatibilities is ${JSON.stringify(compat)}, not a literal list, so whether the task runs on Fargate is known only at deployment; write it literally`;
  }
  return compat.includes('FARGATE');
}

/**
 * Enforces one L1 task definition. Problems become synthesis errors on the task; returns what was
 * done, for the coverage summary.
 */
export function enforceL1(cfn: ecs.CfnTaskDefinition, options: L1EnforcementOptions): TaskCoverage {
  const stack = Stack.of(cfn);
  const where = `task definition ${cfn.node.path}`;
  const coverage = { path: cfn.node.path, by: options.by, protected: [] as string[], excluded: [] as { name: string; reason: string }[] };
  const fail = (errors: string[]) => {
    cfn.node.addValidation({ validate: () => errors });
    failOnRender(cfn, errors);
    return coverage;
  };
  const platform = stack.resolve(cfn.runtimePlatform) ?? {};
  const excludedHere = Object.keys(options.excluded);
  const problem = checkSettings({
    operatingSystemFamily: platform.operatingSystemFamily,
    cpuArchitecture: platform.cpuArchitecture,
    enforcerArchitectures: options.enforcer.cpuArchitectures.map(a => a._cpuArchitecture),
    enforcerContainerName: options.enforcer.containerName,
    excludedContainers: excludedHere,
    imageDefaults: options.imageDefaults,
  });
  if (problem) return fail([`${where}: ${problem}`]);

  const context = cfn.node.tryGetContext(IMAGE_DEFAULTS_CONTEXT_KEY);
  if (context !== undefined && (context === null || typeof context !== 'object' || Array.isArray(context))) {
    return fail([`context '${IMAGE_DEFAULTS_CONTEXT_KEY}' must be an object keyed by image reference, got ${JSON.stringify(context)}`]);
  }
  const spec = enforcerSpec(options.enforcer);
  const resolve = (v: unknown) => JSON.stringify(stack.resolve(v));
  // Excluded names are app-wide: only those of containers this task has apply to it.
  const names = containerNames(cfn.containerDefinitions);
  const ctx: PlanContext = {
    enforcer: spec,
    excluded: Object.fromEntries(Object.entries(options.excluded).filter(([n]) => names.includes(n))),
    imageDefaultsOf: literalImageDefaults({ ...options.imageDefaults }, context),
    same: (a, b) => resolve(a) === resolve(b),
    show: resolve,
    lookupPlatform: platform.cpuArchitecture === 'ARM64' ? 'linux/arm64' : 'linux/amd64',
  };
  const result = enforceLiteralContainers(cfn.containerDefinitions, ctx, where, name => options.enforcer.secrets[name].arn);
  if (result.errors.length > 0) return fail(result.errors);
  if (result.alreadyEnforced) return { ...coverage, by: 'the template (an enforcer sidecar is there already)' };

  const scope = new Construct(cfn.node.scope!, `${cfn.node.id}Enforcement`);
  const role = new ExecutionRole(cfn, scope);
  const shim = { taskDefinition: { obtainExecutionRole: () => role.get() } } as unknown as ecs.ContainerDefinition;
  const settings = sidecarSettings(options.enforcer, spec);
  const image = options.enforcer.image.bind(scope, shim);
  const log = sidecarLogDriver(options.enforcer).bind(scope, shim);
  const sidecar: { [key: string]: unknown } = {
    name: settings.name,
    image: image.imageName,
    essential: settings.essential,
    readonlyRootFilesystem: settings.readonlyRootFilesystem,
    cpu: settings.cpu,
    ...(settings.command ? { command: settings.command } : {}),
    dockerLabels: settings.dockerLabels,
    logConfiguration: {
      logDriver: log.logDriver,
      options: log.options,
      ...(log.secretOptions ? { secretOptions: log.secretOptions } : {}),
    },
    ...(image.repositoryCredentials ? { repositoryCredentials: image.repositoryCredentials } : {}),
  };
  if (result.protected.length > 0) {
    for (const secret of Object.values(options.enforcer.secrets)) secret.grantRead(role.get());
  }
  cfn.containerDefinitions = [sidecar, ...result.containers] as ecs.CfnTaskDefinition.ContainerDefinitionProperty[];
  if (role.isOutside()) {
    const needs = [
      ...Object.entries(options.enforcer.secrets).map(([name, s]) => `read access to the secret ${name} (${resolve(s.arn)})`),
      ...(log.logDriver === 'awslogs' ? [`logs:CreateLogStream and logs:PutLogEvents on the log group ${resolve(log.options?.['awslogs-group'])}`] : []),
      'pull access to the enforcer image if it is in a private registry',
    ];
    Annotations.of(cfn).addWarningV2(WARN_ROLE_OUTSIDE,
      `${where}: its execution role (${resolve(cfn.executionRoleArn)}) is not defined in this template, so the enforcement cannot grant it what the enforcer needs; grant it ${needs.join(', ')}`);
  }
  for (const w of result.warnings) Annotations.of(cfn).addWarningV2(w.id, `${where}: ${w.message}`);
  // The rendered result (property overrides applied), once everything else ran: a protected
  // container must still be protected (see verify.ts).
  const protectedNames = [...result.protected];
  cfn.node.addValidation({ validate: () => verifyL1(cfn, protectedNames, ctx) });
  return { ...coverage, protected: result.protected, excluded: [...result.excluded] };
}

/**
 * Fail closed without relying on validation (which `app.synth({ skipValidation: true })` skips):
 * a task the enforcement could not protect carries a token that throws when the template is
 * written, so its containers never reach a template unprotected.
 */
function failOnRender(cfn: ecs.CfnTaskDefinition, errors: string[]): void {
  cfn.addOverride('Metadata.cdk-enforced-fargate:enforcement', Lazy.uncachedAny({
    produce: context => {
      if (context.preparing) return 'failed';
      throw new Error(`cdk-enforced-fargate: ${cfn.node.path} is not written, because its enforcement failed (validation was skipped):\n  ${errors.join('\n  ')}`);
    },
  }));
}

function verifyL1(cfn: ecs.CfnTaskDefinition, protectedNames: string[], ctx: PlanContext): string[] {
  const render = (cfn as unknown as { _toCloudFormation?: () => unknown })._toCloudFormation;
  if (typeof render !== 'function') {
    return [`this aws-cdk-lib does not let the enforcement read ${cfn.node.path} as it will be written, so the result cannot be verified; use an aws-cdk-lib version this library supports`];
  }
  const resources = (Stack.of(cfn).resolve(render.call(cfn)) as { Resources?: { [id: string]: { Properties?: { ContainerDefinitions?: unknown } } } }).Resources ?? {};
  const [resource] = Object.values(resources);
  return verifyRendered(resource?.Properties?.ContainerDefinitions, protectedNames, ctx).map(e => `task definition ${cfn.node.path}: ${e}`);
}

/** Labels every container of an exempt L1 task with the reason. */
export function exemptL1(cfn: ecs.CfnTaskDefinition, reason: string): void {
  cfn.containerDefinitions = labelExempt(cfn.containerDefinitions, reason) as any;
}

function containerNames(definitions: unknown): string[] {
  return Array.isArray(definitions) ? definitions.map(c => (c && typeof c === 'object' ? (c as any).name : undefined)).filter(n => typeof n === 'string') : [];
}

/** The L1 task's execution role as an `iam.IRole`, found or created on first use. */
class ExecutionRole {
  private role?: iam.IRole;
  private outside = false;

  constructor(private readonly cfn: ecs.CfnTaskDefinition, private readonly scope: Construct) {}

  public get(): iam.IRole {
    if (this.role) return this.role;
    const stack = Stack.of(this.cfn);
    const arn = stack.resolve(this.cfn.executionRoleArn);
    if (arn === undefined) {
      const role = new iam.Role(this.scope, 'ExecutionRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      this.cfn.executionRoleArn = role.roleArn;
      this.role = role;
    } else if (isGetAttArn(arn) && resourceType(stack, arn['Fn::GetAtt'][0]) === 'AWS::IAM::Role') {
      this.role = iam.Role.fromRoleName(this.scope, 'ExecutionRoleOfTemplate', Fn.ref(arn['Fn::GetAtt'][0]));
    } else {
      // An imported role that cannot be changed: grants to it are dropped, and reported.
      this.outside = true;
      this.role = iam.Role.fromRoleArn(this.scope, 'ExecutionRoleOutside', this.cfn.executionRoleArn!, { mutable: false });
    }
    return this.role;
  }

  /** Whether the role is outside the template (grants to it were dropped). */
  public isOutside(): boolean {
    return this.outside;
  }
}

function isGetAttArn(value: unknown): value is { 'Fn::GetAtt': [string, string] } {
  const g = (value as any)?.['Fn::GetAtt'];
  return Array.isArray(g) && g.length === 2 && typeof g[0] === 'string' && g[1] === 'Arn';
}

/** The resource type of a logical id in a stack's template (L1s, CfnInclude's among them). */
function resourceType(stack: Stack, logicalId: string): string | undefined {
  for (const c of stack.node.findAll()) {
    if (c instanceof CfnResource && Stack.of(c) === stack && stack.resolve(c.logicalId) === logicalId) return c.cfnResourceType;
  }
  return undefined;
}

/** Whether a construct is the L1 of an L2 task definition (which the L2 path handles). */
export function isL2Resource(cfn: IConstruct): boolean {
  const scope = cfn.node.scope;
  return scope instanceof ecs.TaskDefinition && scope.node.defaultChild === cfn;
}

