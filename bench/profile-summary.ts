/**
 * Summarizes the newest .cpuprofile in a folder: self time by function and by package, and the
 * inclusive time of each function of the library's own code (lib/).
 * Run: `npx tsx bench/profile-summary.ts bench/profiles [top]`.
 */
import * as fs from 'fs';
import * as path from 'path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const dir = process.argv[2] ?? 'bench/profiles';
const top = Number(process.argv[3] ?? 25);
const file = fs.readdirSync(dir).filter(f => f.endsWith('.cpuprofile'))
  .map(f => path.join(dir, f)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
if (!file) throw new Error(`no .cpuprofile in ${dir}`);
const profile: Profile = JSON.parse(fs.readFileSync(file, 'utf8'));

const byId = new Map(profile.nodes.map(n => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
const totalMs = [...self.values()].reduce((s, v) => s + v, 0);

const where = (n: Node) => {
  const url = n.callFrame.url.replace(/^file:\/\//, '');
  const nm = url.lastIndexOf('node_modules/');
  return nm >= 0 ? url.slice(nm + 'node_modules/'.length) : path.relative(process.cwd(), url) || '(native)';
};
const pkg = (n: Node) => {
  const w = where(n);
  if (w.startsWith('aws-cdk-lib/')) return w.split('/').slice(0, 2).join('/');
  if (w.startsWith('lib/')) return 'lib/ (this library)';
  return w.split('/')[0] || '(native)';
};
const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${where(n)}:${n.callFrame.lineNumber + 1}`;

function tally(key: (n: Node) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const [id, ms] of self) { const k = key(byId.get(id)!); m.set(k, (m.get(k) ?? 0) + ms); }
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
}
const pct = (ms: number) => `${ms.toFixed(0).padStart(7)} ms ${(100 * ms / totalMs).toFixed(1).padStart(5)}%`;

console.log(`${file}: ${totalMs.toFixed(0)} ms sampled`);
console.log('\nSelf time by package:');
for (const [k, ms] of tally(pkg).slice(0, top)) console.log(`${pct(ms)}  ${k}`);
console.log('\nSelf time by function:');
for (const [k, ms] of tally(label).slice(0, top)) console.log(`${pct(ms)}  ${k}`);

// Inclusive time of lib/ functions: a sample counts once for each distinct lib/ frame on its stack.
const inclusive = new Map<string, number>();
for (const [id, ms] of self) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur)!;
    if (where(n).startsWith('lib/')) seen.add(label(n));
  }
  for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
}
console.log('\nInclusive time of the library\'s own functions (lib/):');
for (const [k, ms] of [...inclusive.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(ms)}  ${k}`);

// What the library's busiest function spends its time on: inclusive time of its direct callees.
const focus = process.argv[4] ?? 'protect';
const callees = new Map<string, number>();
for (const [id, ms] of self) {
  let child: number | undefined;
  for (let cur: number | undefined = id; cur !== undefined; child = cur, cur = parent.get(cur)) {
    const n = byId.get(cur)!;
    if (where(n).startsWith('lib/') && n.callFrame.functionName === focus) {
      const k = child === undefined ? '(self)' : label(byId.get(child)!);
      callees.set(k, (callees.get(k) ?? 0) + ms);
      break;
    }
  }
}
console.log(`\nDirect callees of ${focus}() in lib/, inclusive:`);
for (const [k, ms] of [...callees.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(ms)}  ${k}`);
