/**
 * Builds and synthesizes one variant of the bench app once, at one size, and exits: the unit that
 * `bench/instructions.sh` runs under valgrind's callgrind to count instructions.
 * Run: `node --import tsx bench/once.ts <plain|hand|enforced> <task definitions>`.
 */
import * as fs from 'fs';
import { buildApp, tempOutdir, Variant, VARIANTS } from './apps';

const variant = process.argv[2] as Variant;
const size = Number(process.argv[3]);
if (!VARIANTS.includes(variant) || !Number.isInteger(size) || size < 1) {
  throw new Error(`once: usage: once.ts <${VARIANTS.join('|')}> <task definitions>, got ${process.argv.slice(2).join(' ')}`);
}
const outdir = tempOutdir();
buildApp(variant, size, outdir).synth();
fs.rmSync(outdir, { recursive: true, force: true });
