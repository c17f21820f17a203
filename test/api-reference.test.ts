/**
 * API.md is jsii-docgen's rendering of the current .jsii assembly; regenerate it with
 * `npm run docgen` after changing the public API or its doc comments. Needs the jsii build.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

test('API.md is up to date (run `npm run docgen` if not)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-md-'));
  try {
    const fresh = path.join(dir, 'API.md');
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'jsii-docgen'), ['--output', fresh], { cwd: ROOT, stdio: 'pipe' });
    const committed = fs.readFileSync(path.join(ROOT, 'API.md'), 'utf-8');
    const generated = fs.readFileSync(fresh, 'utf-8');
    if (committed !== generated) {
      throw new Error('API.md is stale: run `npm run docgen` and commit API.md');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
