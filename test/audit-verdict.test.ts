import { LABEL_BINARY, LABEL_DELIVERY, LABEL_EXCLUDED, LABEL_ROLE } from '../lib/coverage';
import { judgeTaskDefinition } from '../lib/audit/verdict';

const SIDECAR = { name: 'enforcer', image: 'e', essential: false, dockerLabels: { [LABEL_ROLE]: 'enforcer', [LABEL_BINARY]: '/aqua/microenforcer', [LABEL_DELIVERY]: 'volumes-from' } };
const PROTECTED = { name: 'app', image: 'nginx', entryPoint: ['/aqua/microenforcer', 'nginx'], volumesFrom: [{ sourceContainer: 'enforcer', readOnly: true }], dependsOn: [{ containerName: 'enforcer', condition: 'START' }] };
const fargate = (...containerDefinitions: object[]) => ({ requiresCompatibilities: ['FARGATE'], compatibilities: ['EC2', 'FARGATE'], containerDefinitions }) as any;

describe('judgeTaskDefinition (the coverage rule on the ECS API form)', () => {
  test('a sidecar and a protected container: protected', () => {
    expect(judgeTaskDefinition(fargate(SIDECAR, PROTECTED))).toEqual({
      verdict: 'protected',
      containers: [{ name: 'enforcer', fate: 'sidecar' }, { name: 'app', fate: 'protected' }],
    });
  });

  test('a protected container beside an excluded one: protected, the reason kept', () => {
    const log = { name: 'log', image: 'fluent-bit', dockerLabels: { [LABEL_EXCLUDED]: 'log router' } };
    const v = judgeTaskDefinition(fargate(SIDECAR, PROTECTED, log));
    expect(v.verdict).toBe('protected');
    expect(v.containers[2]).toEqual({ name: 'log', fate: 'excluded', reason: 'log router' });
  });

  test('every container excluded: excluded', () => {
    const v = judgeTaskDefinition(fargate({ name: 'a', image: 'a', dockerLabels: { [LABEL_EXCLUDED]: 'exempt task' } }));
    expect(v).toEqual({ verdict: 'excluded', containers: [{ name: 'a', fate: 'excluded', reason: 'exempt task' }] });
  });

  test('one unwrapped container: unprotected, with why', () => {
    const v = judgeTaskDefinition(fargate(SIDECAR, PROTECTED, { name: 'worker', image: 'w', command: ['run'] }));
    expect(v.verdict).toBe('unprotected');
    expect(v.containers[2]).toEqual({ name: 'worker', fate: 'unprotected', reason: expect.stringMatching(/not wrapped/) });
  });

  test('an EC2-only definition: not-fargate', () => {
    expect(judgeTaskDefinition({ requiresCompatibilities: ['EC2'], compatibilities: ['EC2'], containerDefinitions: [{ name: 'a', image: 'a' }] } as any)).toEqual({ verdict: 'not-fargate', containers: [] });
  });

  test('no containers, or containers that are not a list: unprotected, never protected', () => {
    expect(judgeTaskDefinition(fargate()).verdict).toBe('unprotected');
    const v = judgeTaskDefinition({ requiresCompatibilities: ['FARGATE'], containerDefinitions: 'nonsense' } as any);
    expect(v).toEqual({ verdict: 'unprotected', containers: [{ name: '*', fate: 'unprotected', reason: expect.stringMatching(/not a list/) }] });
  });
});
