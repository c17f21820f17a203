/**
 * End to end, in real containers: the task definitions the examples (and a few small stacks here)
 * synthesize are run in podman the way ECS starts them (see support/podman-task.ts), with a stub
 * enforcer and stub applications built here from a static C program (support/recorder.c) that
 * records its argv, PID and environment as one JSON line.
 *
 * Needs podman (+ runc) and gcc with static libc; .ci/run installs them. Where containers truly
 * cannot run, the suite is skipped with a loud message, except under CI (CI=true), where that is
 * a failure.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecsPatterns from 'aws-cdk-lib/aws-ecs-patterns';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cfninc from 'aws-cdk-lib/cloudformation-include';
import { AquaNginxStack } from '../examples/aqua-nginx';
import { LoadBalancedServiceStack } from '../examples/load-balanced-service';
import { MultiContainerStack } from '../examples/multi-container';
import { EnforcedFargateTaskDefinition, EnforceFargateTasks, Enforcer } from '../lib';
import { CfnContainer, ContainerRun, planTask, Podman, runTask } from './support/podman-task';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../cdk.json');

/** One line a recorder printed. */
interface RecordLine { role: 'enforcer' | 'app'; pid: number; argv: string[]; env: string[]; probe: string; capEff: string }

/** Linux capability number of CAP_SYS_PTRACE. */
const CAP_SYS_PTRACE = 19n;

function hasCapability(record: RecordLine, capability: bigint): boolean {
  expect(record.capEff).toMatch(/^[0-9a-f]+$/);
  return ((BigInt(`0x${record.capEff}`) >> capability) & 1n) === 1n;
}

function records(run: ContainerRun): RecordLine[] {
  return run.stdout.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l));
}

