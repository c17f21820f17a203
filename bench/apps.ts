/**
 * The benchmark app, built three ways with the same containers:
 *
 * - `plain`: `ecs.FargateTaskDefinition`s, no enforcement;
 * - `hand`: the enforcement written out by hand with the public aws-cdk-lib API only (sidecar,
 *   volumesFrom, dependsOn, environment and secrets, rewritten entry points);
 * - `enforced`: `EnforcedFargateTaskDefinition`;
 * - `aspect`: the `plain` app with one `EnforceFargateTasks` Aspect per stack.
 *
 * `hand` and `enforced` synthesize the same templates (checked by `checkEquivalence()` and by
 * test/bench-equivalence.test.ts), so comparing them measures what the library costs. `aspect`
 * synthesizes the same resources and containers; only the order of the containers (the Aspect
 * adds the sidecar after the app's) and of the execution role's statements differ.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { EnforcedFargateTaskDefinition, EnforceFargateTasks, Enforcer } from '../lib';

export type Variant = 'plain' | 'hand' | 'enforced' | 'aspect';
export const VARIANTS: Variant[] = ['plain', 'hand', 'enforced', 'aspect'];
/** Short labels used in the issues: (a), (b), (c), (d). */
export const LABEL: Record<Variant, string> = { plain: 'a', hand: 'b', enforced: 'c', aspect: 'd' };

/** Task definitions per stack: keeps every stack under CloudFormation's 500-resource limit. */
export const TASKS_PER_STACK = 50;

const ENFORCER_IMAGE = 'registry.example.com/microenforcer:2022.4';
const BINARY = '/aqua/microenforcer';
const SERVER = 'aqua-gateway.internal:8443';
const SIDECAR = 'enforcer';

/** The image ENTRYPOINT/CMD the enforced variant is told about (the hand variant knows them). */
const IMAGE_DEFAULTS = {
  'nginx:1.27': { entryPoint: ['/docker-entrypoint.sh'], command: ['nginx', '-g', 'daemon off;'] },
  'registry.example.com/worker:1.0': { entryPoint: [], command: ['/worker', 'run'] },
};

/** Per-stack shared resources. */
interface Shared {
  readonly logGroup: logs.ILogGroup;
  readonly token: secretsmanager.ISecret;
  readonly dbPassword: secretsmanager.ISecret;
}

/**
 * The four application containers of every task. `wrap` says whether to write the enforcer
 * into them by hand (variant `hand`).
 */
function appContainers(shared: Shared, i: number, wrap: boolean): { [id: string]: ecs.ContainerDefinitionOptions } {
  const w = (argv: string[]) => (wrap ? [BINARY, ...argv] : argv);
  const enforcerEnv: { [name: string]: string } = wrap ? { AQUA_MICROENFORCER: '1', AQUA_SERVER: SERVER } : {};
  const logging = (prefix: string) => ecs.LogDrivers.awsLogs({ logGroup: shared.logGroup, streamPrefix: `${prefix}-${i}` });
  return {
    // command only: the image ENTRYPOINT comes from the image defaults.
    web: {
      image: ecs.ContainerImage.fromRegistry('nginx:1.27'),
      command: ['nginx', '-g', 'daemon off;'],
      entryPoint: wrap ? w(['/docker-entrypoint.sh']) : undefined,
      portMappings: [{ containerPort: 80 }],
      environment: { SITE: `site-${i}`, ...enforcerEnv },
      logging: logging('web'),
    },
    // entryPoint and command.
    api: {
      image: ecs.ContainerImage.fromRegistry('registry.example.com/api:2.3'),
      entryPoint: w(['/usr/local/bin/api']),
      command: ['serve', '--port', '8080'],
      portMappings: [{ containerPort: 8080 }],
      environment: { PORT: '8080', TASK: `task-${i}`, ...enforcerEnv },
      secrets: { DB_PASSWORD: ecs.Secret.fromSecretsManager(shared.dbPassword) },
      logging: logging('api'),
      memoryReservationMiB: 256,
    },
    // neither: image ENTRYPOINT (none) and CMD come from the image defaults.
    worker: {
      image: ecs.ContainerImage.fromRegistry('registry.example.com/worker:1.0'),
      entryPoint: wrap ? w([]) : undefined,
      command: wrap ? ['/worker', 'run'] : undefined,
      environment: wrap ? { ...enforcerEnv } : undefined,
      logging: logging('worker'),
    },
    // entryPoint only.
    metrics: {
      image: ecs.ContainerImage.fromRegistry('registry.example.com/exporter:0.9'),
      entryPoint: w(['/bin/exporter', '--listen=:9100']),
      portMappings: [{ containerPort: 9100 }],
      environment: wrap ? { ...enforcerEnv } : undefined,
      logging: logging('metrics'),
    },
  };
}

