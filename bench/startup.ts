/**
 * The runtime part of the benchmark: how much later does a protected program start under each
 * delivery mode than without enforcement? (`npm run bench:startup`)
 *
 * The same one-container task is synthesized four ways (no enforcement, volumes-from, task-volume
 * copy, built-in) with a stub enforcer that execs the program at once (test/support/recorder.c),
 * and run in podman the way ECS starts it (test/support/podman-task.ts: dependencies, volumes,
 * read-only mounts). One start is timed from the first `podman run` of the task to the exit of the
 * program (which exits at once), so it includes what each mode adds before the program runs: the
 * sidecar's start, the init container's copy and wait, the derived image's layer. Images are built
 * (and the built-in image derived, with podman from the generated Dockerfile) before timing.
 * Repetitions are interleaved (one start of each mode per round) so that drift on a shared
 * machine hits every mode alike; the report gives the median per mode and the added latency as a
 * ratio and in milliseconds against no enforcement.
 *
 * Usage: bench:startup [--reps N] [--out DIR]   (default 9 repetitions, docs/performance/)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { summarize, Summary } from './stats';
import { EnforcedFargateTaskDefinition, Enforcer, EnforcerDelivery } from '../lib';
import { CfnContainer, planTask, Podman } from '../test/support/podman-task';
import { APP_DEFAULTS, APP_IMAGE, buildVendorImages, StubPrograms, VENDOR_IMAGES } from '../test/support/vendor-images';

const MODES = ['none', 'volumes-from', 'task-volume', 'built-in'] as const;
type Mode = typeof MODES[number];

function args(): { reps: number; out: string } {
  const argv = process.argv.slice(2);
  const value = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
  const reps = Number(value('--reps') ?? 9);
  if (!Number.isInteger(reps) || reps < 1 || reps > 1000) throw new Error(`--reps must be an integer 1-1000, got ${value('--reps')}`);
  return { reps, out: value('--out') ?? path.join(__dirname, '..', 'docs', 'performance') };
}

/** The task of one mode: containers, volumes, and (built-in) the asset's build context. */
function synthesize(mode: Mode, outdir: string): { containers: CfnContainer[]; volumes: string[]; context?: string } {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Startup');
  const image = ecs.ContainerImage.fromRegistry(APP_IMAGE);
  const command = ['serve', '--port', '8080'];
  if (mode === 'none') {
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('app', { image, command });
  } else {
    const prefix = { binaryArgs: ['run', '--'] };
    const enforcer = mode === 'volumes-from'
      ? new Enforcer({ image: ecs.ContainerImage.fromRegistry(VENDOR_IMAGES.generic), binaryPath: '/opt/enforcer/bin/enforce', ...prefix })
      : mode === 'task-volume'
        ? new Enforcer({
          image: ecs.ContainerImage.fromRegistry(VENDOR_IMAGES.generic), binaryPath: '/enforcer-files/enforce', ...prefix,
          delivery: EnforcerDelivery.taskVolumeCopy({ copyCommand: ['/bin/busybox', 'cp', '/opt/enforcer/bin/enforce', '/enforcer-files/enforce'], mountPath: '/enforcer-files' }),
        })
        : new Enforcer({ image: ecs.ContainerImage.fromRegistry(VENDOR_IMAGES.generic), binaryPath: '/opt/enforcer/bin/enforce', ...prefix, delivery: EnforcerDelivery.builtIn() });
    const task = new EnforcedFargateTaskDefinition(stack, 'Task', { enforcer, imageDefaults: { [APP_IMAGE]: APP_DEFAULTS } });
    task.addContainer('app', { image, command });
  }
  const resource = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'))[0] as any;
  const result = { containers: resource.Properties.ContainerDefinitions as CfnContainer[], volumes: (resource.Properties.Volumes ?? []).map((v: any) => v.Name as string) };
  if (mode !== 'built-in') return result;
  const assembly = app.synth();
  const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'Startup.assets.json'), 'utf8'));
  return { ...result, context: path.join(assembly.directory, (Object.values(manifest.dockerImages)[0] as any).source.directory) };
}

