/**
 * cfn-lint, AWS's CloudFormation linter (PyPI `cfn-lint`, pinned in scripts/python-tools.txt and
 * installed into .tools/venv), over synthesized templates: the jest global teardown runs it on
 * every template the tests synthesized, beside the AWS-model checks (aws-models.ts).
 *
 * Test support only. Where cfn-lint is missing, `cfnLintUnavailable()` says why.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { venvTool } from './tools';

/**
 * Rules not applied, each with the reason. Everything else cfn-lint reports (errors and warnings,
 * its default rule set) fails the run.
 */
export const IGNORED_RULES: { readonly [id: string]: string } = {
  // aws-cdk-lib's ECS service (BaseService.attachToELBv2) adds an explicit DependsOn on the target
  // group and its listener, so that the target group is attached to a listener before ECS
  // registers targets (the listener is not referenced). cfn-lint calls the target group's entry
  // redundant, since the service also Refs it. A harmless redundancy in aws-cdk-lib's template;
  // nothing of this library adds resource-level DependsOn.
  W3005: "aws-cdk-lib's ECS service depends explicitly on the target group it also references (redundant, harmless)",
};

/** One cfn-lint finding. */
export interface CfnLintFinding {
  readonly ruleId: string;
  readonly level: string;
  readonly message: string;
  /** Where in the template, e.g. `Resources/WebTaskDef/Properties/ContainerDefinitions/0`. */
  readonly path: string;
}

/** The cfn-lint program, or undefined. */
export function cfnLintPath(): string | undefined {
  return venvTool('cfn-lint');
}

/** Why cfn-lint cannot run here, or undefined when it can. */
export function cfnLintUnavailable(): string | undefined {
  const program = cfnLintPath();
  if (!program) return 'cfn-lint is not installed in .tools/venv';
  const r = spawnSync(program, ['--version'], { encoding: 'utf8' });
  if (r.error) return `${program} cannot run: ${r.error.message}`;
  if (r.status !== 0) return `${program} --version exited ${r.status}: ${r.stderr.trim().split('\n').pop()}`;
  return undefined;
}

/** The version cfn-lint reports, e.g. `cfn-lint 1.58.0`. */
export function cfnLintVersion(): string {
  return spawnSync(cfnLintPath()!, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

/**
 * Lints templates in one cfn-lint run (it loads its schemas once), against us-east-1, with its
 * default rules less IGNORED_RULES (or `ignored`). Returns the findings per template id.
 */
export function lintTemplates(
  templates: { id: string; template: any }[],
  ignored: readonly string[] = Object.keys(IGNORED_RULES),
): { [id: string]: CfnLintFinding[] } {
  const program = cfnLintPath();
  if (!program) throw new Error('cfn-lint is not installed in .tools/venv: run bash scripts/install-tools.sh');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-cfn-lint-'));
  try {
    const files = templates.map(({ template }, i) => {
      const file = path.join(dir, `t${i}.template.json`);
      fs.writeFileSync(file, JSON.stringify(template, undefined, 1));
      return file;
    });
    const byFile = new Map(files.map((f, i) => [f, templates[i].id]));
    const findings: { [id: string]: CfnLintFinding[] } = {};
    for (const { id } of templates) findings[id] = [];
    if (files.length === 0) return findings;
    const args = ['--format', 'json', '--regions', 'us-east-1', '--non-zero-exit-code', 'none'];
    if (ignored.length > 0) args.push('--ignore-checks', ...ignored);
    const r = spawnSync(program, [...args, '--', ...files], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (r.error || r.status !== 0) throw new Error(`cfn-lint failed to run (exit ${r.status}): ${r.error ?? r.stderr.trim()}`);
    for (const m of JSON.parse(r.stdout) as any[]) {
      const id = byFile.get(m.Filename);
      const finding = { ruleId: m.Rule.Id, level: m.Level, message: m.Message, path: (m.Location?.Path ?? []).join('/') };
      // A finding on no file of ours (a configuration error) fails every template: report it on the first.
      findings[id ?? templates[0].id].push(finding);
    }
    return findings;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
