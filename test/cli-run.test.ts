/**
 * `cdk-enforced-fargate run` end to end in podman (lib/cli/run.ts, on lib/run/): the examples'
 * tasks and small stacks of its own, synthesized into a cloud assembly as `cdk synth` writes it,
 * run with stub images built here from support/recorder.c (which records its argv and
 * environment as one JSON line). Every test also asserts that the run left no container, volume
 * or pod behind. Each podman here has its own storage (support/podman-task.ts).
 *
 * Needs podman (+ runc) and gcc with static libc; where containers cannot run, the suite is
 * skipped with a loud message, except under CI (CI=true), where that is a failure.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { AquaNginxStack } from '../examples/aqua-nginx';
import { LoadBalancedServiceStack } from '../examples/load-balanced-service';
import { MultiContainerStack } from '../examples/multi-container';
import { EnforcedFargateTaskDefinition, Enforcer } from '../lib';
import { main } from '../lib/cli/main';
import { runCommand } from '../lib/cli/run';
import { Podman } from './support/podman-task';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../cdk.json');

interface RecordLine { role: 'enforcer' | 'app'; pid: number; argv: string[]; env: string[] }

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-cli-run-'));
const BUSYBOX = '/bin/busybox';
const ENFORCER_IMAGE = 'registry.example.com/microenforcer:2022.4';

function compile(): { app: string; enforcer: (n: number) => string } | string {
  const source = path.join(__dirname, 'support', 'recorder.c');
  const build = (out: string, defines: string[]) => {
    const r = spawnSync('gcc', ['-static', '-O2', ...defines, '-o', out, source], { encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new Error(`gcc -static failed: ${r.error ?? r.stderr}`);
    return out;
  };
  try {
    return { app: build(path.join(tmp, 'app'), []), enforcer: n => build(path.join(tmp, `enforcer-${n}`), [`-DENFORCER_ARGS=${n}`]) };
  } catch (e) {
    return (e as Error).message;
  }
}

const bins = fs.existsSync(BUSYBOX) ? compile() : `${BUSYBOX} is missing`;
const podman = typeof bins === 'string' ? undefined : new Podman();
const unavailable = typeof bins === 'string' ? bins : podman!.unavailableReason(bins.app);
if (unavailable) {
  const banner = '!'.repeat(100);
  // eslint-disable-next-line no-console
  console.warn(`${banner}\n!!! 'run' END-TO-END TESTS ${process.env.CI ? 'CANNOT RUN (FAILING: CI=true)' : 'SKIPPED'}: ${unavailable}\n` +
    '!!! Install them with: bash scripts/install-tools.sh (podman runc busybox-static gcc libc6-dev)\n' + banner);
}
const describeE2E = unavailable && !process.env.CI ? describe.skip : describe;

/** A stack of one enforced task whose app container is built by `build`. */
class TaskStack extends Stack {
  constructor(app: App, id: string, build: (task: EnforcedFargateTaskDefinition) => void) {
    super(app, id);
    const task = new EnforcedFargateTaskDefinition(this, 'Task', {
      enforcer: new Enforcer({ image: ecs.ContainerImage.fromRegistry(ENFORCER_IMAGE) }),
      imageDefaults: { 'localhost/shell:1': { entryPoint: [], command: ['/bin/sh'] }, 'localhost/web:1': { entryPoint: [], command: [] } },
    });
    build(task);
  }
}
const shell = ecs.ContainerImage.fromRegistry('localhost/shell:1');

