/**
 * Validation of synthesized task definitions by models AWS wrote, offline:
 *
 * - the ECS API's `RegisterTaskDefinition` input model, through Debian's python3-botocore
 *   (ecs_register_task_definition.py beside this file converts CloudFormation properties to the
 *   API's input and runs botocore's parameter validation; no request is made);
 * - the CloudFormation resource schemas (AWS::ECS::TaskDefinition and every other resource of the
 *   template), through `@aws/cloudformation-validate`'s `SchemaValidator`, which bundles them.
 *
 * Test support only. Where botocore is missing, `ecsModelUnavailable()` says why.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Debian's python3, which has python3-botocore (CEF_PYTHON overrides it, e.g. to try the skip path). */
export const PYTHON = process.env.CEF_PYTHON ?? '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'ecs_register_task_definition.py');

/** One task definition to check: an id for messages and its CloudFormation `Properties`. */
export interface TaskDefinitionInput { readonly id: string; readonly properties: any }

export interface EcsModelResult {
  readonly id: string;
  /** botocore's parameter validation passed and no property was unknown to the model. */
  readonly valid: boolean;
  readonly errors: string[];
  /** CloudFormation properties that match no member of the model. */
  readonly unknown: string[];
  /** The API input the properties were converted to. */
  readonly params: any;
}

/** Why the ECS model cannot be used here, or undefined when it can. */
export function ecsModelUnavailable(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import botocore.session; botocore.session.get_session().get_service_model("ecs")'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} cannot run: ${r.error.message}`;
  if (r.status !== 0) return `botocore's ECS model is not available to ${PYTHON}: ${r.stderr.trim().split('\n').pop()}`;
  return undefined;
}

/** Validates task definitions against the ECS RegisterTaskDefinition input model (one python run). */
export function validateWithEcsModel(items: TaskDefinitionInput[]): { botocore: string; apiVersion: string; results: EcsModelResult[] } {
  const r = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(items), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error || r.status !== 0) throw new Error(`${SCRIPT} failed: ${r.error ?? r.stderr}`);
  const out = JSON.parse(r.stdout);
  return {
    ...out,
    results: out.results.map((x: any) => ({ ...x, valid: x.valid && x.unknown.length === 0 })),
  };
}

/** A finding of the CloudFormation schema validator worse than INFO. */
export interface SchemaFinding { readonly ruleId: string; readonly severity: string; readonly resource?: string; readonly path?: string; readonly message: string }

/**
 * Validates whole templates against the bundled CloudFormation resource schemas; returns the
 * findings above INFO (INFO only says which properties cause replacement) per template id.
 */
export function validateWithCfnSchemas(templates: { id: string; template: any }[]): { version: string; schemaCount: number; findings: { [id: string]: SchemaFinding[] } } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cfv = require('@aws/cloudformation-validate');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-cfn-'));
  const validator = new cfv.SchemaValidator();
  try {
    const findings: { [id: string]: SchemaFinding[] } = {};
    templates.forEach(({ id, template }, i) => {
      const file = path.join(dir, `t${i}.template.json`);
      fs.writeFileSync(file, JSON.stringify(template, undefined, 1));
      findings[id] = (validator.validate(new cfv.TemplateFile(file), 'us-east-1') as any[])
        .filter(d => d.severity !== 'INFO')
        .map(d => ({ ruleId: d.ruleId, severity: d.severity, resource: d.entity?.logicalId, path: d.propertyPath, message: d.message }));
    });
    return { version: cfv.version(), schemaCount: validator.schemaCount(), findings };
  } finally {
    validator.free();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The AWS::ECS::TaskDefinition resources of a template, as inputs for the ECS model. */
export function taskDefinitionsOf(template: any, idPrefix: string): TaskDefinitionInput[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]: [string, any]) => r.Type === 'AWS::ECS::TaskDefinition')
    .map(([logicalId, r]: [string, any]) => ({ id: `${idPrefix}/${logicalId}`, properties: r.Properties ?? {} }));
}
