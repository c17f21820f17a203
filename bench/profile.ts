/**
 * The 1,000-task-definition case of one variant, once, for `node --cpu-prof`
 * (`npm run bench:profile`, variant (c) enforced by default; `-- hand` or `-- plain` for the others).
 */
import * as fs from 'fs';
import { buildApp, checkLibFresh, tempOutdir, Variant, VARIANTS } from './apps';

const variant = (process.argv[2] ?? 'enforced') as Variant;
const size = Number(process.argv[3] ?? 1000);
if (!VARIANTS.includes(variant)) throw new Error(`profile: variant must be one of ${VARIANTS.join(', ')}`);

function once(n: number): number {
  const outdir = tempOutdir();
  const t0 = performance.now();
  buildApp(variant, n, outdir).synth();
  const ms = performance.now() - t0;
  fs.rmSync(outdir, { recursive: true, force: true });
  return ms;
}

console.log(`profile: running ${checkLibFresh()}`);
once(50); // warm-up
console.log(`profile: ${variant} at ${size} task definitions: ${once(size).toFixed(0)} ms`);