/** The sidecar exactly as EnforcedFargateTaskDefinition adds it. */
function sidecarOptions(): ecs.ContainerDefinitionOptions {
  return {
    containerName: SIDECAR,
    image: ecs.ContainerImage.fromRegistry(ENFORCER_IMAGE),
    essential: false,
    readonlyRootFilesystem: true,
    cpu: 0,
    dockerLabels: { 'cdk-enforced-fargate.role': 'enforcer', 'cdk-enforced-fargate.binary': BINARY, 'cdk-enforced-fargate.delivery': 'volumes-from' },
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: SIDECAR }),
  };
}

function addTask(stack: Stack, shared: Shared, variant: Variant, i: number): void {
  const id = `Task${i}`;
  const taskProps = { cpu: 1024, memoryLimitMiB: 2048 };
  if (variant === 'enforced') {
    const enforcer = Enforcer.aquaMicroEnforcer({
      image: ecs.ContainerImage.fromRegistry(ENFORCER_IMAGE),
      server: SERVER,
      token: ecs.Secret.fromSecretsManager(shared.token),
    });
    const task = new EnforcedFargateTaskDefinition(stack, id, { ...taskProps, enforcer, imageDefaults: IMAGE_DEFAULTS });
    for (const [name, options] of Object.entries(appContainers(shared, i, false))) task.addContainer(name, options);
    return;
  }
  const task = new ecs.FargateTaskDefinition(stack, id, taskProps);
  if (variant === 'plain' || variant === 'aspect') {
    for (const [name, options] of Object.entries(appContainers(shared, i, false))) task.addContainer(name, options);
    return;
  }
  // hand: the enforcement written out with the public aws-cdk-lib API only.
  // The enforcer's secret is added once all containers exist, so that the execution role's
  // policy statements come in the same order as with the library (identical templates).
  const sidecar = task.addContainer('EnforcerSidecar', sidecarOptions());
  const containers = Object.entries(appContainers(shared, i, true)).map(([name, options]) => task.addContainer(name, options));
  for (const container of containers) {
    container.addVolumesFrom({ sourceContainer: SIDECAR, readOnly: true });
    container.addContainerDependencies({ container: sidecar, condition: ecs.ContainerDependencyCondition.START });
    container.addSecret('AQUA_TOKEN', ecs.Secret.fromSecretsManager(shared.token));
  }
}

/** Builds the app (construction only; the caller synthesizes it). */
export function buildApp(variant: Variant, tasks: number, outdir: string): App {
  const app = new App({
    outdir,
    // The context `cdk synth` (CLI 2.1148) gives an app by default: path and asset metadata on,
    // stack traces not disabled. Version reporting is off: its CDKMetadata resource lists the
    // construct classes used, the one place where (b) and (c) would differ.
    analyticsReporting: false,
    context: { 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true },
  });
  let stack: Stack | undefined;
  let shared: Shared | undefined;
  for (let i = 0; i < tasks; i++) {
    if (i % TASKS_PER_STACK === 0) {
      stack = new Stack(app, `Bench${Math.floor(i / TASKS_PER_STACK)}`);
      shared = {
        logGroup: new logs.LogGroup(stack, 'Logs'),
        token: secretsmanager.Secret.fromSecretNameV2(stack, 'AquaToken', 'aqua/token'),
        dbPassword: secretsmanager.Secret.fromSecretNameV2(stack, 'DbPassword', 'api/db-password'),
      };
      if (variant === 'aspect') {
        const enforcer = Enforcer.aquaMicroEnforcer({
          image: ecs.ContainerImage.fromRegistry(ENFORCER_IMAGE),
          server: SERVER,
          token: ecs.Secret.fromSecretsManager(shared.token),
        });
        Aspects.of(stack).add(new EnforceFargateTasks({ enforcer, imageDefaults: IMAGE_DEFAULTS }));
      }
    }
    addTask(stack!, shared!, variant, i);
  }
  return app;
}

