/**
 * Synthesis benchmark: the same app built (a) with plain FargateTaskDefinitions, (b) with the
 * enforcement written by hand, (c) with EnforcedFargateTaskDefinition, at several sizes, the
 * variants alternated in one process. Prints time and peak heap per variant, the ratios c/b and
 * c/a with their spread over repetitions, and the scaling slope; a full run writes
 * docs/performance/ (results.json, results.md, scaling.svg).
 *
 * Run: `npm run bench` (full, ~5-8 min on 2 cores) or `npm run bench -- --quick` (~1 min).
 * Options: --quick, --reps N, --sizes 10,100,1000, --write (write docs/ in quick mode too),
 * --no-write.
 */
import { execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { buildApp, checkAspectEquivalence, checkEquivalence, checkLibFresh, LABEL, TASKS_PER_STACK, tempOutdir, Variant, VARIANTS } from './apps';
import { logLogSlope, Summary, summarize } from './stats';
import { renderSvg, Series } from './svg';

const gc: () => void = (globalThis as any).gc;
if (typeof gc !== 'function') {
  throw new Error('bench: run node with --expose-gc (npm run bench does)');
}

interface Options {
  readonly quick: boolean;
  readonly reps: number;
  readonly sizes: number[];
  readonly write: boolean;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const reps = Number(value('--reps') ?? (quick ? 3 : 5));
  const sizes = (value('--sizes') ?? (quick ? '10,100' : '10,100,1000')).split(',').map(Number);
  if (!Number.isInteger(reps) || reps < 1 || sizes.some(s => !Number.isInteger(s) || s < 1)) {
    throw new Error(`bench: bad --reps/--sizes: ${argv.join(' ')}`);
  }
  const write = argv.includes('--write') || (!quick && !argv.includes('--no-write'));
  return { quick, reps, sizes, write };
}

/** One measured build + synthesis. */
interface Run {
  readonly variant: Variant;
  readonly size: number;
  readonly rep: number;
  /** ms spent building the construct tree. */
  readonly construct: number;
  /** ms spent in app.synth() (aspects, validation, rendering, writing the assembly). */
  readonly synth: number;
  readonly total: number;
  /** ms of CPU (user + system, all threads of the process) for the whole run: less sensitive than wall time to a busy machine. */
  readonly cpu: number;
  /** MiB: the highest used heap seen during the run (before each GC, and at the end), above the heap used before it. */
  readonly peakHeap: number;
}

const MiB = 1024 * 1024;

function measure(variant: Variant, size: number, rep: number): Run {
  const outdir = tempOutdir();
  gc();
  gc();
  const base = v8.getHeapStatistics().used_heap_size;
  const profiler = new v8.GCProfiler();
  profiler.start();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let app: ReturnType<typeof buildApp> | undefined = buildApp(variant, size, outdir);
  const t1 = performance.now();
  app.synth();
  const t2 = performance.now();
  const c1 = process.cpuUsage(c0);
  const end = v8.getHeapStatistics().used_heap_size;
  const gcs = profiler.stop();
  app = undefined;
  const peak = Math.max(end, ...(gcs?.statistics ?? []).map((s: any) => s.beforeGC.heapStatistics.usedHeapSize as number));
  fs.rmSync(outdir, { recursive: true, force: true });
  return { variant, size, rep, construct: t1 - t0, synth: t2 - t1, total: t2 - t0, cpu: (c1.user + c1.system) / 1000, peakHeap: (peak - base) / MiB };
}

function machine(): Record<string, string> {
  const cpus = os.cpus();
  let nproc = String(os.availableParallelism?.() ?? cpus.length);
  try {
    nproc = execSync('nproc', { encoding: 'utf8' }).trim();
  } catch { /* keep Node's count */ }
  return {
    'CPU': `${cpus[0]?.model ?? 'unknown'}`,
    'nproc': nproc,
    'memory': `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    'OS': `${os.type()} ${os.release()}`,
    'node': process.version,
    'aws-cdk-lib': require('aws-cdk-lib/package.json').version,
    'load average at start': os.loadavg().map(l => l.toFixed(2)).join(' '),
    'date': new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

const f0 = (v: number) => v.toFixed(0);
const f2 = (v: number) => v.toFixed(2);
const f3 = (v: number) => v.toFixed(3);
const spread = (s: Summary, f: (v: number) => string) => `${f(s.median)} (${f(s.min)}–${f(s.max)})`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
  return rows.map(r => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}

function markdownTable(rows: string[][]): string {
  return [
    `| ${rows[0].join(' | ')} |`,
    `|${rows[0].map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.slice(1).map(r => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const info: Record<string, string> = { ...machine(), library: checkLibFresh() };
  console.log(`bench: sizes ${options.sizes.join(', ')} task definitions x 4 containers, ${options.reps} repetitions, ${TASKS_PER_STACK} task definitions per stack`);
  console.log(`machine: ${Object.entries(info).map(([k, v]) => `${k} ${v}`).join('; ')}`);

  // Fairness first: (b) and (c) must synthesize the same templates.
  checkEquivalence(Math.min(TASKS_PER_STACK + 2, Math.max(...options.sizes)));
  console.log('check: (b) hand-written and (c) enforced synthesize identical templates');
  checkAspectEquivalence(Math.min(TASKS_PER_STACK + 2, Math.max(...options.sizes)));
  console.log('check: (d) EnforceFargateTasks synthesizes the templates of (b), apart from the order of containers and statements');

  // Warm-up (JIT, module loading), not recorded.
  for (const variant of VARIANTS) measure(variant, Math.min(100, Math.max(...options.sizes)), -1);

  const runs: Run[] = [];
  for (let rep = 0; rep < options.reps; rep++) {
    options.sizes.forEach((size, si) => {
      // Rotate the order so that no variant always runs first (or last) after a GC.
      const shift = (rep + si) % VARIANTS.length;
      const order = [...VARIANTS.slice(shift), ...VARIANTS.slice(0, shift)];
      for (const variant of order) {
        const run = measure(variant, size, rep);
        runs.push(run);
        process.stdout.write(`  rep ${rep + 1} size ${size} (${LABEL[variant]}) ${variant}: ${f0(run.total)} ms (CPU ${f0(run.cpu)} ms), ${f0(run.peakHeap)} MiB\n`);
      }
    });
  }

  const pick = (variant: Variant, size: number) => runs.filter(r => r.variant === variant && r.size === size);
  const byRep = (variant: Variant, size: number, metric: (r: Run) => number) => {
    const out = new Map<number, number>();
    for (const r of pick(variant, size)) out.set(r.rep, metric(r));
    return out;
  };
  /** Ratios of paired runs (same repetition, adjacent in time). */
  const ratios = (num: Variant, den: Variant, size: number, metric: (r: Run) => number) => {
    const n = byRep(num, size, metric);
    const d = byRep(den, size, metric);
    return summarize([...n.keys()].map(rep => n.get(rep)! / d.get(rep)!));
  };

  // Per variant and size.
  const rows: string[][] = [['size', 'variant', 'construct ms', 'synth ms', 'wall ms', 'CPU ms', 'CPU ms / task def.', 'peak heap MiB']];
  for (const size of options.sizes) {
    for (const variant of VARIANTS) {
      const rs = pick(variant, size);
      rows.push([
        String(size), `(${LABEL[variant]}) ${variant}`,
        f0(summarize(rs.map(r => r.construct)).median),
        f0(summarize(rs.map(r => r.synth)).median),
        spread(summarize(rs.map(r => r.total)), f0),
        spread(summarize(rs.map(r => r.cpu)), f0),
        f2(summarize(rs.map(r => r.cpu / size)).median),
        spread(summarize(rs.map(r => r.peakHeap)), f0),
      ]);
    }
  }
  console.log('\nTimes and heap: median (min–max) over repetitions');
  console.log(table(rows));

  const total = (r: Run) => r.total;
  const cpu = (r: Run) => r.cpu;
  const heap = (r: Run) => r.peakHeap;
  // CPU time is the headline: on a shared machine wall time also counts the time the process
  // waited for a core. Wall time is shown beside it.
  const ratioRows: string[][] = [['size', 'c/b CPU', 'c/b CPU IQR', 'c/a CPU', 'd/b CPU', 'c/b wall', 'c/a wall', 'd/b wall', 'c/b peak heap', 'c/a peak heap']];
  const headline: string[] = [];
  for (const size of options.sizes) {
    const cb = ratios('enforced', 'hand', size, cpu);
    const ca = ratios('enforced', 'plain', size, cpu);
    ratioRows.push([
      String(size),
      spread(cb, f3),
      `${f3(cb.q1)}–${f3(cb.q3)}`,
      spread(ca, f3),
      spread(ratios('aspect', 'hand', size, cpu), f3),
      spread(ratios('enforced', 'hand', size, total), f3),
      spread(ratios('enforced', 'plain', size, total), f3),
      spread(ratios('aspect', 'hand', size, total), f3),
      spread(ratios('enforced', 'hand', size, heap), f3),
      spread(ratios('enforced', 'plain', size, heap), f3),
    ]);
    headline[0] = `at ${size} task definitions (CPU time, median (min–max) of ${options.reps} paired repetitions): c/b ${spread(cb, f3)} (IQR ${f3(cb.q1)}–${f3(cb.q3)}; goal c/b ≤ 1.05), c/a ${spread(ca, f3)}, d/b (EnforceFargateTasks) ${spread(ratios('aspect', 'hand', size, cpu), f3)}`;
  }
  console.log('\nRatios of paired runs (same repetition): median (min–max)');
  console.log(table(ratioRows));

  // Scaling: time against size; exponent 1 = flat time per task definition.
  const slopes: Record<string, number> = {};
  const scaleRows: string[][] = [['variant', 'time', 'slope (log-log fit)', ...options.sizes.slice(1).map((s, i) => `slope ${options.sizes[i]}→${s}`), 'verdict']];
  let superlinear = false;
  if (options.sizes.length >= 2) {
    for (const [name, metric] of [['CPU', cpu], ['wall', total]] as const) {
      for (const variant of VARIANTS) {
        const medians = options.sizes.map(size => summarize(pick(variant, size).map(metric)).median);
        const slope = logLogSlope(options.sizes, medians);
        slopes[`${variant} ${name}`] = slope;
        const pairwise = options.sizes.slice(1).map((s, i) => logLogSlope([options.sizes[i], s], [medians[i], medians[i + 1]]));
        // The last step (largest sizes) is where a quadratic term would show; 1.15 leaves room for noise.
        const flagged = pairwise[pairwise.length - 1] > 1.15;
        superlinear ||= flagged && variant === 'enforced' && name === 'CPU';
        scaleRows.push([`(${LABEL[variant]}) ${variant}`, name, f3(slope), ...pairwise.map(f3), flagged ? 'SUPERLINEAR' : 'flat or falling per task def.']);
      }
    }
    console.log('\nScaling with size (exponent k of time ~ size^k; 1 = flat time per task definition, > 1 superlinear)');
    console.log(table(scaleRows));
  }
  if (headline[0]) console.log(`\nRESULT ${headline[0]}; slope of (c) CPU time ${f3(slopes['enforced CPU'] ?? NaN)}`);

  const seconds = (performance.now() - started) / 1000;
  console.log(`bench took ${seconds.toFixed(0)} s`);
  if (superlinear) console.log('WARNING: the enforced variant grows faster than linearly between the two largest sizes');

  if (options.write) {
    const dir = path.join(__dirname, '..', 'docs', 'performance');
    fs.mkdirSync(dir, { recursive: true });
    const colors: Record<Variant, string> = { plain: '#888888', hand: '#1f77b4', enforced: '#d62728', aspect: '#2ca02c' };
    const series = (metric: (r: Run) => number): Series[] => VARIANTS.map(variant => ({
      label: `(${LABEL[variant]}) ${variant}`,
      color: colors[variant],
      points: options.sizes.map(size => {
        const s = summarize(pick(variant, size).map(r => metric(r) / size));
        return { x: size, y: s.median, lo: s.min, hi: s.max };
      }),
    }));
    const svg = renderSvg([
      { title: 'CPU time per task definition', yLabel: 'CPU ms per task definition', series: series(cpu) },
      { title: 'Wall time per task definition', yLabel: 'ms per task definition', series: series(total) },
      { title: 'Peak heap per task definition', yLabel: 'MiB per task definition', series: series(heap) },
    ], `median, whiskers min–max over ${options.reps} repetitions; ${info.CPU}, nproc ${info.nproc}, node ${info.node}, aws-cdk-lib ${info['aws-cdk-lib']}`);
    fs.writeFileSync(path.join(dir, 'scaling.svg'), svg);
    const md = [
      `Latest run: ${info.date}, ${options.reps} repetitions, ${seconds.toFixed(0)} s.`,
      '',
      `Machine: ${info.CPU}, nproc ${info.nproc}, ${info.memory}, ${info.OS}, node ${info.node}, aws-cdk-lib ${info['aws-cdk-lib']}, load average at start ${info['load average at start']}; library code run: ${info.library}.`,
      '',
      'Build + synthesis (construct and synth columns are wall time), median (min–max):',
      '',
      markdownTable(rows),
      '',
      `Result ${headline[0]}.`,
      '',
      'Ratios of paired runs (same repetition), median (min–max):',
      '',
      markdownTable(ratioRows),
      '',
      'Scaling (exponent k of time ~ size^k; 1 = flat time per task definition):',
      '',
      markdownTable(scaleRows),
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'results.md'), md);
    fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ machine: info, options, seconds, slopes, runs }, null, 2) + '\n');
    console.log(`wrote ${path.relative(process.cwd(), dir)}/{scaling.svg,results.md,results.json}`);
  }
}

main();
