/**
 * The adapter for task definitions in the ECS API form (what `aws ecs describe-task-definition`
 * prints, what `aws ecs register-task-definition --cli-input-json` and CodeDeploy's
 * `taskdef.json` take), and the enforcer description file the `enforce` command reads. Pure
 * apart from building the `Enforcer` value (no construct tree, no files).
 *
 * The enforcer description (JSON; see docs/enforce-command.md):
 * ```json
 * {
 *   "preset": "aquaMicroEnforcer",            // optional; then "server" and "token" (a secret's valueFrom)
 *   "image": "registry.example.com/microenforcer:2022.4",
 *   "binaryPath": "/aqua/microenforcer", "binaryArgs": [], "containerName": "enforcer", "readOnly": true,
 *   "environment": { "NAME": "value" }, "secrets": { "NAME": "arn:aws:secretsmanager:..." },
 *   "capabilities": ["SYS_PTRACE"], "dependencyCondition": "START", "command": ["..."],
 *   "cpuArchitectures": ["X86_64"],
 *   "logConfiguration": { "logDriver": "awslogs", "options": { ... } },
 *   "excludedContainers": ["log_router"],
 *   "imageDefaults": { "web": { "entryPoint": [], "command": ["/app"] } }
 * }
 * ```
 */
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EXCLUDED_BY_NAME } from './l2';
import { enforceLiteralContainers, literalImageDefaults } from './literal';
import { PlanContext } from './model';
import { checkSettings } from './plan';
import { enforcerSpec, sidecarSettings } from './sidecar';
import { Enforcer } from '../enforcer';
import { ImageDefaults, parseImageDefaults } from '../image-defaults';

/** An enforcer description as read from its file, checked. */
export interface EnforcerDescription {
  readonly enforcer: Enforcer;
  /** The enforcer image as written. */
  readonly image: string;
  /** Secret name → valueFrom, as the output writes it. */
  readonly secretValues: { readonly [name: string]: string };
  readonly logConfiguration?: { [key: string]: unknown };
  readonly excludedContainers: string[];
  readonly imageDefaults: { [name: string]: ImageDefaults };
}

const KEYS = ['preset', 'image', 'server', 'token', 'binaryPath', 'binaryArgs', 'containerName', 'readOnly', 'environment', 'secrets',
  'capabilities', 'dependencyCondition', 'command', 'cpuArchitectures', 'logConfiguration', 'excludedContainers', 'imageDefaults'];

/** Fields the ECS API returns about a registered task definition that are not part of its input. */
const RESPONSE_ONLY = ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities', 'registeredAt', 'registeredBy', 'deregisteredAt'];

