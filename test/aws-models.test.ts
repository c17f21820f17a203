/**
 * The examples' task definitions, checked by models AWS wrote (see support/aws-models.ts): the
 * ECS RegisterTaskDefinition input model (botocore) and the CloudFormation resource schemas
 * (@aws/cloudformation-validate). And the checkers themselves: broken definitions must fail them.
 *
 * Every other template the tests synthesize with `Template.fromStack` is collected and checked the
 * same way after the whole jest run (support/jest-global-teardown.ts).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AquaNginxStack } from '../examples/aqua-nginx';
import { LoadBalancedServiceStack } from '../examples/load-balanced-service';
import { MultiContainerStack } from '../examples/multi-container';
import { ecsModelUnavailable, PYTHON, taskDefinitionsOf, validateWithCfnSchemas, validateWithEcsModel } from './support/aws-models';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../cdk.json');

const unavailable = ecsModelUnavailable();
if (unavailable) {
  const banner = '!'.repeat(100);
  // eslint-disable-next-line no-console
  console.warn(`${banner}\n!!! ECS API MODEL VALIDATION ${process.env.CI ? 'CANNOT RUN (FAILING: CI=true)' : 'SKIPPED'}: ${unavailable}\n` +
    `!!! Install it with: apt-get install -y python3-botocore (used through ${PYTHON})\n${banner}`);
}
const testEcsModel = unavailable && !process.env.CI ? test.skip : test;

function examples(): { [name: string]: any } {
  const make: { [name: string]: (app: App) => Stack } = {
    AquaNginx: app => new AquaNginxStack(app, 'AquaNginx'),
    MultiContainer: app => new MultiContainerStack(app, 'MultiContainer'),
    LoadBalancedService: app => new LoadBalancedServiceStack(app, 'LoadBalancedService'),
  };
  return Object.fromEntries(Object.entries(make).map(([name, f]) => [name, Template.fromStack(f(new App({ context: cdkJson.context }))).toJSON()]));
}

/** One way to break a task definition, each of which ECS or CloudFormation would refuse. */
const BREAKAGES: { [what: string]: (properties: any) => void } = {
  'a misspelled container property': p => { p.ContainerDefinitions[1].EntryPiont = p.ContainerDefinitions[1].EntryPoint; },
  'a command given as one string': p => { p.ContainerDefinitions[1].Command = 'nginx -g "daemon off;"'; },
  'essential as a string': p => { p.ContainerDefinitions[0].Essential = 'no'; },
  'a dependency without its condition': p => { delete p.ContainerDefinitions[1].DependsOn[0].Condition; },
  'readOnly volumesFrom as a string': p => { p.ContainerDefinitions[1].VolumesFrom[0].ReadOnly = 'true'; },
};

function broken(template: any, breakage: (properties: any) => void): any {
  const copy = JSON.parse(JSON.stringify(template));
  const [task] = Object.values(copy.Resources).filter((r: any) => r.Type === 'AWS::ECS::TaskDefinition') as any[];
  breakage(task.Properties);
  return copy;
}

describe('AWS models', () => {
  const templates = examples();

  testEcsModel("the examples' task definitions are valid RegisterTaskDefinition input (botocore's ECS model)", () => {
    const items = Object.entries(templates).flatMap(([name, t]) => taskDefinitionsOf(t, name));
    expect(items).toHaveLength(3);
    const { results } = validateWithEcsModel(items);
    expect(results.map(r => [r.id, r.errors, r.unknown])).toEqual(items.map(i => [i.id, [], []]));
    // The conversion reached the API's names (not only the top level).
    const aqua = results.find(r => r.id.startsWith('AquaNginx/'))!.params;
    expect(aqua.containerDefinitions[1]).toMatchObject({
      name: 'nginx',
      entryPoint: ['/aqua/microenforcer', '/docker-entrypoint.sh'],
      volumesFrom: [{ sourceContainer: 'enforcer', readOnly: true }],
      dependsOn: [{ containerName: 'enforcer', condition: 'START' }],
    });
  });

  test("the examples' templates match the CloudFormation resource schemas (@aws/cloudformation-validate)", () => {
    const { schemaCount, findings } = validateWithCfnSchemas(Object.entries(templates).map(([id, template]) => ({ id, template })));
    expect(schemaCount).toBeGreaterThan(1000);
    expect(findings).toEqual({ AquaNginx: [], MultiContainer: [], LoadBalancedService: [] });
  });

  describe('the checkers refuse a broken task definition', () => {
    const cases = Object.entries(BREAKAGES);

    testEcsModel.each(cases)('ECS model: %s', (_what, breakage) => {
      const [item] = taskDefinitionsOf(broken(templates.AquaNginx, breakage), 'broken');
      const [result] = validateWithEcsModel([item]).results;
      expect(result.valid).toBe(false);
      expect([...result.errors, ...result.unknown].join('\n')).toMatch(/EntryPiont|command|essential|condition|readOnly/);
    });

    test('CloudFormation schema: every breakage but one is a finding on the task definition', () => {
      const { findings } = validateWithCfnSchemas(cases.map(([what, breakage]) => ({ id: what, template: broken(templates.AquaNginx, breakage) })));
      const caught = cases.map(([what]) => what).filter(what => findings[what].length > 0);
      // The CloudFormation schema does not require a dependency's Condition (the ECS API model
      // does): one reason to check with both models.
      expect(caught).toEqual(cases.map(([what]) => what).filter(what => what !== 'a dependency without its condition'));
      for (const what of caught) expect(findings[what].every(f => f.resource!.startsWith('Web'))).toBe(true);
    });
  });
});