/** Synthesizes the stacks into a cloud assembly as `cdk synth` does; returns its directory. */
function synthesize(): string {
  const outdir = path.join(tmp, 'cdk.out');
  const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:enable-path-metadata': true } });
  new AquaNginxStack(app, 'AquaNginx');
  new MultiContainerStack(app, 'MultiContainer');
  new LoadBalancedServiceStack(app, 'LoadBalancedService');
  new TaskStack(app, 'Serves', task => {
    // A web server, and a sidecar that reaches it on localhost (awsvpc: one network namespace).
    task.addContainer('web', { image: ecs.ContainerImage.fromRegistry('localhost/web:1'), entryPoint: ['/bin/busybox', 'httpd', '-f', '-p', '8080', '-h', '/www'], stopTimeout: Duration.seconds(2),
    });
    task.addContainer('probe', {
      image: shell, essential: false,
      entryPoint: ['/bin/sh', '-c', 'for i in $(busybox seq 1 100); do busybox wget -q -O - http://127.0.0.1:8080/ && exit 0; busybox sleep 0.2; done; exit 1'],
    });
  });
  new TaskStack(app, 'Fails', task => {
    task.addContainer('app', { image: shell, entryPoint: ['/bin/sh', '-c', 'echo about to fail; echo to stderr >&2; exit 3'] });
  });
  new TaskStack(app, 'Migrates', task => {
    const migrate = task.addContainer('migrate', { image: shell, essential: false, entryPoint: ['/bin/sh', '-c', 'echo migration failed; exit 1'] });
    const app2 = task.addContainer('app', { image: shell, entryPoint: ['/bin/sh', '-c', 'echo app must not run'] });
    app2.addContainerDependencies({ container: migrate, condition: ecs.ContainerDependencyCondition.SUCCESS });
  });
  new TaskStack(app, 'Long', task => {
    task.addContainer('app', {
      image: shell, entryPoint: ['/bin/busybox', 'sleep', '600'], linuxParameters: new ecs.LinuxParameters(task, 'Init', { initProcessEnabled: true }),
      stopTimeout: Duration.seconds(5),
    });
  });
  new TaskStack(app, 'Stubborn', task => {
    // PID 1 without a handler ignores SIGTERM: only SIGKILL stops it before its StopTimeout (120 s).
    task.addContainer('app', { image: shell, entryPoint: ['/bin/busybox', 'sleep', '600'], stopTimeout: Duration.seconds(120) });
  });
  for (const [id, check] of [['Healthy', 'test -e /ready'], ['Unhealthy', 'exit 1']]) {
    new TaskStack(app, id, task => {
      // The database becomes ready after a second; its health check (run by the engine, outside
      // the enforcer) says so; the api starts only once it is HEALTHY.
      const db = task.addContainer('db', {
        image: shell, entryPoint: ['/bin/sh', '-c', 'busybox sleep 1; echo ready > /ready; exec /bin/busybox sleep 600'], stopTimeout: Duration.seconds(1),
        healthCheck: { command: ['CMD-SHELL', check], interval: Duration.seconds(5), timeout: Duration.seconds(2), retries: 1 },
      });
      const api = task.addContainer('api', { image: shell, entryPoint: ['/bin/sh', '-c', 'echo api started'] });
      api.addContainerDependencies({ container: db, condition: ecs.ContainerDependencyCondition.HEALTHY });
    });
  }
  new TaskStack(app, 'Waits', task => {
    // A dependency that never reaches COMPLETE within its StartTimeout.
    const init = task.addContainer('init', {
      image: shell, essential: false, entryPoint: ['/bin/busybox', 'sleep', '600'], startTimeout: Duration.seconds(2), stopTimeout: Duration.seconds(2),
    });
    const main = task.addContainer('app', { image: shell, entryPoint: ['/bin/sh', '-c', 'echo app must not run'] });
    main.addContainerDependencies({ container: init, condition: ecs.ContainerDependencyCondition.COMPLETE });
  });
  new TaskStack(app, 'Shares', task => {
    // COMPLETE accepts any exit code; a task volume carries a file from one container to the next;
    // both containers are in the task's one network namespace.
    task.addVolume({ name: 'handover' });
    const init = task.addContainer('init', {
      image: shell, essential: false,
      entryPoint: ['/bin/sh', '-c', 'echo written-by-init > /handover/file; echo "net $(/bin/busybox readlink /proc/self/ns/net)"; exit 5'],
    });
    init.addMountPoints({ sourceVolume: 'handover', containerPath: '/handover', readOnly: false });
    const main = task.addContainer('app', {
      image: shell, entryPoint: ['/bin/sh', '-c', 'cat /handover/file; echo "net $(/bin/busybox readlink /proc/self/ns/net)"; echo x > /handover/other || echo read-only'],
    });
    main.addMountPoints({ sourceVolume: 'handover', containerPath: '/handover', readOnly: true });
    main.addContainerDependencies({ container: init, condition: ecs.ContainerDependencyCondition.COMPLETE });
  });
  new TaskStack(app, 'Asset', task => {
    const context = path.join(tmp, 'asset');
    fs.mkdirSync(context, { recursive: true });
    fs.copyFileSync((bins as { app: string }).app, path.join(context, 'app'));
    fs.writeFileSync(path.join(context, 'Dockerfile'), 'FROM scratch\nCOPY app /usr/bin/app\nENTRYPOINT ["/usr/bin/app", "from-the-asset"]\n');
    task.addContainer('app', { image: ecs.ContainerImage.fromAsset(context), command: ['x y'] });
  });
  app.synth();
  return outdir;
}