/** Reads an enforcer description (parsed JSON); returns it or a message naming the field and the fix. */
export function readEnforcerDescription(value: unknown): EnforcerDescription | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'the enforcer description must be a JSON object like { "image": "registry.example.com/microenforcer:2022.4", ... }';
  const d = value as Record<string, unknown>;
  const unknownKeys = Object.keys(d).filter(k => !KEYS.includes(k));
  if (unknownKeys.length > 0) return `the enforcer description has unknown key(s) ${unknownKeys.map(k => `'${k}'`).join(', ')}; known: ${KEYS.join(', ')}`;
  const str = (k: string, required = false): string | undefined | Error => {
    if (d[k] === undefined && !required) return undefined;
    return typeof d[k] === 'string' && d[k] !== '' ? d[k] as string : new Error(`'${k}' must be a non-empty string, got ${JSON.stringify(d[k])}`);
  };
  const strings = (k: string): string[] | undefined | Error => {
    if (d[k] === undefined) return undefined;
    return Array.isArray(d[k]) && (d[k] as unknown[]).every(x => typeof x === 'string') ? [...d[k] as string[]] : new Error(`'${k}' must be a list of strings, got ${JSON.stringify(d[k])}`);
  };
  const map = (k: string): { [name: string]: string } | undefined | Error => {
    if (d[k] === undefined) return undefined;
    const m = d[k];
    return m !== null && typeof m === 'object' && !Array.isArray(m) && Object.values(m).every(x => typeof x === 'string')
      ? { ...m as { [name: string]: string } } : new Error(`'${k}' must be an object of strings, got ${JSON.stringify(m)}`);
  };
  const fields = {
    preset: str('preset'), image: str('image', true), server: str('server'), token: str('token'), binaryPath: str('binaryPath'),
    binaryArgs: strings('binaryArgs'), containerName: str('containerName'), environment: map('environment'), secrets: map('secrets'),
    capabilities: strings('capabilities'), dependencyCondition: str('dependencyCondition'), command: strings('command'),
    cpuArchitectures: strings('cpuArchitectures'), excludedContainers: strings('excludedContainers'),
  };
  for (const v of Object.values(fields)) if (v instanceof Error) return `the enforcer description: ${v.message}`;
  const f = fields as { [K in keyof typeof fields]: Exclude<(typeof fields)[K], Error> };
  if (d.readOnly !== undefined && typeof d.readOnly !== 'boolean') return `the enforcer description: 'readOnly' must be true or false, got ${JSON.stringify(d.readOnly)}`;
  const log = d.logConfiguration;
  if (log !== undefined && (log === null || typeof log !== 'object' || Array.isArray(log) || typeof (log as any).logDriver !== 'string')) {
    return `the enforcer description: 'logConfiguration' must be the sidecar's log configuration as the ECS API writes it, e.g. { "logDriver": "awslogs", "options": { ... } }, got ${JSON.stringify(log)}`;
  }
  const imageDefaults: { [name: string]: ImageDefaults } = {};
  const declared = d.imageDefaults;
  if (declared !== undefined) {
    if (declared === null || typeof declared !== 'object' || Array.isArray(declared)) return `the enforcer description: 'imageDefaults' must be an object keyed by container or image name, got ${JSON.stringify(declared)}`;
    for (const [key, entry] of Object.entries(declared)) {
      const parsed = parseImageDefaults(entry, `imageDefaults['${key}']`);
      if (typeof parsed === 'string') return `the enforcer description: ${parsed}`;
      imageDefaults[key] = parsed;
    }
  }
  const conditions: { [name: string]: ecs.ContainerDependencyCondition } = {
    START: ecs.ContainerDependencyCondition.START, COMPLETE: ecs.ContainerDependencyCondition.COMPLETE,
    SUCCESS: ecs.ContainerDependencyCondition.SUCCESS, HEALTHY: ecs.ContainerDependencyCondition.HEALTHY,
  };
  if (f.dependencyCondition !== undefined && conditions[f.dependencyCondition] === undefined) {
    return `the enforcer description: 'dependencyCondition' must be START, COMPLETE or SUCCESS, got ${JSON.stringify(f.dependencyCondition)}`;
  }
  const architectures: { [name: string]: ecs.CpuArchitecture } = { X86_64: ecs.CpuArchitecture.X86_64, ARM64: ecs.CpuArchitecture.ARM64 };
  const badArch = (f.cpuArchitectures ?? []).filter(a => architectures[a] === undefined);
  if (badArch.length > 0) return `the enforcer description: 'cpuArchitectures' may list X86_64 and ARM64, got ${JSON.stringify(badArch)}`;

  const secretValues: { [name: string]: string } = { ...f.secrets };
  const secret = (valueFrom: string) => ({ arn: valueFrom, hasField: false, grantRead: (g: iam.IGrantable) => iam.Grant.drop(g, '') }) as unknown as ecs.Secret;
  const options = {
    image: ecs.ContainerImage.fromRegistry(f.image!),
    binaryPath: f.binaryPath,
    binaryArgs: f.binaryArgs,
    containerName: f.containerName,
    readOnly: d.readOnly as boolean | undefined,
    environment: f.environment,
    secrets: f.secrets === undefined ? undefined : Object.fromEntries(Object.entries(f.secrets).map(([k, v]) => [k, secret(v)])),
    capabilities: f.capabilities?.map(c => c as ecs.Capability),
    dependencyCondition: f.dependencyCondition === undefined ? undefined : conditions[f.dependencyCondition],
    command: f.command,
    cpuArchitectures: f.cpuArchitectures?.map(a => architectures[a]),
  };
  let enforcer: Enforcer;
  try {
    if (f.preset === 'aquaMicroEnforcer') {
      if (f.server === undefined || f.token === undefined) {
        return "the enforcer description: the preset 'aquaMicroEnforcer' needs 'server' (the Aqua gateway as host:port) and 'token' (the deployment token's valueFrom: a Secrets Manager or SSM parameter ARN)";
      }
      enforcer = Enforcer.aquaMicroEnforcer({ ...options, server: f.server, token: secret(f.token) });
      secretValues.AQUA_TOKEN = f.token;
    } else if (f.preset !== undefined) {
      return `the enforcer description: unknown 'preset' ${JSON.stringify(f.preset)}; known: aquaMicroEnforcer (or leave it out for a generic enforcer)`;
    } else {
      if (f.server !== undefined || f.token !== undefined) return "the enforcer description: 'server' and 'token' belong to the preset 'aquaMicroEnforcer'; set \"preset\": \"aquaMicroEnforcer\" or use 'environment' and 'secrets'";
      enforcer = new Enforcer(options);
    }
  } catch (e) {
    return `the enforcer description: ${(e as Error).message}`;
  }
  return {
    enforcer,
    image: f.image!,
    secretValues,
    logConfiguration: log as { [key: string]: unknown } | undefined,
    excludedContainers: f.excludedContainers ?? [],
    imageDefaults,
  };
}

