/** Jest globalSetup: a fresh directory for the templates the tests synthesize (see jest-record-templates.ts). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export default function globalSetup(): void {
  process.env.CEF_COLLECTED_TEMPLATES = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-templates-'));
}