/**
 * Throws when lib/ has jsii output (.js) older than its TypeScript source: the bench imports
 * `../lib`, which loads the .js when it exists, so a stale build would measure old code.
 */
export function checkLibFresh(): string {
  const libDir = path.join(__dirname, '..', 'lib');
  const sources = fs.readdirSync(libDir).filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const built = sources.filter(f => fs.existsSync(path.join(libDir, f.replace(/\.ts$/, '.js'))));
  const stale = built.filter(f => fs.statSync(path.join(libDir, f.replace(/\.ts$/, '.js'))).mtimeMs < fs.statSync(path.join(libDir, f)).mtimeMs);
  if (stale.length > 0) {
    throw new Error(`bench: lib/${stale[0].replace(/\.ts$/, '.js')} is older than its source; run \`npm run build\` (or delete lib/*.js) first`);
  }
  return built.length === sources.length ? 'lib/*.js (jsii build)' : 'lib/*.ts (through tsx)';
}

/** A fresh temporary output directory. */
export function tempOutdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-enforced-fargate-bench-'));
}

/** Keys sorted at every level, so that property order does not matter. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value as object).sort().map(k => [k, canonical((value as any)[k])]));
  }
  return value;
}

/** Every stack's template, canonical, keyed by stack name. */
export function synthTemplates(variant: Variant, tasks: number): Record<string, unknown> {
  const outdir = tempOutdir();
  try {
    const assembly = buildApp(variant, tasks, outdir).synth();
    return Object.fromEntries(assembly.stacks.map(s => [s.stackName, canonical(s.template)]));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Throws unless the hand-written and the enforced variants synthesize the same templates
 * (the whole templates, not only the task definitions), so that the comparison is fair.
 */
export function checkEquivalence(tasks: number): void {
  const hand = JSON.stringify(synthTemplates('hand', tasks));
  const enforced = JSON.stringify(synthTemplates('enforced', tasks));
  if (hand !== enforced) {
    let at = 0;
    while (at < hand.length && hand[at] === enforced[at]) at++;
    throw new Error(`bench: the hand-written (b) and enforced (c) apps synthesize different templates at ${tasks} task definitions; first difference near:\n  b: ${hand.slice(Math.max(0, at - 200), at + 200)}\n  c: ${enforced.slice(Math.max(0, at - 200), at + 200)}`);
  }
}

/** Containers sorted by name and policy statements sorted: what the order of additions changes. */
function orderless(templates: Record<string, any>): string {
  const copy = JSON.parse(JSON.stringify(templates));
  for (const template of Object.values<any>(copy)) {
    for (const res of Object.values<any>(template.Resources ?? {})) {
      if (res.Type === 'AWS::ECS::TaskDefinition') res.Properties.ContainerDefinitions.sort((a: any, b: any) => a.Name.localeCompare(b.Name));
      if (res.Type === 'AWS::IAM::Policy') res.Properties.PolicyDocument.Statement.sort((a: any, b: any) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    }
  }
  return JSON.stringify(copy);
}

/**
 * Throws unless the Aspect variant (d) synthesizes the hand-written variant's templates, apart
 * from the order of containers and of policy statements.
 */
export function checkAspectEquivalence(tasks: number): void {
  if (orderless(synthTemplates('hand', tasks)) !== orderless(synthTemplates('aspect', tasks))) {
    throw new Error(`bench: the hand-written (b) and Aspect (d) apps synthesize different templates at ${tasks} task definitions (order of containers and statements aside)`);
  }
}
