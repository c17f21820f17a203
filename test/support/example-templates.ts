/**
 * Every template of the examples' app (examples/app.ts, cdk.json's `app`), synthesized in-process
 * (from the TypeScript sources, as jest loads them) the way `npx cdk synth` does: with cdk.json's
 * context, into a temporary cloud assembly. Examples added to the app later are picked up without
 * changing this file. Test support only (uses jest's module registry).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export function synthesizeExampleTemplates(): { id: string; template: any }[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cdkJson = require('../../cdk.json');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-examples-'));
  const saved = { outdir: process.env.CDK_OUTDIR, context: process.env.CDK_CONTEXT_JSON };
  try {
    process.env.CDK_OUTDIR = out;
    process.env.CDK_CONTEXT_JSON = JSON.stringify(cdkJson.context ?? {});
    // The app synthesizes when it is loaded; a fresh module registry loads it again each time.
    // cdk-nag's policy validation report goes to console.error even on success: keep it quiet.
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      jest.isolateModules(() => { require('../../examples/app'); });
    } finally {
      quiet.mockRestore();
    }
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
    for (const [name, value] of [['CDK_OUTDIR', saved.outdir], ['CDK_CONTEXT_JSON', saved.context]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    fs.rmSync(out, { recursive: true, force: true });
  }
}