function envOf(record: RecordLine): { [name: string]: string } {
  return Object.fromEntries(record.env.map(e => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

/** Compiles the recorder: the app, and one stub enforcer per number of fixed enforcer arguments. */
function compile(dir: string): { app: string; enforcer: (fixedArgs: number) => string } | string {
  const source = path.join(__dirname, 'support', 'recorder.c');
  const build = (out: string, defines: string[]) => {
    const r = spawnSync('gcc', ['-static', '-O2', ...defines, '-o', out, source], { encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new Error(`gcc -static failed: ${r.error ?? r.stderr}`);
    return out;
  };
  try {
    const app = build(path.join(dir, 'app'), []);
    const enforcers = new Map<number, string>();
    return {
      app,
      enforcer: (n: number) => {
        if (!enforcers.has(n)) enforcers.set(n, build(path.join(dir, `enforcer-${n}`), [`-DENFORCER_ARGS=${n}`]));
        return enforcers.get(n)!;
      },
    };
  } catch (e) {
    return (e as Error).message;
  }
}

const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-bin-'));
const bins = compile(binDir);
const podman = typeof bins === 'string' ? undefined : new Podman();
const unavailable = typeof bins === 'string' ? bins : podman!.unavailableReason(bins.app);
if (unavailable) {
  const banner = '!'.repeat(100);
  // eslint-disable-next-line no-console
  console.warn(`${banner}\n!!! END-TO-END CONTAINER TESTS ${process.env.CI ? 'CANNOT RUN (FAILING: CI=true)' : 'SKIPPED'}: ${unavailable}\n` +
    '!!! Install them with: apt-get install -y podman runc busybox-static gcc libc6-dev\n' + banner);
}
const describeE2E = unavailable && !process.env.CI ? describe.skip : describe;

/** Task definitions of a stack: container definitions of each AWS::ECS::TaskDefinition. */
function taskContainers(stack: Stack): CfnContainer[][] {
  return Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'))
    .map((r: any) => r.Properties.ContainerDefinitions);
}

function onlyTask(stack: Stack): CfnContainer[] {
  const tasks = taskContainers(stack);
  expect(tasks).toHaveLength(1);
  return tasks[0];
}

const BUSYBOX = '/bin/busybox';
const SECRETS = { AQUA_TOKEN: 'fake-aqua-token', ENFORCER_TOKEN: 'fake-enforcer-token' };
const NGINX = cdkJson.context['cdk-enforced-fargate:imageDefaults']['nginx:1.27'];
/** Arguments that a shell or a joined string would break. */
const TRICKY = ['a b', "it's", '"quoted"', 'x; y', '$HOME', '${PATH}', '`id`', 'back\\slash', 'tab\there', '', 'ünï'];

let started = 0;
const proven: string[] = [];

function run(containers: CfnContainer[], prefix: string, images?: { [image: string]: string }) {
  const plan = planTask(containers, { namePrefix: `cef-${prefix}`, secretValues: SECRETS, images });
  const result = runTask(podman!, plan);
  started += Object.values(result).filter(r => r.started).length;
  return { plan, result };
}

/**
 * Asserts that a protected container ran under the enforcer: the enforcer started first with the
 * prefix and then the user's argv, and then the program ran in the same process with exactly that
 * argv, with the enforcer's variables, on a read-only enforcer volume.
 */
function expectEnforced(outcome: ContainerRun, expected: { prefix: string[]; argv: string[]; programArgv?: string[]; env: { [name: string]: string } }) {
  expect(outcome.started).toBe(true);
  expect(outcome.exitCode).toBe(0);
  const lines = records(outcome);
  expect(lines.map(l => l.role)).toEqual(['enforcer', 'app']);
  const [enforcer, app] = lines;
  expect(enforcer.argv).toEqual([...expected.prefix, ...expected.argv]);
  expect(app.argv).toEqual(expected.programArgv ?? expected.argv);
  expect(app.pid).toBe(enforcer.pid);
  expect(enforcer.probe).toBe('EROFS');
  expect(envOf(enforcer)).toMatchObject(expected.env);
  expect(envOf(app)).toMatchObject(expected.env);
}

describeE2E('end to end in podman', () => {
  beforeAll(() => {
    if (unavailable) throw new Error(`containers cannot run here: ${unavailable}`);
    const b = bins as Exclude<typeof bins, string>;
    // Enforcer images: the stub at the enforcer's binaryPath, in a VOLUME, CMD = the binary alone.
    podman!.buildImage('registry.example.com/microenforcer:2022.4', {
      files: { '/aqua/microenforcer': b.enforcer(0) }, volume: '/aqua', command: ['/aqua/microenforcer'],
    });
    podman!.buildImage('registry.example.com/runtime-enforcer:3.1', {
      files: { '/opt/enforcer/bin/enforce': b.enforcer(2) }, volume: '/opt/enforcer/bin', command: ['/opt/enforcer/bin/enforce'],
    });
    // An enforcer image whose volume lacks the binary (fail-closed test).
    // The sidecar itself starts (its program lives outside the volume).
    podman!.buildImage('localhost/empty-enforcer:1', {
      files: { '/bin/sidecar': b.enforcer(0) }, directories: ['/aqua'], volume: '/aqua', command: ['/bin/sidecar'],
    });
    // Application images with the ENTRYPOINT/CMD the examples declare.
    podman!.buildImage('docker.io/library/nginx:1.27', {
      files: { '/docker-entrypoint.sh': b.app }, entryPoint: NGINX.entryPoint, command: NGINX.command,
    });
    podman!.buildImage('registry.example.com/orders-api:4.2', {
      files: { '/usr/local/bin/orders-api': b.app }, entryPoint: ['/usr/local/bin/orders-api'], command: ['serve'],
    });
    podman!.buildImage('registry.example.com/orders-worker:4.2', {
      files: { '/bin/sh': BUSYBOX, '/usr/bin/orders-worker': b.app }, command: ['orders-worker', 'image-cmd-must-not-run'],
    });
    podman!.buildImage('public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4', {
      files: { '/fluent-bit/bin/fluent-bit': b.app }, command: ['/fluent-bit/bin/fluent-bit', '-c', '/fluent-bit/etc/fluent-bit.conf'],
    });
    podman!.buildImage('localhost/argv-probe:1', {
      files: { '/bin/probe': b.app }, entryPoint: ['/bin/probe', 'image-entry'], command: ['image-cmd', 'image arg'],
    });
  });

  afterAll(() => {
    // eslint-disable-next-line no-console
    console.log(`e2e-containers: ${started} containers started; proven: ${proven.join('; ')}`);
  });

  test("the article's scenario: nginx under the Aqua MicroEnforcer (user sets command only)", () => {
    const containers = onlyTask(new AquaNginxStack(new App({ context: cdkJson.context }), 'AquaNginx'));
    const { plan, result } = run(containers, 'aqua');
    expect(plan.map(p => p.name)).toEqual(['enforcer', 'nginx']);
    expect(plan[1].runArgs).toEqual(expect.arrayContaining(['--volumes-from', 'cef-aqua-enforcer:ro']));
    // The sidecar ran its own CMD and exited at once; its volume stayed usable.
    expect(result.enforcer).toMatchObject({ started: true, exitCode: 0 });
    expect(records(result.enforcer).map(r => r.argv)).toEqual([['/aqua/microenforcer']]);
    expectEnforced(result.nginx, {
      prefix: ['/aqua/microenforcer'],
      argv: ['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;'],
      env: { AQUA_MICROENFORCER: '1', AQUA_SERVER: 'aqua-gateway.internal:8443', AQUA_TOKEN: SECRETS.AQUA_TOKEN },
    });
    proven.push('AquaNginx nginx (command only)');
  });

  test('multi-container: app (command only), worker (entryPoint + command through a shell), excluded log router', () => {
    const containers = onlyTask(new MultiContainerStack(new App({ context: cdkJson.context }), 'MultiContainer'));
    const { plan, result } = run(containers, 'multi');
    expect(plan[0].name).toBe('enforcer');
    const prefix = ['/opt/enforcer/bin/enforce', 'run', '--'];
    expectEnforced(result.app, {
      prefix, argv: ['/usr/local/bin/orders-api', 'serve', '--port', '8080'], env: { ENFORCER_MODE: 'block' },
    });
    // The shell gets its script as one argument: quotes, `;` and `$` are the shell's to interpret,
    // and it execs the worker in the same process.
    const hostname = envOf(records(result.worker)[0]).HOSTNAME;
    expect(hostname).toBeTruthy();
    expectEnforced(result.worker, {
      prefix,
      argv: ['/bin/sh', '-c', 'exec orders-worker --queue "orders; priority" --label $HOSTNAME'],
      programArgv: ['orders-worker', '--queue', 'orders; priority', '--label', hostname],
      env: { ENFORCER_MODE: 'block' },
    });
    // The excluded router runs its own program, with no enforcer and no enforcer volume.
    expect(plan.find(p => p.name === 'log-router')!.runArgs.join(' ')).not.toMatch(/volumes-from/);
    expect(result['log-router']).toMatchObject({ started: true, exitCode: 0 });
    expect(records(result['log-router']).map(r => [r.role, r.argv])).toEqual([
      ['app', ['/fluent-bit/bin/fluent-bit', '-c', '/fluent-bit/etc/fluent-bit.conf']],
    ]);
    // The enforcer's SYS_PTRACE reached the protected containers' processes, and only them.
    expect(hasCapability(records(result.app)[1], CAP_SYS_PTRACE)).toBe(true);
    expect(hasCapability(records(result.worker)[1], CAP_SYS_PTRACE)).toBe(true);
    expect(hasCapability(records(result['log-router'])[0], CAP_SYS_PTRACE)).toBe(false);
    proven.push('MultiContainer app (command only), worker (entryPoint+command), log-router (excluded)');
  });

  test('load-balanced service: web sets neither entryPoint nor command', () => {
    const containers = onlyTask(new LoadBalancedServiceStack(new App({ context: cdkJson.context }), 'LoadBalancedService'));
    const { result } = run(containers, 'lb');
    expectEnforced(result.web, {
      prefix: ['/aqua/microenforcer'],
      argv: [...NGINX.entryPoint, ...NGINX.command],
      env: { AQUA_MICROENFORCER: '1', AQUA_TOKEN: SECRETS.AQUA_TOKEN },
    });
    proven.push('LoadBalancedService web (neither)');
  });

  describe('the four argv cases, against the same containers run without enforcement', () => {
    const image = ecs.ContainerImage.fromRegistry('localhost/argv-probe:1');
    const containersOf = (task: ecs.FargateTaskDefinition) => {
      task.addContainer('both', { image, entryPoint: ['/bin/probe', 'e p'], command: TRICKY });
      task.addContainer('entry-only', { image, entryPoint: ['/bin/probe', ...TRICKY] });
      task.addContainer('command-only', { image, command: TRICKY });
      task.addContainer('neither', { image });
      task.addContainer('plain', { image, command: TRICKY });
    };
    // What Docker runs for each definition on this image (ENTRYPOINT [/bin/probe, image-entry],
    // CMD [image-cmd, "image arg"]), written out by hand.
    const expected: { [name: string]: string[] } = {
      'both': ['/bin/probe', 'e p', ...TRICKY],
      'entry-only': ['/bin/probe', ...TRICKY],
      'command-only': ['/bin/probe', 'image-entry', ...TRICKY],
      'neither': ['/bin/probe', 'image-entry', 'image-cmd', 'image arg'],
    };

    test('each protected container runs exactly the argv it runs unprotected', () => {
      const plainStack = new Stack(new App(), 'Plain');
      const plainTask = new ecs.FargateTaskDefinition(plainStack, 'Task');
      containersOf(plainTask);
      const unprotected = run(onlyTask(plainStack), 'plain').result;

      const stack = new Stack(new App(), 'Cases');
      const enforcer = new Enforcer({
        image: ecs.ContainerImage.fromRegistry('registry.example.com/microenforcer:2022.4'),
        environment: { ENFORCER_MODE: 'audit' },
        secrets: { ENFORCER_TOKEN: ecs.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'Token')) },
      });
      const task = new EnforcedFargateTaskDefinition(stack, 'Task', {
        enforcer,
        excludedContainers: ['plain'],
        imageDefaults: { 'localhost/argv-probe:1': { entryPoint: ['/bin/probe', 'image-entry'], command: ['image-cmd', 'image arg'] } },
      });
      containersOf(task);
      const { plan, result } = run(onlyTask(stack), 'cases');
      expect(plan[0].name).toBe('enforcer');

      for (const [name, argv] of Object.entries(expected)) {
        const [baseline] = records(unprotected[name]);
        expect(baseline.argv).toEqual(argv);
        expectEnforced(result[name], {
          prefix: ['/aqua/microenforcer'], argv, env: { ENFORCER_MODE: 'audit', ENFORCER_TOKEN: SECRETS.ENFORCER_TOKEN },
        });
        proven.push(`argv case ${name}`);
      }
      // The excluded container: no enforcer, no variables of it, its argv untouched.
      const plain = records(result.plain);
      expect(plain.map(r => r.role)).toEqual(['app']);
      expect(plain[0].argv).toEqual(records(unprotected.plain)[0].argv);
      expect(envOf(plain[0])).not.toHaveProperty('ENFORCER_MODE');
      expect(envOf(plain[0])).not.toHaveProperty('ENFORCER_TOKEN');
      proven.push('excluded container');
    });
  });

  test('a whole app under EnforceFargateTasks: an ecs_patterns task and a CfnInclude task start under the enforcer with their original argv', () => {
    const probeDefaults = { entryPoint: ['/bin/probe', 'image-entry'], command: ['image-cmd', 'image arg'] };
    const build = (protect: boolean) => {
      const app = new App();
      const stack = new Stack(app, protect ? 'WholeApp' : 'WholeAppPlain');
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
      new ecsPatterns.ApplicationLoadBalancedFargateService(stack, 'Web', {
        cluster: new ecs.Cluster(stack, 'Cluster', { vpc }), minHealthyPercent: 100,
        taskImageOptions: { image: ecs.ContainerImage.fromRegistry('localhost/argv-probe:1') },
      });
      const templateFile = path.join(binDir, 'legacy.json');
      fs.writeFileSync(templateFile, JSON.stringify({
        Resources: {
          Legacy: {
            Type: 'AWS::ECS::TaskDefinition',
            Properties: {
              Family: 'legacy', RequiresCompatibilities: ['FARGATE'], Cpu: '256', Memory: '512', NetworkMode: 'awsvpc',
              ContainerDefinitions: [{ Name: 'legacy', Image: 'localhost/argv-probe:1', Essential: true, Command: TRICKY }],
            },
          },
        },
      }));
      new cfninc.CfnInclude(stack, 'Legacy', { templateFile });
      if (protect) {
        const token = new secretsmanager.Secret(stack, 'Token');
        const enforcer = Enforcer.aquaMicroEnforcer({
          image: ecs.ContainerImage.fromRegistry('registry.example.com/microenforcer:2022.4'),
          server: 'aqua-gateway.internal:8443',
          token: ecs.Secret.fromSecretsManager(token),
        });
        Aspects.of(app).add(new EnforceFargateTasks({ enforcer, imageDefaults: { 'localhost/argv-probe:1': probeDefaults } }));
      }
      const tasks = Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition');
      const web = Object.entries(tasks).find(([id]) => id.startsWith('Web'))![1] as any;
      return { web: web.Properties.ContainerDefinitions, legacy: (tasks.Legacy as any).Properties.ContainerDefinitions };
    };
    const plain = build(false);
    const enforced = build(true);
    const env = { AQUA_MICROENFORCER: '1', AQUA_SERVER: 'aqua-gateway.internal:8443', AQUA_TOKEN: SECRETS.AQUA_TOKEN };
    for (const [task, container] of [['web', 'web'], ['legacy', 'legacy']] as const) {
      const baseline = records(run(plain[task], `whole-plain-${task}`).result[container]);
      expect(baseline.map(r => r.role)).toEqual(['app']);
      const { plan, result } = run(enforced[task], `whole-${task}`);
      expect(plan[0].name).toBe('enforcer');
      expectEnforced(result[container], { prefix: ['/aqua/microenforcer'], argv: baseline[0].argv, env });
      proven.push(`EnforceFargateTasks ${task === 'web' ? 'ApplicationLoadBalancedFargateService' : 'CfnInclude'} task`);
    }
    expect(records(run(plain.legacy, 'whole-plain-check').result.legacy)[0].argv).toEqual(['/bin/probe', 'image-entry', ...TRICKY]);
  });

  test('dependency condition SUCCESS: protected containers start after the sidecar exited 0, and its volume still serves', () => {
    const stack = new Stack(new App(), 'Success');
    const task = new EnforcedFargateTaskDefinition(stack, 'Task', {
      enforcer: new Enforcer({
        image: ecs.ContainerImage.fromRegistry('registry.example.com/microenforcer:2022.4'),
        dependencyCondition: ecs.ContainerDependencyCondition.SUCCESS,
      }),
    });
    task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('localhost/argv-probe:1'), entryPoint: ['/bin/probe', 'x; y'] });
    const { plan, result } = run(onlyTask(stack), 'success');
    expect(plan.find(p => p.name === 'app')!.waitFor).toEqual([{ name: 'enforcer', condition: 'SUCCESS' }]);
    expect(result.enforcer).toMatchObject({ started: true, exitCode: 0 });
    expectEnforced(result.app, { prefix: ['/aqua/microenforcer'], argv: ['/bin/probe', 'x; y'], env: {} });
    proven.push('dependency condition SUCCESS');
  });

  describe('fail closed', () => {
    const aqua = () => onlyTask(new AquaNginxStack(new App({ context: cdkJson.context }), 'AquaNginx'));

    test('without the enforcer volume, the protected program does not run', () => {
      const containers = aqua().map(c => (c.Name === 'nginx' ? { ...c, VolumesFrom: undefined } : c));
      const { plan, result } = run(containers, 'novolume');
      expect(plan.find(p => p.name === 'nginx')!.runArgs.join(' ')).not.toMatch(/volumes-from/);
      expect(result.nginx.started).toBe(false);
      expect(result.nginx.exitCode).toBe(127);
      expect(result.nginx.stderr).toMatch(/\/aqua\/microenforcer/);
      expect(records(result.nginx)).toEqual([]);
      proven.push('fail closed: no volume');
    });

    test('with the binary missing from the enforcer volume, the protected program does not run', () => {
      const { result } = run(aqua(), 'nobinary', { 'registry.example.com/microenforcer:2022.4': 'localhost/empty-enforcer:1' });
      expect(result.nginx.started).toBe(false);
      expect(result.nginx.exitCode).toBe(127);
      expect(records(result.nginx)).toEqual([]);
      proven.push('fail closed: binary missing');
    });
  });
});

afterAll(() => {
  podman?.dispose();
  fs.rmSync(binDir, { recursive: true, force: true });
});
