/**
 * Where the tests find the tools that scripts/install-tools.sh installs. A test whose tool is
 * missing skips with a loud banner outside CI and fails under CI (CI=true).
 */
import * as fs from 'fs';
import * as path from 'path';

/** The venv of PyPI tools (scripts/python-tools.txt). */
export const TOOLS_VENV = path.resolve(__dirname, '..', '..', '.tools', 'venv');

/** The path of a program installed in the tools venv, or undefined when it is not there. */
export function venvTool(name: string): string | undefined {
  const file = path.join(TOOLS_VENV, 'bin', name);
  return fs.existsSync(file) ? file : undefined;
}

/** A loud banner for a skipped check; under CI the caller fails instead. */
export function missingToolBanner(what: string, why: string): string {
  const bar = '!'.repeat(78);
  return `\n${bar}\n! SKIPPED: ${what}\n! ${why}\n! Run 'bash scripts/install-tools.sh' to install it.\n${bar}\n`;
}
