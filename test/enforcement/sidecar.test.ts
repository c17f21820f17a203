/** The sidecar's logging rule (lib/enforcement/sidecar.ts), pure: which container's FireLens configuration it shares. */
import { firelensLogSource } from '../../lib/enforcement/sidecar';

describe('firelensLogSource', () => {
  test('the first container that logs through FireLens', () => {
    expect(firelensLogSource([
      { name: 'router', logDriver: 'awslogs' },
      { name: 'api', logDriver: 'awsfirelens' },
      { name: 'worker', logDriver: 'awsfirelens' },
    ])).toBe('api');
  });

  test('none when no container logs through FireLens (the sidecar then logs to CloudWatch Logs)', () => {
    expect(firelensLogSource([{ name: 'api', logDriver: 'awslogs' }, { name: 'worker' }])).toBeUndefined();
    expect(firelensLogSource([])).toBeUndefined();
  });

  test('never the sidecar itself, nor a driver that is not literally awsfirelens', () => {
    expect(firelensLogSource([{ name: 'enforcer', logDriver: 'awsfirelens', isSidecar: true }])).toBeUndefined();
    expect(firelensLogSource([{ name: 'api', logDriver: { 'Fn::If': ['C', 'awsfirelens', 'awslogs'] } }])).toBeUndefined();
  });
});
