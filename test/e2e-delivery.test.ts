/**
 * End to end, in real containers: every delivery mode and every vendor preset, run in podman the
 * way ECS starts the task (support/podman-task.ts), with stub enforcer images laid out like each
 * vendor's (support/vendor-images.ts). Each protected container must start the enforcer first and
 * then the original program with exactly the argv it would have had without enforcement; missing
 * enforcer files must stop the program from running (fail closed); read-only root file systems
 * are covered; the built-in mode's derived image is built with podman from the generated
 * Dockerfile.
 *
 * Needs podman (+ runc) and gcc with static libc. Where containers cannot run, the suite is
 * skipped with a loud message, except under CI (CI=true), where that is a failure.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { EnforcedFargateTaskDefinition, Enforcer, EnforcerDelivery } from '../lib';
import { CfnContainer, ContainerRun, planTask, Podman, runTask } from './support/podman-task';
import { APP_DEFAULTS, APP_IMAGE, buildVendorImages, StubPrograms, VENDOR_IMAGES } from './support/vendor-images';

interface RecordLine { role: string; pid: number; argv: string[]; env: string[]; probe: string; capEff: string; writable?: string; copied?: boolean }

const CAP_SYS_PTRACE = 19n;
/** Arguments that a shell or a joined string would break. */
const TRICKY = ['a b', "it's", '"quoted"', 'x; y', '$HOME', '`id`', 'back\\slash', '', 'ünï'];
const SECRETS = { SYSDIG_ACCESS_KEY: 'fake-sysdig-key', INSTALL_BUNDLE: 'fake-bundle', FALCONCTL_OPTS: '--cid=FAKE-00', TOKEN: 'fake' };

const stubDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-delivery-'));
const stubs = new StubPrograms(stubDir);
let unavailable: string | undefined;
let podman: Podman | undefined;
try {
  stubs.app;
  podman = new Podman();
  unavailable = podman.unavailableReason(stubs.app);
} catch (e) {
  unavailable = (e as Error).message;
}
if (unavailable) {
  const banner = '!'.repeat(100);
  // eslint-disable-next-line no-console
  console.warn(`${banner}\n!!! DELIVERY END-TO-END TESTS ${process.env.CI ? 'CANNOT RUN (FAILING: CI=true)' : 'SKIPPED'}: ${unavailable}\n` +
    '!!! Install them with: apt-get install -y podman runc busybox-static gcc libc6-dev\n' + banner);
}
const describeE2E = unavailable && !process.env.CI ? describe.skip : describe;

function records(run: ContainerRun): RecordLine[] {
  return run.stdout.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l));
}
function envOf(record: RecordLine): { [name: string]: string } {
  return Object.fromEntries(record.env.map(e => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}
function hasCapability(record: RecordLine, capability: bigint): boolean {
  return ((BigInt(`0x${record.capEff}`) >> capability) & 1n) === 1n;
}

/** A stack with one task under `enforcer`: the app container (command TRICKY, optional read-only root). */
function taskOf(enforcer: (stack: Stack, secret: ecs.Secret) => Enforcer, options: { readonlyRoot?: boolean; outdir?: string } = {}) {
  const app = new App(options.outdir ? { outdir: options.outdir } : {});
  const stack = new Stack(app, 'Delivery');
  const secret = ecs.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'Token'));
  const task = new EnforcedFargateTaskDefinition(stack, 'Task', {
    enforcer: enforcer(stack, secret), family: 'orders', imageDefaults: { [APP_IMAGE]: APP_DEFAULTS },
  });
  task.addContainer('app', { image: ecs.ContainerImage.fromRegistry(APP_IMAGE), command: TRICKY, readonlyRootFilesystem: options.readonlyRoot });
  const resource = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'))[0] as any;
  return { app, stack, containers: resource.Properties.ContainerDefinitions as CfnContainer[], volumes: (resource.Properties.Volumes ?? []).map((v: any) => v.Name) };
}

let runs = 0;
function run(containers: CfnContainer[], volumes: string[], prefix: string) {
  const plan = planTask(containers, { namePrefix: `cef-dl-${prefix}-${runs++}`, secretValues: SECRETS, volumes });
  return { plan, result: runTask(podman!, plan) };
}

