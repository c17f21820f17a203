/**
 * Jest globalTeardown: checks every distinct task definition the tests synthesized (collected by
 * jest-record-templates.ts) with the ECS RegisterTaskDefinition model (botocore) and every
 * collected template with the CloudFormation resource schemas. Any invalid one fails the run.
 * A run of a few test files checks what those files synthesized. Without botocore the ECS-model
 * part is skipped with a loud message, and fails under CI (CI=true).
 *
 * It also runs the coverage rule twice over every collected template, as the TypeScript checker
 * (lib/coverage) and as the Guard rule (real cfn-guard), and fails the run when they disagree on
 * any task definition (without cfn-guard: skipped loudly, and a failure under CI).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ecsModelUnavailable, taskDefinitionsOf, validateWithCfnSchemas, validateWithEcsModel } from './aws-models';
import { cfnGuardUnavailable, compareCoverage } from './cfn-guard';

export default function globalTeardown(): void {
  const dir = process.env.CEF_COLLECTED_TEMPLATES;
  if (!dir || !fs.existsSync(dir)) return;
  const started = Date.now();
  try {
    const files = fs.readdirSync(dir).filter(f => f.endsWith('.json')).sort();
    const templates = files.map(f => ({ id: f.replace(/\.json$/, ''), template: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) }));
    if (templates.length === 0) return;
    // Distinct task definitions only: many tests synthesize the same one.
    const seen = new Set<string>();
    const tasks = templates.flatMap(t => taskDefinitionsOf(t.template, t.id)).filter(t => {
      const key = JSON.stringify(t.properties);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const problems: string[] = [];
    const unavailable = ecsModelUnavailable();
    let ecsChecked = 0;
    let ecsInvalid = 0;
    if (unavailable) {
      if (process.env.CI) problems.push(`ECS model validation cannot run under CI: ${unavailable}`);
      // eslint-disable-next-line no-console
      console.warn(`${'!'.repeat(100)}\n!!! ECS API MODEL VALIDATION OF THE TESTS' TASK DEFINITIONS SKIPPED: ${unavailable}\n${'!'.repeat(100)}`);
    } else if (tasks.length > 0) {
      for (const r of validateWithEcsModel(tasks).results) {
        ecsChecked++;
        if (!r.valid) ecsInvalid++;
        if (!r.valid) problems.push(`ECS model: ${r.id}: ${[...r.errors, ...r.unknown.map(u => `unknown to the model: ${u}`)].join('; ')}`);
      }
    }
    const { findings } = validateWithCfnSchemas(templates);
    for (const [id, list] of Object.entries(findings)) {
      for (const f of list) problems.push(`CloudFormation schema: ${id}: ${f.resource ?? ''} ${f.path ?? ''}: [${f.ruleId}] ${f.message}`);
    }
    // eslint-disable-next-line no-console
    const cfnInvalid = Object.values(findings).filter(l => l.length > 0).length;
    console.log(`\nAWS models: ${ecsChecked - ecsInvalid}/${ecsChecked} distinct task definitions (from ${templates.length} templates the tests ` +
      `synthesized) valid for the ECS RegisterTaskDefinition model; ${templates.length - cfnInvalid}/${templates.length} templates valid ` +
      `for the CloudFormation resource schemas (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    const guardMissing = cfnGuardUnavailable();
    if (guardMissing) {
      if (process.env.CI) problems.push(`the coverage agreement check cannot run under CI: ${guardMissing}`);
      // eslint-disable-next-line no-console
      console.warn(`${'!'.repeat(100)}\n!!! COVERAGE AGREEMENT (TYPESCRIPT CHECKER VS GUARD RULE) SKIPPED: ${guardMissing}\n${'!'.repeat(100)}`);
    } else {
      const coverageStarted = Date.now();
      const agreement = compareCoverage(templates);
      for (const d of agreement.disagreements) problems.push(`coverage rule: ${d}`);
      // eslint-disable-next-line no-console
      console.log(`Coverage rule: the TypeScript checker and the Guard rule ${agreement.disagreements.length === 0 ? 'agree' : 'DISAGREE'} on ` +
        `${agreement.tasks} task definitions from ${templates.length} templates (${agreement.counts.protected} protected, ` +
        `${agreement.counts.unprotected} unprotected, ${agreement.counts['not-fargate']} not Fargate, ${agreement.disagreements.length} disagreements; ` +
        `${((Date.now() - coverageStarted) / 1000).toFixed(1)} s)`);
    }
    if (problems.length > 0) {
      throw new Error(`task definitions synthesized by the tests fail AWS's models or the coverage agreement:\n${problems.join('\n')}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