/** Starts the task once; returns ms from the first `podman run` to the program's exit. Throws unless the program ran under the enforcer. */
function startOnce(podman: Podman, mode: Mode, containers: CfnContainer[], volumes: string[], round: number): number {
  const plan = planTask(containers, { namePrefix: `cef-startup-${mode}-${round}`, volumes });
  const started = new Set<string>();
  const begin = process.hrtime.bigint();
  try {
    for (const c of plan) {
      for (const dep of c.waitFor) {
        if (dep.condition !== 'START') {
          const code = podman.must(['wait', plan.find(p => p.name === dep.name)!.podmanName]).trim();
          if (dep.condition === 'SUCCESS' && code !== '0') throw new Error(`${mode}: dependency ${dep.name} exited ${code}`);
        }
      }
      podman.must(['run', ...c.runArgs]);
      started.add(c.name);
    }
    const app = plan.find(p => p.name === 'app')!;
    const code = podman.must(['wait', app.podmanName]).trim();
    const elapsed = Number(process.hrtime.bigint() - begin) / 1e6;
    const logs = podman.must(['logs', app.podmanName]);
    const roles = logs.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l).role);
    const expected = mode === 'none' ? ['app'] : ['enforcer', 'app'];
    if (code !== '0' || JSON.stringify(roles) !== JSON.stringify(expected)) {
      throw new Error(`${mode}: the program did not run as expected (exit ${code}, records ${JSON.stringify(roles)})`);
    }
    return elapsed;
  } finally {
    for (const c of plan) podman.run(['rm', '-f', '-t', '0', c.podmanName]);
    for (const v of volumes) podman.run(['volume', 'rm', '-f', `cef-startup-${mode}-${round}-volume-${v}`]);
  }
}

function main(): void {
  const { reps, out } = args();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-startup-'));
  const podman = new Podman();
  const stubs = new StubPrograms(work);
  const startedAt = new Date();
  try {
    const unavailable = podman.unavailableReason(stubs.app);
    if (unavailable) throw new Error(`containers cannot run here: ${unavailable}`);
    buildVendorImages(podman, stubs);
    const tasks = {} as Record<Mode, { containers: CfnContainer[]; volumes: string[] }>;
    for (const mode of MODES) {
      const synthesized = synthesize(mode, path.join(work, `cdk.out-${mode}`));
      let containers = synthesized.containers;
      if (synthesized.context) {
        const derived = 'localhost/startup-derived:1';
        podman.must(['build', '-q', '--network=none', '--pull=never', '-t', derived, '-f', path.join(synthesized.context, 'Dockerfile'), synthesized.context]);
        containers = containers.map(c => ({ ...c, Image: derived }));
      }
      tasks[mode] = { containers, volumes: synthesized.volumes };
    }
    // One untimed warm-up start per mode (first runs pay one-off storage and runtime setup).
    for (const mode of MODES) startOnce(podman, mode, tasks[mode].containers, tasks[mode].volumes, -1);
    const samples = Object.fromEntries(MODES.map(m => [m, [] as number[]])) as Record<Mode, number[]>;
    for (let round = 0; round < reps; round++) {
      for (const mode of MODES) samples[mode].push(startOnce(podman, mode, tasks[mode].containers, tasks[mode].volumes, round));
      process.stderr.write(`round ${round + 1}/${reps}\n`);
    }
    report(samples, reps, startedAt, out);
  } finally {
    podman.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function report(samples: Record<Mode, number[]>, reps: number, startedAt: Date, out: string): void {
  const summaries = Object.fromEntries(MODES.map(m => [m, summarize(samples[m])])) as Record<Mode, Summary>;
  const base = summaries.none.median;
  const rows = MODES.map(m => ({
    mode: m,
    ...summaries[m],
    addedMs: summaries[m].median - base,
    ratio: summaries[m].median / base,
  }));
  const seconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, nproc ${os.cpus().length}, node ${process.version}, load average at start ${os.loadavg().map(l => l.toFixed(2)).join(' ')}`;
  const json = { startedAt: startedAt.toISOString(), repetitions: reps, seconds, machine, samples, rows };
  fs.mkdirSync(out, { recursive: true });
  const write = (file: string, text: string) => {
    const tmp = path.join(out, `.${file}.tmp`);
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, path.join(out, file));
  };
  write('startup.json', JSON.stringify(json, null, 2) + '\n');
  const f = (n: number) => n.toFixed(0);
  const md = [
    '# Startup cost of each delivery mode (measured)',
    '',
    `Latest run: ${startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}, ${reps} interleaved repetitions after one warm-up start per mode, ${seconds} s. Produced by \`npm run bench:startup\` (bench/startup.ts).`,
    '',
    `Machine: ${machine}; podman with runc, vfs storage, no network.`,
    '',
    'One start = from the first `podman run` of the task to the exit of the program, which exits at once; the stub enforcer execs it at once. So the figures are what each mode adds before the program runs (sidecar start, init-container copy and wait, derived image), not the cost of a real enforcer\'s own start.',
    '',
    '| mode | median ms | min–max ms | IQR ms | added ms (median − none) | ratio (median / none) |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map(r => `| ${r.mode} | ${f(r.median)} | ${f(r.min)}–${f(r.max)} | ${f(r.q1)}–${f(r.q3)} | ${r.mode === 'none' ? '—' : f(r.addedMs)} | ${r.ratio.toFixed(2)} |`),
    '',
    'What each mode does before the program runs: volumes-from starts the sidecar first (its VOLUME is filled on start); task-volume starts the init container and waits for it to exit (SUCCESS); built-in starts no other container (the files are a layer of the derived image). On a shared machine single starts vary: compare medians and ranges.',
    '',
  ].join('\n');
  write('startup.md', md);
  process.stdout.write(md);
}

main();