let cdkOut: string;
const secretsFile = path.join(tmp, 'secrets.env');
const saved: { [name: string]: string | undefined } = {};

/** Runs the command in-process; collects its output lines. */
async function run(args: string[], signal?: AbortSignal) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand(['--cdk-out', cdkOut, '--engine', 'podman', '--network', 'none', '--pull', 'never', ...args],
    { out: l => out.push(l), err: l => err.push(l), cwd: tmp, stdin: () => '' }, signal);
  return { code, out, err };
}

/** The records a container printed (`name | {json}` lines). */
function records(out: string[], container: string): RecordLine[] {
  return out.filter(l => l.split(' | ')[0].trim() === container && l.includes(' | {'))
    .map(l => JSON.parse(l.slice(l.indexOf(' | ') + 3)));
}

function envOf(record: RecordLine): { [name: string]: string } {
  return Object.fromEntries(record.env.map(e => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

/** Nothing of any run is left: no container, volume or pod. */
function expectNothingLeft() {
  expect(podman!.must(['ps', '-a', '-q']).trim()).toBe('');
  expect(podman!.must(['volume', 'ls', '-q']).trim()).toBe('');
  expect(podman!.must(['pod', 'ps', '-q']).trim()).toBe('');
}

describeE2E('cdk-enforced-fargate run, end to end in podman', () => {
  beforeAll(() => {
    if (unavailable) throw new Error(`containers cannot run here: ${unavailable}`);
    const b = bins as Exclude<typeof bins, string>;
    for (const key of ['CONTAINERS_CONF', 'CONTAINERS_STORAGE_CONF']) {
      saved[key] = process.env[key];
      process.env[key] = podman!.environment[key];
    }
    podman!.buildImage(ENFORCER_IMAGE, { files: { '/aqua/microenforcer': b.enforcer(0) }, volume: '/aqua', command: ['/aqua/microenforcer'] });
    podman!.buildImage('registry.example.com/runtime-enforcer:3.1', {
      files: { '/opt/enforcer/bin/enforce': b.enforcer(2) }, volume: '/opt/enforcer/bin', command: ['/opt/enforcer/bin/enforce'],
    });
    // An enforcer image whose program does not exist: its container can never start.
    podman!.buildImage('localhost/broken-enforcer:1', { files: {}, directories: ['/aqua'], volume: '/aqua', command: ['/aqua/nope'] });
    const nginx = cdkJson.context['cdk-enforced-fargate:imageDefaults']['nginx:1.27'];
    podman!.buildImage('docker.io/library/nginx:1.27', { files: { '/docker-entrypoint.sh': b.app }, entryPoint: nginx.entryPoint, command: nginx.command });
    podman!.buildImage('registry.example.com/orders-api:4.2', { files: { '/usr/local/bin/orders-api': b.app }, entryPoint: ['/usr/local/bin/orders-api'], command: ['serve'] });
    podman!.buildImage('registry.example.com/orders-worker:4.2', { files: { '/bin/sh': BUSYBOX, '/usr/bin/orders-worker': b.app }, command: ['orders-worker'] });
    fs.writeFileSync(path.join(tmp, 'index.html'), 'hello from the task\n');
    podman!.buildImage('localhost/web:1', { files: { '/bin/busybox': BUSYBOX, '/www/index.html': path.join(tmp, 'index.html') } });
    podman!.buildImage('localhost/shell:1', { files: { '/bin/sh': BUSYBOX, '/bin/busybox': BUSYBOX }, command: ['/bin/sh'] });
    cdkOut = synthesize();
    fs.writeFileSync(secretsFile, '# the Aqua token, for a local run\nAQUA_TOKEN=local token; with = and spaces\n', { mode: 0o600 });
  });

  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]; else process.env[key] = value;
    }
  });

  test("the article's task: the enforcer starts first, then nginx under it with its original argv and the secret given locally", async () => {
    const r = await run(['AquaNginx/Web', '--secrets-file', secretsFile]);
    expect(r.err.join('\n')).toContain('task stopped: essential container \'nginx\' exited 0; exit code 0');
    expect(r.code).toBe(0);
    const started = r.err.filter(l => / started/.test(l));
    expect(started).toEqual([
      "cdk-enforced-fargate run: container 'enforcer' started (not essential)",
      "cdk-enforced-fargate run: container 'nginx' started",
    ]);
    // The sidecar ran its own CMD; nginx ran under the enforcer, in the same process, with the token.
    expect(records(r.out, 'enforcer').map(x => x.argv)).toEqual([['/aqua/microenforcer']]);
    const [enforcer, app] = records(r.out, 'nginx');
    expect(enforcer).toMatchObject({ role: 'enforcer', argv: ['/aqua/microenforcer', '/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;'] });
    expect(app).toMatchObject({ role: 'app', argv: ['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;'], pid: enforcer.pid });
    expect(envOf(app)).toMatchObject({ AQUA_TOKEN: 'local token; with = and spaces', AQUA_SERVER: 'aqua-gateway.internal:8443', AQUA_MICROENFORCER: '1' });
    // Each line is prefixed with its container's name, padded.
    expect(r.out.every(l => /^(enforcer|nginx   ) \| /.test(l))).toBe(true);
    expect(r.err).toContain('cdk-enforced-fargate run: not reproduced: LogConfiguration of enforcer, nginx: the logs are printed here instead');
    expectNothingLeft();
  }, 180_000);

  test('the load-balanced service (ARM64): its images\' ARM64 variants are asked for; with --platform, web runs the image ENTRYPOINT and CMD under the enforcer', async () => {
    // The stub images here are amd64 only: the ARM64 variant Fargate would run is not there.
    const arm = await run(['LoadBalancedService/Site', '--secrets-file', secretsFile]);
    expect(arm.code).toBe(1);
    expect(arm.err).toContain('enforcer | Error: registry.example.com/microenforcer:2022.4: image not known');
    expectNothingLeft();
    const r = await run(['LoadBalancedService/Site', '--secrets-file', secretsFile, '--platform', 'linux/amd64']);
    expect(r.err).toContain('cdk-enforced-fargate run: not reproduced: CPU architecture ARM64: the linux/amd64 variants of the images run instead (--platform)');
    expect(r.code).toBe(0);
    const nginx = cdkJson.context['cdk-enforced-fargate:imageDefaults']['nginx:1.27'];
    const [enforcer, app] = records(r.out, 'web');
    expect(enforcer.argv).toEqual(['/aqua/microenforcer', ...nginx.entryPoint, ...nginx.command]);
    expect(app.argv).toEqual([...nginx.entryPoint, ...nginx.command]);
    expectNothingLeft();
  }, 180_000);

  test('--network bridge --publish: a sidecar reaches the server on localhost, and so does this machine on the published port', async () => {
    const port = await new Promise<number>(resolve => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const out: string[] = [];
    const err: string[] = [];
    const controller = new AbortController();
    const running = runCommand(['--cdk-out', cdkOut, '--engine', 'podman', '--pull', 'never', '--network', 'bridge', '--publish', `127.0.0.1:${port}:8080`, 'Serves/Task'],
      { out: l => out.push(l), err: l => err.push(l), cwd: tmp, stdin: () => '' }, controller.signal);
    const get = () => new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/' }, res => {
        let body = '';
        res.on('data', d => { body += d; });
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
    let body = '';
    for (let i = 0; i < 300 && body === ''; i++) {
      body = await get().catch(() => '');
      if (body === '') await new Promise(resolve => setTimeout(resolve, 200));
    }
    try {
      expect(body).toBe('hello from the task\n');
    } finally {
      for (let i = 0; i < 300 && !err.some(l => l.includes("container 'probe' exited")); i++) await new Promise(resolve => setTimeout(resolve, 100));
      controller.abort('SIGINT');
    }
    expect(await running).toBe(130);
    expect(out).toContain('probe    | hello from the task');
    expect(err).toContain("cdk-enforced-fargate run: container 'probe' exited 0");
    expectNothingLeft();
  }, 180_000);

  test('--engine docker: the same tasks through the Docker command line (here podman\'s Docker-compatible one), a pause container holding the namespaces', async () => {
    // A `docker` that is podman with this test's storage: the Docker options and the pause
    // container are exercised; the build machines have no Docker engine.
    const shimDir = fs.mkdtempSync(path.join(tmp, 'shim-'));
    fs.writeFileSync(path.join(shimDir, 'docker'), '#!/bin/sh\nexec podman "$@"\n', { mode: 0o755 });
    podman!.buildImage('localhost/pause:1', { files: { '/bin/busybox': BUSYBOX }, command: ['/bin/busybox', 'sleep', '1000000'] });
    const savedPath = process.env.PATH;
    process.env.PATH = `${shimDir}${path.delimiter}${savedPath}`;
    try {
      const docker = ['--engine', 'docker', '--pause-image', 'localhost/pause:1'];
      const aqua = await run(['AquaNginx/Web', '--secrets-file', secretsFile, ...docker]);
      expect(aqua.code).toBe(0);
      expect(aqua.err[0]).toMatch(/engine docker$/);
      const [enforcer, app] = records(aqua.out, 'nginx');
      expect(enforcer.argv).toEqual(['/aqua/microenforcer', '/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;']);
      expect(app.argv).toEqual(['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;']);
      expectNothingLeft();

      const shares = await run(['Shares/Task', ...docker]);
      expect(shares.code).toBe(0);
      expect(shares.out).toContain('app      | written-by-init');
      const net = (name: string) => shares.out.find(l => l.startsWith(`${name.padEnd(8)} | net `))!.split(' | net ')[1];
      expect(net('app')).toBe(net('init'));
      expectNothingLeft();
    } finally {
      process.env.PATH = savedPath;
      podman!.run(['rmi', 'localhost/pause:1']);
    }
  }, 180_000);

  test('a missing secret is an error naming it, and nothing is started', async () => {
    const r = await run(['AquaNginx/Web']);
    expect(r.code).toBe(125);
    expect(r.err).toEqual([expect.stringMatching(/container 'nginx': secret AQUA_TOKEN has no local value; give it with --secret AQUA_TOKEN/)]);
    expectNothingLeft();
  });

  test('the multi-container task: its FireLens router is refused, and runs without it when asked', async () => {
    const refused = await run(['MultiContainer/Orders']);
    expect(refused.code).toBe(125);
    expect(refused.err.join('\n')).toMatch(/container 'log-router': FirelensConfiguration cannot be reproduced locally: .*--without <its name>/);
    expectNothingLeft();

    const r = await run(['MultiContainer/Orders', '--without', 'log-router']);
    expect(r.code).toBe(0);
    expect(r.err.find(l => / started/.test(l))).toMatch(/container 'enforcer' started \(not essential\)/);
    const [enforcer, app] = records(r.out, 'app');
    expect(enforcer.argv).toEqual(['/opt/enforcer/bin/enforce', 'run', '--', '/usr/local/bin/orders-api', 'serve', '--port', '8080']);
    expect(app.argv).toEqual(['/usr/local/bin/orders-api', 'serve', '--port', '8080']);
    expect(envOf(app)).toMatchObject({ ENFORCER_MODE: 'block' });
    expectNothingLeft();
  }, 180_000);

  test('an essential container that fails stops the task with its exit code', async () => {
    const r = await run(['Fails/Task']);
    expect(r.code).toBe(3);
    expect(r.out).toContain('app      | about to fail');
    expect(r.err).toContain('app      | to stderr');
    expect(r.err).toContain("cdk-enforced-fargate run: task stopped: essential container 'app' exited 3; exit code 3");
    expectNothingLeft();
  }, 180_000);

  test('a dependency that fails its SUCCESS condition: the app never starts, the task fails', async () => {
    const r = await run(['Migrates/Task']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('migrate  | migration failed');
    expect(r.err).toContain("cdk-enforced-fargate run: container 'app' will not be started: dependency 'migrate' exited 1, not 0 (condition SUCCESS)");
    expect(r.out.join('\n')).not.toContain('app must not run');
    expectNothingLeft();
  }, 180_000);

  test('a dependency that never starts: the protected app is not started either', async () => {
    const r = await run(['Fails/Task', '--image', 'enforcer=localhost/broken-enforcer:1']);
    expect(r.code).toBe(1);
    expect(r.err).toContain("cdk-enforced-fargate run: container 'enforcer' could not be started (engine exit 127)");
    expect(r.err).toContain("cdk-enforced-fargate run: task stopped: essential container 'app' was not started: dependency 'enforcer' was not started (the engine could not start it: exit 127); exit code 1");
    expect(r.out.join('\n')).not.toContain('about to fail');
    expectNothingLeft();
  }, 180_000);

  test('a dependency that does not reach COMPLETE within its StartTimeout: the app is not started', async () => {
    const r = await run(['Waits/Task']);
    expect(r.code).toBe(1);
    expect(r.err).toContain("cdk-enforced-fargate run: container 'app' will not be started: dependency 'init' did not reach COMPLETE within its StartTimeout of 2s");
    expect(r.out.join('\n')).not.toContain('app must not run');
    expectNothingLeft();
  }, 180_000);

  test('COMPLETE after a non-zero exit, a task volume handed from one container to the next, one network namespace', async () => {
    const r = await run(['Shares/Task']);
    expect(r.code).toBe(0);
    expect(r.err).toContain("cdk-enforced-fargate run: container 'init' exited 5");
    expect(r.out).toContain('app      | written-by-init');
    expect(r.err.join('\n')).toMatch(/app +\| .*Read-only file system/);
    expect(r.out).toContain('app      | read-only');
    const net = (name: string) => r.out.find(l => l.startsWith(`${name.padEnd(8)} | net `))!.split(' | net ')[1];
    expect(net('init')).toMatch(/^net:\[\d+\]$/);
    expect(net('app')).toBe(net('init'));
    expectNothingLeft();
  }, 180_000);

  test('--secret takes a secret from this environment', async () => {
    process.env.AQUA_TOKEN = 'from the environment';
    try {
      const r = await run(['AquaNginx/Web', '--secret', 'AQUA_TOKEN']);
      expect(r.code).toBe(0);
      expect(envOf(records(r.out, 'nginx')[1])).toMatchObject({ AQUA_TOKEN: 'from the environment' });
    } finally {
      delete process.env.AQUA_TOKEN;
    }
    const missing = await run(['AquaNginx/Web', '--secret', 'AQUA_TOKEN']);
    expect(missing.code).toBe(125);
    expect(missing.err).toEqual([expect.stringContaining('--secret AQUA_TOKEN: this environment has no variable AQUA_TOKEN')]);
    expectNothingLeft();
  }, 180_000);

  test('HEALTHY: the api starts once the engine has found the database healthy; an unhealthy one keeps it from starting', async () => {
    const healthy = await run(['Healthy/Task']);
    expect(healthy.code).toBe(0);
    const says = healthy.err.filter(l => /container '(db|api)' (started|is )/.test(l));
    expect(says).toEqual([
      "cdk-enforced-fargate run: container 'db' started",
      "cdk-enforced-fargate run: container 'db' is healthy",
      "cdk-enforced-fargate run: container 'api' started",
    ]);
    expect(healthy.out).toContain('api      | api started');
    expectNothingLeft();

    const unhealthy = await run(['Unhealthy/Task']);
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.err).toContain("cdk-enforced-fargate run: container 'db' is unhealthy");
    expect(unhealthy.err).toContain("cdk-enforced-fargate run: task stopped: essential container 'api' was not started: dependency 'db' is unhealthy (condition HEALTHY); exit code 1");
    expect(unhealthy.out.join('\n')).not.toContain('api started');
    expectNothingLeft();
  }, 180_000);

  test('an image asset of the stack is built from the cloud assembly and run under the enforcer', async () => {
    const r = await run(['Asset/Task']);
    expect(r.code).toBe(0);
    expect(r.err.join('\n')).toMatch(/building image asset of container 'app' \(localhost\/cdk-enforced-fargate-asset:[0-9a-f]{64}\)/);
    const [enforcer, app] = records(r.out, 'app');
    expect(enforcer.argv).toEqual(['/aqua/microenforcer', '/usr/bin/app', 'from-the-asset', 'x y']);
    expect(app.argv).toEqual(['/usr/bin/app', 'from-the-asset', 'x y']);
    expectNothingLeft();
  }, 180_000);

  test('--dry-run prints the engine commands and starts nothing', async () => {
    const r = await run(['Fails/Task', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe('# enforcer');
    // The sidecar's markers (Docker labels in the template) reach the container too.
    expect(r.out[1]).toMatch(/^podman run -d --name cef-run-[0-9a-f]{12}-enforcer --read-only --read-only-tmpfs=false --label cdk-enforced-fargate.role=enforcer .*registry.example.com\/microenforcer:2022.4$/);
    expect(r.out[2]).toBe('# app (essential) after enforcer START');
    expect(r.out[3]).toMatch(/--entrypoint '\["\/aqua\/microenforcer","\/bin\/sh","-c","echo about to fail; echo to stderr >&2; exit 3"\]' localhost\/shell:1$/);
    expectNothingLeft();
  });

  /** Starts the real bin on a task; resolves once its app container has started. */
  async function startBin(taskName: string) {
    const bin = path.join(__dirname, '..', 'lib', 'cli', 'main.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', bin, 'run', '--cdk-out', cdkOut, '--engine', 'podman', '--network', 'none', '--pull', 'never', taskName],
      { cwd: path.join(__dirname, '..'), env: { ...process.env, ...podman!.environment }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes("container 'app' started")) resolve();
      });
      void exited.then(() => reject(new Error(`the run ended before the app started:\n${stderr}`)));
    });
    return { child, exited, stderr: () => stderr };
  }

  test.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s to the real bin: the task is stopped, everything it created is removed, exit %d', async (sig, expected) => {
    const { child, exited, stderr } = await startBin('Long/Task');
    // Running now: a container and the pod exist.
    expect(podman!.must(['ps', '-q']).trim()).not.toBe('');
    child.kill(sig);
    expect(await exited).toBe(expected);
    expect(stderr()).toContain(`${sig}: stopping the task and removing what it created`);
    expect(stderr()).toContain(`task stopped: interrupted (${sig}); exit code ${expected}`);
    expectNothingLeft();
  }, 180_000);

  test('a second SIGINT kills a container that ignores SIGTERM instead of waiting out its StopTimeout', async () => {
    const { child, exited, stderr } = await startBin('Stubborn/Task');
    child.kill('SIGINT');
    await new Promise(resolve => setTimeout(resolve, 1000));
    expect(child.exitCode).toBeNull();
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr()).toContain('SIGINT again: killing the task, then removing what it created');
    expect(stderr()).toContain("container 'app' exited 137");
    expectNothingLeft();
  }, 100_000);
});

