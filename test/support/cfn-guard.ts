/**
 * Runs the real `cfn-guard` 3 binary (shipped by the npm package @cdklabs/cdk-validator-cfnguard,
 * a devDependency) with the project's Guard rule, over many templates in one process.
 * Test support only.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The rule file shipped in the package. */
export const RULE_FILE = path.resolve(__dirname, '..', '..', 'rules', 'enforced-fargate-tasks.guard');

/** The cfn-guard binary for this machine, or undefined when there is none. */
export function cfnGuardBinary(): string | undefined {
  const platform = process.platform === 'darwin' ? 'macos' : process.platform === 'linux' ? 'ubuntu' : undefined;
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : undefined;
  if (!platform || !arch) return undefined;
  const dir = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
  const file = path.join(dir, 'bin', platform, arch, 'cfn-guard');
  return fs.existsSync(file) ? file : undefined;
}

/** Why cfn-guard cannot run here, or undefined when it can. */
export function cfnGuardUnavailable(): string | undefined {
  const bin = cfnGuardBinary();
  if (!bin) return `no cfn-guard binary for ${process.platform}/${process.arch} in @cdklabs/cdk-validator-cfnguard`;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `${bin} --version failed: ${r.error?.message ?? r.stderr}`;
  return undefined;
}

/** Guard's verdict on one data file: PASS, FAIL, or SKIP (no rule applied: no Fargate task). */
export type GuardStatus = 'PASS' | 'FAIL' | 'SKIP';

/** Runs the rule over each template (one cfn-guard run for all); the verdict per id. */
export function guardVerdicts(items: { id: string; template: unknown }[], rules: string = RULE_FILE): Map<string, GuardStatus> {
  const bin = cfnGuardBinary();
  if (!bin) throw new Error(cfnGuardUnavailable());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-guard-'));
  try {
    const byFile = new Map<string, string>();
    items.forEach(({ id, template }, i) => {
      const file = path.join(dir, `t${i}.json`);
      fs.writeFileSync(file, JSON.stringify(template));
      byFile.set(file, id);
    });
    const r = spawnSync(bin, ['validate', '--rules', rules, '--data', dir, '--structured', '--output-format', 'json', '--show-summary', 'none'],
      { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
    if (r.error) throw r.error;
    // 0: every file passed (or skipped); 19: some file failed; anything else is an error.
    if (r.status !== 0 && r.status !== 19) throw new Error(`cfn-guard exited ${r.status}: ${r.stderr || r.stdout.slice(0, 2000)}`);
    const results: { name: string; status: GuardStatus }[] = JSON.parse(r.stdout);
    const verdicts = new Map<string, GuardStatus>();
    for (const result of results) {
      const id = byFile.get(result.name) ?? byFile.get(path.resolve(result.name));
      if (id === undefined) throw new Error(`cfn-guard reported on an unknown file ${result.name}`);
      verdicts.set(id, result.status);
    }
    if (verdicts.size !== items.length) throw new Error(`cfn-guard reported on ${verdicts.size} of ${items.length} templates`);
    return verdicts;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Splits templates into one template per AWS::ECS::TaskDefinition (the rule looks at nothing
 * else), so that Guard's verdict is per task; ids are `<template id>/<logical id>`.
 */
export function perTaskTemplates(items: { id: string; template: any }[]): { id: string; template: unknown }[] {
  const out: { id: string; template: unknown }[] = [];
  for (const { id, template } of items) {
    for (const [logicalId, resource] of Object.entries<any>(template?.Resources ?? {})) {
      if (resource?.Type !== 'AWS::ECS::TaskDefinition') continue;
      out.push({ id: `${id}/${logicalId}`, template: { Resources: { [logicalId]: resource } } });
    }
  }
  return out;
}

/** Guard's status in the checker's terms. */
export function guardStatusAsCoverage(status: GuardStatus): 'protected' | 'unprotected' | 'not-fargate' {
  return status === 'PASS' ? 'protected' : status === 'FAIL' ? 'unprotected' : 'not-fargate';
}

/** The verdicts of the TypeScript checker and of the Guard rule on every task definition of some templates. */
export interface AgreementReport {
  /** One line per task definition on which they differ, naming the template, the task and both verdicts. */
  readonly disagreements: string[];
  /** How many task definitions had each verdict (where both agreed). */
  readonly counts: { protected: number; unprotected: number; 'not-fargate': number };
  readonly tasks: number;
}

/**
 * Runs the TypeScript checker (lib/coverage) and the Guard rule (real cfn-guard) over the same
 * templates and compares their verdicts per task definition.
 */
export function compareCoverage(items: { id: string; template: any }[], ruleText?: string): AgreementReport {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { checkTemplate } = require('../../lib/coverage') as typeof import('../../lib/coverage');
  const split = perTaskTemplates(items);
  let guard = new Map<string, GuardStatus>();
  if (split.length > 0 && ruleText === undefined) guard = guardVerdicts(split);
  if (split.length > 0 && ruleText !== undefined) {
    // Another rule text (for testing this comparison itself).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-rule-'));
    try {
      fs.writeFileSync(path.join(dir, 'rule.guard'), ruleText);
      guard = guardVerdicts(split, path.join(dir, 'rule.guard'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const disagreements: string[] = [];
  const counts = { 'protected': 0, 'unprotected': 0, 'not-fargate': 0 };
  for (const { id, template } of items) {
    for (const task of checkTemplate(template).tasks) {
      const key = `${id}/${task.logicalId}`;
      const status = guard.get(key);
      if (status === undefined) {
        disagreements.push(`${key}: the Guard rule gave no verdict`);
        continue;
      }
      const byGuard = guardStatusAsCoverage(status);
      if (byGuard !== task.status) {
        const why = [...task.why, ...task.containers.filter(c => c.status === 'unprotected').map(c => `${c.name}: ${c.why.join('; ')}`)];
        disagreements.push(`template ${id}, task ${task.logicalId}: TypeScript checker says ${task.status}${why.length ? ` (${why.join(' | ')})` : ''}, Guard rule says ${status}`);
      } else {
        counts[task.status]++;
      }
    }
  }
  return { disagreements, counts, tasks: split.length };
}
