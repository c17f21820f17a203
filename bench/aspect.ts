/**
 * EnforceFargateTasks (d) against the same enforcement written by hand (b), at one size: paired
 * runs in one process, alternating which goes first, CPU time (user + system) of build +
 * synthesis. Prints each pair's d/b and the median. The full `npm run bench` measures all four
 * variants at three sizes; this is the short run for a busy machine.
 * Run: `npm run bench:aspect -- [size (default 1000)] [pairs (default 3)]`.
 */
import * as fs from 'fs';
import { buildApp, checkAspectEquivalence, checkLibFresh, tempOutdir, Variant } from './apps';

function cpuMs(variant: Variant, size: number): number {
  const outdir = tempOutdir();
  (globalThis as any).gc?.();
  const c0 = process.cpuUsage();
  buildApp(variant, size, outdir).synth();
  const c1 = process.cpuUsage(c0);
  fs.rmSync(outdir, { recursive: true, force: true });
  return (c1.user + c1.system) / 1000;
}

const size = Number(process.argv[2] ?? 1000);
const pairs = Number(process.argv[3] ?? 3);
console.log(`bench:aspect: ${size} task definitions, ${pairs} pairs; library ${checkLibFresh()}; load average ${require('os').loadavg().map((l: number) => l.toFixed(1)).join(' ')}`);
checkAspectEquivalence(Math.min(size, 52));
cpuMs('hand', Math.min(size, 100));
cpuMs('aspect', Math.min(size, 100)); // warm-up
const ratios: number[] = [];
for (let i = 0; i < pairs; i++) {
  const order: Variant[] = i % 2 === 0 ? ['hand', 'aspect'] : ['aspect', 'hand'];
  const ms: Partial<Record<Variant, number>> = {};
  for (const v of order) ms[v] = cpuMs(v, size);
  ratios.push(ms.aspect! / ms.hand!);
  console.log(`  pair ${i + 1}: (b) hand ${ms.hand!.toFixed(0)} ms CPU, (d) aspect ${ms.aspect!.toFixed(0)} ms CPU, d/b ${ratios[i].toFixed(3)}`);
}
const sorted = [...ratios].sort((a, b) => a - b);
console.log(`RESULT d/b at ${size} task definitions (CPU time, median (min–max) of ${pairs} pairs): ${sorted[Math.floor(sorted.length / 2)].toFixed(3)} (${sorted[0].toFixed(3)}–${sorted[sorted.length - 1].toFixed(3)})`);