/** The enforcer ran first with the prefix and the original argv, then the program with exactly that argv, in the same process. */
function expectEnforced(outcome: ContainerRun, prefix: string[]): { enforcer: RecordLine; app: RecordLine } {
  expect(outcome.stderr).toBe('');
  expect(outcome).toMatchObject({ started: true, exitCode: 0 });
  const lines = records(outcome);
  expect(lines.map(l => l.role)).toEqual(['enforcer', 'app']);
  const [enforcer, app] = lines;
  const argv = [...APP_DEFAULTS.entryPoint, ...TRICKY];
  expect(enforcer.argv).toEqual([...prefix, ...argv]);
  expect(app.argv).toEqual(argv);
  expect(app.pid).toBe(enforcer.pid);
  // The enforcer's files are read-only in the protected container.
  expect(enforcer.probe).toBe('EROFS');
  return { enforcer, app };
}

describeE2E('delivery modes and vendor presets in podman', () => {
  beforeAll(() => {
    if (unavailable) throw new Error(`containers cannot run here: ${unavailable}`);
    buildVendorImages(podman!, stubs);
  });
  afterAll(() => {
    podman?.dispose();
    fs.rmSync(stubDir, { recursive: true, force: true });
  });

  describe('task-volume copy', () => {
    const copy = (image: string, extra: { dependencyCondition?: ecs.ContainerDependencyCondition; copyCommand?: string[] } = {}) => () => new Enforcer({
      image: ecs.ContainerImage.fromRegistry(image),
      binaryPath: '/enforcer-files/enforce',
      binaryArgs: ['run', '--'],
      dependencyCondition: extra.dependencyCondition,
      delivery: EnforcerDelivery.taskVolumeCopy({
        copyCommand: extra.copyCommand ?? ['/bin/busybox', 'cp', '/opt/enforcer/bin/enforce', '/enforcer-files/enforce'],
        mountPath: '/enforcer-files',
      }),
    });

    test('the init container copies, then the program runs under the enforcer (read-only root file system)', () => {
      const { containers, volumes } = taskOf(copy(VENDOR_IMAGES.generic), { readonlyRoot: true });
      const { plan, result } = run(containers, volumes, 'copy');
      expect(plan.map(p => p.name)).toEqual(['enforcer', 'app']);
      expect(plan[1].runArgs).toEqual(expect.arrayContaining(['--read-only']));
      expect(result.enforcer).toMatchObject({ started: true, exitCode: 0 });
      expectEnforced(result.app, ['/enforcer-files/enforce', 'run', '--']);
    });

    test('fail closed: a failed copy (SUCCESS) never starts the program', () => {
      const { containers, volumes } = taskOf(copy(VENDOR_IMAGES.empty, { copyCommand: ['/bin/busybox', 'cp', '/opt/enforcer/bin/enforce', '/enforcer-files/enforce'] }));
      const { result } = run(containers, volumes, 'copyfail');
      expect(result.enforcer).toMatchObject({ started: true });
      expect(result.enforcer.exitCode).not.toBe(0);
      expect(result.app).toMatchObject({ started: false, skipped: "dependency 'enforcer' did not succeed" });
    });

    test('fail closed: files missing after the copy (COMPLETE) stop the program at exec (127)', () => {
      const { containers, volumes } = taskOf(copy(VENDOR_IMAGES.empty, {
        dependencyCondition: ecs.ContainerDependencyCondition.COMPLETE, copyCommand: ['/bin/busybox', 'true'],
      }));
      const { result } = run(containers, volumes, 'copymissing');
      expect(result.enforcer).toMatchObject({ started: true, exitCode: 0 });
      expect(result.app.started).toBe(false);
      expect(result.app.exitCode).toBe(127);
      expect(result.app.stdout).toBe('');
    });
  });

  describe('built in', () => {
    test('the derived image, built with podman from the generated Dockerfile, starts the original argv under the enforcer', () => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-builtin-'));
      const enforcer = () => new Enforcer({
        image: ecs.ContainerImage.fromRegistry(VENDOR_IMAGES.generic),
        binaryPath: '/opt/enforcer/bin/enforce', binaryArgs: ['run', '--'], delivery: EnforcerDelivery.builtIn(),
      });
      const { app, containers, volumes } = taskOf(enforcer, { readonlyRoot: true, outdir });
      expect(containers.map(c => c.Name)).toEqual(['app']);
      // The asset's Dockerfile, as the CDK CLI would build it.
      const assembly = app.synth();
      const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'Delivery.assets.json'), 'utf8'));
      const source = (Object.values(manifest.dockerImages)[0] as any).source;
      const context = path.join(assembly.directory, source.directory);
      const derived = 'localhost/derived-app:1';
      podman!.must(['build', '-q', '--network=none', '--pull=never', '-t', derived, '-f', path.join(context, 'Dockerfile'), context]);
      // 1. Anywhere: the image alone starts the original ENTRYPOINT + CMD under the enforcer.
      const alone = podman!.run(['run', '--rm', '--network', 'none', '--pull=never', '--read-only', derived]);
      expect(alone.status).toBe(0);
      const standalone = alone.stdout.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as RecordLine);
      expect(standalone.map(r => r.role)).toEqual(['enforcer', 'app']);
      expect(standalone[0].argv).toEqual(['/opt/enforcer/bin/enforce', 'run', '--', '/app', 'serve']);
      expect(standalone[1].argv).toEqual(['/app', 'serve']);
      // 2. In the task: the explicit EntryPoint + the user's command.
      const task = containers.map(c => ({ ...c, Image: derived }));
      const { result } = run(task, volumes, 'builtin');
      const { enforcer: e } = expectEnforced(result.app, ['/opt/enforcer/bin/enforce', 'run', '--']);
      // Built in, the files are part of the read-only root file system.
      expect(e.probe).toBe('EROFS');
      fs.rmSync(outdir, { recursive: true, force: true });
    });

    test('fail closed: an enforcer image without the files fails the derived image build', () => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-builtin-'));
      const { app } = taskOf(() => new Enforcer({
        image: ecs.ContainerImage.fromRegistry(VENDOR_IMAGES.sysdig),
        binaryPath: '/opt/enforcer/bin/enforce', delivery: EnforcerDelivery.builtIn(),
      }), { outdir });
      const assembly = app.synth();
      const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'Delivery.assets.json'), 'utf8'));
      const context = path.join(assembly.directory, (Object.values(manifest.dockerImages)[0] as any).source.directory);
      const build = podman!.run(['build', '-q', '--network=none', '--pull=never', '-t', 'localhost/derived-bad:1', '-f', path.join(context, 'Dockerfile'), context]);
      expect(build.status).not.toBe(0);
      expect(build.stderr).toMatch(/opt\/enforcer\/bin/);
      fs.rmSync(outdir, { recursive: true, force: true });
    });
  });

  describe('vendor presets', () => {
    test('Sysdig: volumesFrom /opt/draios, instrument, SYSDIG_* and the access key, SYS_PTRACE (read-only root)', () => {
      const { containers, volumes } = taskOf((_s, secret) => Enforcer.sysdigWorkloadAgent({
        image: ecs.ContainerImage.fromRegistry(VENDOR_IMAGES.sysdig), accessKey: secret, collectorHost: 'collector.example.com',
      }), { readonlyRoot: true });
      const { result } = run(containers, volumes, 'sysdig');
      expect(records(result.SysdigInstrumentation).map(r => r.argv)).toEqual([['/opt/draios/bin/logwriter']]);
      const { enforcer } = expectEnforced(result.app, ['/opt/draios/bin/instrument']);
      expect(envOf(enforcer)).toMatchObject({ SYSDIG_COLLECTOR: 'collector.example.com', SYSDIG_COLLECTOR_PORT: '6443', SYSDIG_ACCESS_KEY: SECRETS.SYSDIG_ACCESS_KEY });
      expect(hasCapability(enforcer, CAP_SYS_PTRACE)).toBe(true);
    });

    test('Prisma Cloud: defender fargate entrypoint, per-container TW_* values, the install bundle (read-only root)', () => {
      const { containers, volumes } = taskOf((_s, secret) => Enforcer.prismaCloudDefender({
        image: ecs.ContainerImage.fromRegistry(VENDOR_IMAGES.prisma), consoleAddress: 'wss://console.example.com:443', installBundle: secret,
      }), { readonlyRoot: true });
      const { result } = run(containers, volumes, 'prisma');
      const { enforcer } = expectEnforced(result.app, ['/var/lib/twistlock/fargate/defender', 'fargate', 'entrypoint']);
      expect(envOf(enforcer)).toMatchObject({
        TW_CONTAINER_NAME: 'app', TW_IMAGE_NAME: APP_IMAGE, FARGATE_TASK: 'orders', DEFENDER_TYPE: 'fargate',
        WS_ADDRESS: 'wss://console.example.com:443', INSTALL_BUNDLE: SECRETS.INSTALL_BUNDLE,
      });
      expect(hasCapability(enforcer, CAP_SYS_PTRACE)).toBe(true);
    });

    test('Datadog CWS: setup copies cws-instrumentation into the task volume; trace -- (read-only root)', () => {
      const { containers, volumes } = taskOf(() => Enforcer.datadogCws({ image: ecs.ContainerImage.fromRegistry(VENDOR_IMAGES.datadog) }), { readonlyRoot: true });
      const { plan, result } = run(containers, volumes, 'datadog');
      expect(plan.map(p => p.name)).toEqual(['cws-instrumentation-init', 'app']);
      expect(records(result['cws-instrumentation-init'])).toEqual([expect.objectContaining({
        role: 'setup', argv: ['/cws-instrumentation', 'setup', '--cws-volume-mount', '/cws-instrumentation-volume'], copied: true,
      })]);
      const { enforcer } = expectEnforced(result.app, ['/cws-instrumentation-volume/cws-instrumentation', 'trace', '--']);
      expect(hasCapability(enforcer, CAP_SYS_PTRACE)).toBe(true);
    });

    test('CrowdStrike: the init container copies the sensor root; the loader prefix; the private writable volume (read-only root)', () => {
      const { containers, volumes } = taskOf((_s, secret) => Enforcer.crowdStrikeFalcon({
        image: ecs.ContainerImage.fromRegistry(VENDOR_IMAGES.crowdstrike), falconctlOpts: secret,
      }), { readonlyRoot: true });
      const { result } = run(containers, volumes, 'crowdstrike');
      expect(result['crowdstrike-falcon-init-container']).toMatchObject({ started: true, exitCode: 0 });
      const root = '/tmp/CrowdStrike/rootfs';
      const { enforcer } = expectEnforced(result.app, [`${root}/lib64/ld-linux-x86-64.so.2`, '--library-path', `${root}/lib64`, `${root}/bin/bash`, `${root}/entrypoint-ecs.sh`]);
      expect(enforcer.writable).toBe('ok');
      expect(envOf(enforcer)).toMatchObject({ FALCONCTL_OPTS: SECRETS.FALCONCTL_OPTS });
      expect(hasCapability(enforcer, CAP_SYS_PTRACE)).toBe(true);
    });

    test('CrowdStrike without its private volume on a read-only root: the sensor cannot write and the program never runs', () => {
      const { containers, volumes } = taskOf((_s, secret) => Enforcer.crowdStrikeFalcon({
        image: ecs.ContainerImage.fromRegistry(VENDOR_IMAGES.crowdstrike), falconctlOpts: secret, writableDirectory: '/tmp/elsewhere',
      }), { readonlyRoot: true });
      const { result } = run(containers, volumes, 'crowdstrike-ro');
      expect(result.app).toMatchObject({ started: true, exitCode: 1 });
      const lines = records(result.app);
      expect(lines.map(l => l.role)).toEqual(['enforcer']);
      // The directory is not in the image and the root cannot be written: no way to create it.
      expect(lines[0].writable).toMatch(/Read-only file system|No such file or directory/);
    });

    test('Datadog CWS fails closed when the setup cannot copy (the program never starts)', () => {
      const { containers, volumes } = taskOf(() => Enforcer.datadogCws({
        image: ecs.ContainerImage.fromRegistry(VENDOR_IMAGES.generic),
        delivery: EnforcerDelivery.taskVolumeCopy({
          copyCommand: ['/bin/busybox', 'false'], mountPath: '/cws-instrumentation-volume', volumeName: 'cws-instrumentation-volume',
        }),
      }));
      const { result } = run(containers, volumes, 'datadog-fail');
      expect(result.app).toMatchObject({ started: false, skipped: "dependency 'cws-instrumentation-init' did not succeed" });
    });
  });
});