describe('cdk-enforced-fargate run, without containers', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), cwd: tmp, stdin: () => '' } };
  };

  test('the dispatcher lists run, and run --help tells its options and exit codes', async () => {
    const top = io();
    expect(await main(['--help'], top.io)).toBe(0);
    expect(top.out.join('\n')).toMatch(/^ {2}run +start a synthesized task definition locally/m);
    const help = io();
    expect(await main(['run', '--help'], help.io)).toBe(0);
    expect(help.out.join('\n')).toMatch(/^Usage: cdk-enforced-fargate run \[options\] \[TASK\]/);
    expect(help.out.join('\n')).toContain('--secrets-file FILE');
  });

  test('usage errors exit 2; an assembly that is not there exits 125 with one line', async () => {
    for (const args of [['--engine', 'lxc'], ['--network', 'host'], ['--pull', 'sometimes'], ['A', 'B'], ['--image', 'noequals'], ['--bogus']]) {
      const r = io();
      expect(await main(['run', '--cdk-out', tmp, ...args], r.io)).toBe(2);
      expect(r.err[0]).toMatch(/^cdk-enforced-fargate run: /);
    }
    const missing = io();
    expect(await main(['run', '--cdk-out', path.join(tmp, 'nope')], missing.io)).toBe(125);
    expect(missing.err).toEqual([expect.stringMatching(/nope\/manifest.json: not found; synthesize first/)]);
  });

  test('--list names every task definition; without a name, the candidates are listed', async () => {
    const outdir = fs.mkdtempSync(path.join(tmp, 'list-'));
    const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
    const stack = new Stack(app, 'Two');
    new ecs.FargateTaskDefinition(stack, 'A').addContainer('a', { image: ecs.ContainerImage.fromRegistry('a:1') });
    new ecs.FargateTaskDefinition(stack, 'B').addContainer('b', { image: ecs.ContainerImage.fromRegistry('b:1') });
    app.synth();
    const list = io();
    expect(await main(['run', '--cdk-out', outdir, '--list'], list.io)).toBe(0);
    expect(list.out).toEqual([expect.stringMatching(/^Two\/A {2}\(stack Two, logical id A\w+\)$/), expect.stringMatching(/^Two\/B /)]);
    const unnamed = io();
    expect(await main(['run', '--cdk-out', outdir], unnamed.io)).toBe(125);
    expect(unnamed.err[0]).toMatch(/the cloud assembly has 2 task definitions; name one:\n {2}Two\/A .*\n {2}Two\/B /);
  });
});

afterAll(() => {
  podman?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});
