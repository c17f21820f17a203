/**
 * The coverage summary (lib/enforcement/summary.ts): the report tools parse and the line people
 * read, from the same data. Its place in the cloud assembly is tested in enforce-fargate-tasks.test.ts.
 */
import { coverageLine, coverageReport } from '../lib/enforcement/summary';

describe('coverage summary', () => {
  const tasks = [
    { path: 'S/B', by: 'EnforceFargateTasks', protected: ['web', 'api'], excluded: [{ name: 'xray', reason: 'listed in excludedContainers' }] },
    { path: 'S/A', by: 'EnforcedFargateTaskDefinition', protected: ['app'], excluded: [] },
    { path: 'S/Legacy', by: 'EnforceFargateTasks', protected: [], excluded: [], exempt: 'vendor-certified, SEC-42' },
  ];

  test('totals count protected and excluded containers of enforced tasks, and exempt tasks, sorted by path', () => {
    const report = coverageReport('S', tasks);
    expect(report.totals).toEqual({ tasks: 3, enforcedTasks: 2, exemptTasks: 1, protectedContainers: 3, excludedContainers: 1 });
    expect(report.tasks.map(t => t.path)).toEqual(['S/A', 'S/B', 'S/Legacy']);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  test('the line names every exclusion and exemption with its reason', () => {
    expect(coverageLine(coverageReport('S', tasks))).toBe(
      'cdk-enforced-fargate coverage of S: 2 task definition(s) enforced, 3 container(s) protected, 1 excluded ' +
      '[S/B/xray (listed in excludedContainers)], 1 task definition(s) exempt [S/Legacy (vendor-certified, SEC-42)]');
    expect(coverageLine(coverageReport('Empty', []))).toBe('cdk-enforced-fargate coverage of Empty: 0 task definition(s) enforced, 0 container(s) protected, 0 excluded, 0 task definition(s) exempt');
  });
});
