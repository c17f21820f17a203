/**
 * The benchmark compares EnforcedFargateTaskDefinition (c) with the same enforcement written by
 * hand (b); that comparison is fair only if both synthesize the same templates. No timing here:
 * timing lives in `npm run bench` only.
 */
import { checkAspectEquivalence, checkEquivalence, synthTemplates } from '../bench/apps';

describe('benchmark apps', () => {
  test('the hand-written (b) and enforced (c) variants synthesize identical templates', () => {
    // 52 task definitions: two stacks, so the per-stack shared resources are covered too.
    expect(() => checkEquivalence(52)).not.toThrow();
  });

  test('the Aspect variant (d) synthesizes the same templates as (b), apart from the order of containers and policy statements', () => {
    expect(() => checkAspectEquivalence(52)).not.toThrow();
  });

  test('the enforced variant really protects every application container', () => {
    const templates = synthTemplates('enforced', 1) as any;
    const task = Object.values(templates.Bench0.Resources).find((r: any) => r.Type === 'AWS::ECS::TaskDefinition') as any;
    const containers = task.Properties.ContainerDefinitions.filter((c: any) => c.Name !== 'enforcer');
    expect(containers.map((c: any) => c.Name)).toEqual(['web', 'api', 'worker', 'metrics']);
    for (const c of containers) {
      expect(c.EntryPoint[0]).toBe('/aqua/microenforcer');
      expect(c.VolumesFrom).toEqual([{ ReadOnly: true, SourceContainer: 'enforcer' }]);
    }
  });

  test('the plain variant has no enforcement', () => {
    const templates = synthTemplates('plain', 1) as any;
    const task = Object.values(templates.Bench0.Resources).find((r: any) => r.Type === 'AWS::ECS::TaskDefinition') as any;
    expect(task.Properties.ContainerDefinitions.map((c: any) => c.Name)).toEqual(['web', 'api', 'worker', 'metrics']);
  });
});