/** What enforcing a task definition JSON gives. */
export interface EcsJsonResult {
  /** The protected task definition, as `register-task-definition --cli-input-json` takes it. */
  readonly output?: { [key: string]: unknown };
  readonly errors: string[];
  /** Lines for the user (warnings with ids, notes). */
  readonly notes: string[];
  readonly protected: string[];
  readonly excluded: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

/**
 * Enforces a task definition in the ECS API form: `describe-task-definition` output
 * (`{ "taskDefinition": {...}, "tags": [...] }`) or register input (CodeDeploy's taskdef.json).
 * The output is register input: response-only fields dropped, describe's tags kept.
 */
export function enforceEcsJson(input: unknown, description: EnforcerDescription, context: { [image: string]: unknown } | undefined): EcsJsonResult {
  const fail = (message: string): EcsJsonResult => ({ errors: [message], notes: [], protected: [], excluded: [] });
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return fail('the task definition must be a JSON object (describe-task-definition output or register-task-definition input)');
  let task = input as Record<string, any>;
  const notes: string[] = [];
  if (task.containerDefinitions === undefined && task.taskDefinition !== null && typeof task.taskDefinition === 'object') {
    const tags = Array.isArray(task.tags) && task.tags.length > 0 ? task.tags : undefined;
    task = { ...task.taskDefinition, ...(tags ? { tags } : {}) };
  }
  const dropped = RESPONSE_ONLY.filter(k => task[k] !== undefined);
  if (dropped.length > 0) {
    task = Object.fromEntries(Object.entries(task).filter(([k]) => !RESPONSE_ONLY.includes(k)));
    notes.push(`dropped the fields register-task-definition does not take: ${dropped.join(', ')}`);
  }
  if (!Array.isArray(task.containerDefinitions)) return fail(`the task definition has no 'containerDefinitions' list (got ${JSON.stringify(task.containerDefinitions)})`);
  const family = typeof task.family === 'string' ? task.family : '(no family)';
  const where = `task definition '${family}'`;
  const enforcer = description.enforcer;
  const platform = task.runtimePlatform ?? {};
  const names = task.containerDefinitions.map((c: any) => c?.name).filter((n: unknown) => typeof n === 'string');
  const problem = checkSettings({
    operatingSystemFamily: platform.operatingSystemFamily,
    cpuArchitecture: platform.cpuArchitecture,
    enforcerArchitectures: enforcer.cpuArchitectures.map(a => a._cpuArchitecture),
    enforcerContainerName: enforcer.containerName,
    excludedContainers: description.excludedContainers,
    imageDefaults: description.imageDefaults,
  });
  if (problem) return fail(`${where}: ${problem}`);
  const spec = enforcerSpec(enforcer, s => s.arn);
  const ctx: PlanContext = {
    enforcer: spec,
    // One description serves many task definitions: its excluded names apply where they match.
    excluded: Object.fromEntries(description.excludedContainers.filter(n => names.includes(n)).map(n => [n, EXCLUDED_BY_NAME])),
    imageDefaultsOf: literalImageDefaults(description.imageDefaults, context),
    same: (a, b) => JSON.stringify(a) === JSON.stringify(b),
    show: v => JSON.stringify(v),
    lookupPlatform: platform.cpuArchitecture === 'ARM64' ? 'linux/arm64' : 'linux/amd64',
  };
  const result = enforceLiteralContainers(task.containerDefinitions, ctx, where, name => description.secretValues[name]);
  if (result.errors.length > 0) return { errors: result.errors, notes, protected: [], excluded: [] };
  if (result.alreadyEnforced) {
    return { output: task, errors: [], notes: [...notes, `${where} has an enforcer sidecar already (labelled cdk-enforced-fargate.role=enforcer): left as it is`], protected: [], excluded: [] };
  }
  const settings = sidecarSettings(enforcer, spec);
  const logConfiguration = description.logConfiguration ?? sidecarLogFrom(task.containerDefinitions, settings.streamPrefix);
  if (logConfiguration === undefined) notes.push(`${where}: the enforcer sidecar gets no logConfiguration (no container logs with awslogs to copy it from); give one in the description's 'logConfiguration'`);
  const needsRole = [
    ...Object.keys(spec.secrets).map(n => `the enforcer's secret ${n}`),
    ...(logConfiguration?.logDriver === 'awslogs' ? ["the sidecar's awslogs log configuration"] : []),
  ];
  if (needsRole.length > 0 && typeof task.executionRoleArn !== 'string') {
    return fail(`${where}: has no executionRoleArn, but ${needsRole.join(' and ')} need one; add the executionRoleArn of a role that may read the secrets and write the logs`);
  }
  const sidecar = {
    name: settings.name,
    image: description.image,
    essential: settings.essential,
    readonlyRootFilesystem: settings.readonlyRootFilesystem,
    cpu: settings.cpu,
    ...(settings.command ? { command: settings.command } : {}),
    dockerLabels: settings.dockerLabels,
    ...(logConfiguration ? { logConfiguration } : {}),
  };
  for (const w of result.warnings) notes.push(`warning [${w.id}]: ${where}: ${w.message}`);
  return {
    output: { ...task, containerDefinitions: [sidecar, ...result.containers] },
    errors: [],
    notes,
    protected: result.protected,
    excluded: result.excluded,
  };
}

/** The sidecar's log configuration copied from the first container that logs with awslogs. */
function sidecarLogFrom(containers: any[], streamPrefix: string): { [key: string]: any } | undefined {
  const source = containers.find(c => c?.logConfiguration?.logDriver === 'awslogs' && c.logConfiguration.options?.['awslogs-group']);
  if (!source) return undefined;
  return { logDriver: 'awslogs', options: { ...source.logConfiguration.options, 'awslogs-stream-prefix': streamPrefix } };
}
