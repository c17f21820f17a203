/**
 * cfn-lint (AWS's CloudFormation linter, support/cfn-lint.ts) on the examples' templates, and on
 * the checker itself: broken templates must fail it, and each rule exception must still be needed.
 *
 * Every other template the tests synthesize with `Template.fromStack` is linted the same way after
 * the whole jest run (support/jest-global-teardown.ts).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AquaNginxStack } from '../examples/aqua-nginx';
import { LoadBalancedServiceStack } from '../examples/load-balanced-service';
import { MultiContainerStack } from '../examples/multi-container';
import { cfnLintUnavailable, cfnLintVersion, IGNORED_RULES, lintTemplates } from './support/cfn-lint';
import { missingToolBanner } from './support/tools';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../cdk.json');

const unavailable = cfnLintUnavailable();
if (unavailable) {
  // eslint-disable-next-line no-console
  console.warn(missingToolBanner(`cfn-lint checks${process.env.CI ? ' (FAILING: CI=true)' : ''}`, unavailable));
}
const testLint = unavailable && !process.env.CI ? test.skip : test;

function examples(): { id: string; template: any }[] {
  const make: { [name: string]: (app: App) => Stack } = {
    AquaNginx: app => new AquaNginxStack(app, 'AquaNginx'),
    MultiContainer: app => new MultiContainerStack(app, 'MultiContainer'),
    LoadBalancedService: app => new LoadBalancedServiceStack(app, 'LoadBalancedService'),
  };
  return Object.entries(make).map(([id, f]) => ({ id, template: Template.fromStack(f(new App({ context: cdkJson.context }))).toJSON() }));
}

/** A copy of the template with its task definition changed. */
function withTask(template: any, change: (properties: any) => void): any {
  const copy = JSON.parse(JSON.stringify(template));
  const [task] = Object.values(copy.Resources).filter((r: any) => r.Type === 'AWS::ECS::TaskDefinition') as any[];
  change(task.Properties);
  return copy;
}

describe('cfn-lint', () => {
  const templates = examples();

  testLint("the examples' templates pass cfn-lint", () => {
    expect(cfnLintVersion()).toBe('cfn-lint 1.58.0');
    const findings = lintTemplates(templates);
    expect(findings).toEqual({ AquaNginx: [], MultiContainer: [], LoadBalancedService: [] });
  });

  testLint('broken templates fail it, each finding on its own template', () => {
    const aqua = templates.find(t => t.id === 'AquaNginx')!.template;
    const findings = lintTemplates([
      { id: 'unknown property', template: withTask(aqua, p => { p.ContainerDefinitions[1].EntryPiont = ['/bin/sh']; }) },
      { id: 'ref to nothing', template: withTask(aqua, p => { p.ExecutionRoleArn = { 'Fn::GetAtt': ['NoSuchRole', 'Arn'] }; }) },
      { id: 'cpu out of range', template: withTask(aqua, p => { p.Cpu = '3'; }) },
      { id: 'fine', template: aqua },
    ]);
    expect(findings.fine).toEqual([]);
    expect(findings['unknown property'].map(f => f.ruleId)).toContain('E3002');
    expect(findings['unknown property'].some(f => f.message.includes('EntryPiont'))).toBe(true);
    expect(findings['ref to nothing'].some(f => /NoSuchRole/.test(f.message))).toBe(true);
    expect(findings['cpu out of range'].length).toBeGreaterThan(0);
  });

  testLint('every rule exception is still needed: without it, an example template fails', () => {
    const needed = Object.keys(IGNORED_RULES).filter(rule => {
      const findings = lintTemplates(templates, Object.keys(IGNORED_RULES).filter(r => r !== rule));
      return Object.values(findings).some(list => list.some(f => f.ruleId === rule));
    });
    expect(needed).toEqual(Object.keys(IGNORED_RULES));
  });

  test('each rule exception says why', () => {
    for (const [rule, reason] of Object.entries(IGNORED_RULES)) {
      expect(rule).toMatch(/^[EWI]\d{4}$/);
      expect(reason.length).toBeGreaterThan(30);
    }
  });
});
