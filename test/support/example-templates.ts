/**
 * Every template of the examples' app (examples/app.ts, cdk.json's `app`), synthesized as
 * `npx cdk synth` does: with cdk.json's context, into a temporary cloud assembly. Examples added
 * to the app later are picked up without changing this file. Test support only.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

export function synthesizeExampleTemplates(): { id: string; template: any }[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cdkJson = require('../../cdk.json');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-examples-'));
  try {
    const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'examples/app.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_OUTDIR: out, CDK_CONTEXT_JSON: JSON.stringify(cdkJson.context ?? {}) },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error || r.status !== 0) throw new Error(`examples/app.ts failed (${r.status}): ${r.error ?? r.stderr.slice(-4000)}`);
    const templates: { id: string; template: any }[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith('.template.json')) {
          templates.push({ id: path.relative(out, file), template: JSON.parse(fs.readFileSync(file, 'utf8')) });
        }
      }
    };
    walk(out);
    return templates;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}
