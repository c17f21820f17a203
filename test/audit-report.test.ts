import { LABEL_BINARY, LABEL_DELIVERY, LABEL_EXCLUDED, LABEL_ROLE } from '../lib/coverage';
import { buildReport, formatTable, printable, REPORT_SCHEMA } from '../lib/audit/report';
import type { ScanResult } from '../lib/audit/scan';

const ARN = (family: string, rev = 1) => `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${rev}`;
const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/prod';
const SIDECAR = { name: 'enforcer', image: 'e', essential: false, dockerLabels: { [LABEL_ROLE]: 'enforcer', [LABEL_BINARY]: '/bin/enf', [LABEL_DELIVERY]: 'volumes-from' } };
const wrapped = (name: string) => ({ name, image: 'i', entryPoint: ['/bin/enf', 'run'], volumesFrom: [{ sourceContainer: 'enforcer', readOnly: true }], dependsOn: [{ containerName: 'enforcer', condition: 'START' }] });
const td = (family: string, ...containerDefinitions: object[]) => ({ taskDefinitionArn: ARN(family), family, revision: 1, requiresCompatibilities: ['FARGATE'], compatibilities: ['EC2', 'FARGATE'], containerDefinitions }) as any;

function scan(parts: Partial<ScanResult>): ScanResult {
  return { clusterArns: [CLUSTER], services: [], tasks: [], taskDefinitions: new Map(), unreadable: [], requests: {}, calls: {}, peakConcurrency: 1, ...parts };
}
const CONTEXT = { region: 'us-east-1', allRevisions: false };

describe('audit report', () => {
  test('a service on a protected and an unprotected revision is unprotected; the task definitions say why', () => {
    // GIVEN
    const s = scan({
      services: [{ clusterArn: CLUSTER, serviceArn: `${CLUSTER}/web`, serviceName: 'web', taskDefinitionArns: [ARN('web', 2), ARN('web')] }],
      taskDefinitions: new Map([[ARN('web'), td('web', SIDECAR, wrapped('app'))], [ARN('web', 2), { ...td('web', SIDECAR, { name: 'app', image: 'i' }), taskDefinitionArn: ARN('web', 2) }]]),
      requests: { DescribeTaskDefinition: 3, ListClusters: 1 },
      calls: { DescribeTaskDefinition: 2, ListClusters: 1 },
    });
    // WHEN
    const r = buildReport(s, CONTEXT);
    // THEN
    expect(r.schema).toBe(REPORT_SCHEMA);
    expect(r.result).toBe('unprotected');
    expect(r.services).toEqual([{ cluster: 'prod', name: 'web', arn: `${CLUSTER}/web`, verdict: 'unprotected', taskDefinitions: [ARN('web', 2), ARN('web')] }]);
    expect(r.taskDefinitions.map(t => [t.name, t.verdict])).toEqual([['web:2', 'unprotected'], ['web:1', 'protected']]);
    expect(r.apiCalls).toEqual({ requests: { DescribeTaskDefinition: 3, ListClusters: 1 }, totalRequests: 4, retries: 1, peakConcurrency: 1 });
  });

  test('running tasks are grouped by cluster, group and task definition', () => {
    const tasks = ['a', 'b', 'c'].map((id, i) => ({ clusterArn: CLUSTER, taskArn: `task/${id}`, taskDefinitionArn: ARN('job'), group: i < 2 ? 'family:job' : 'nightly' }));
    const r = buildReport(scan({ tasks, taskDefinitions: new Map([[ARN('job'), td('job', SIDECAR, wrapped('job'))]]) }), CONTEXT);
    expect(r.tasks).toEqual([
      { cluster: 'prod', group: 'family:job', taskDefinition: ARN('job'), verdict: 'protected', count: 2, taskArns: ['task/a', 'task/b'] },
      { cluster: 'prod', group: 'nightly', taskDefinition: ARN('job'), verdict: 'protected', count: 1, taskArns: ['task/c'] },
    ]);
    expect(r.taskDefinitions[0].runningTasks).toBe(3);
    expect(r.result).toBe('protected');
  });

  test('what could not be read makes the result incomplete, never protected', () => {
    const s = scan({
      services: [{ clusterArn: CLUSTER, serviceArn: `${CLUSTER}/web`, serviceName: 'web', taskDefinitionArns: [ARN('web')] }],
      taskDefinitions: new Map([[ARN('web'), undefined]]),
      unreadable: [{ resource: ARN('web'), action: 'DescribeTaskDefinition', error: 'AccessDeniedException: no' }],
    });
    const r = buildReport(s, CONTEXT);
    expect(r.result).toBe('incomplete');
    expect(r.services[0].verdict).toBe('unreadable');
    expect(formatTable(r).pop()).toMatch(/^RESULT: INCOMPLETE: .* 2 thing\(s\) could not be read/);
  });

  test('a listing that failed with nothing else wrong is incomplete too', () => {
    const r = buildReport(scan({ unreadable: [{ resource: CLUSTER, action: 'ListServices', error: 'AccessDeniedException: no' }] }), CONTEXT);
    expect(r.result).toBe('incomplete');
  });

  test('nothing found: empty', () => {
    const r = buildReport(scan({}), CONTEXT);
    expect(r.result).toBe('empty');
    expect(formatTable(r).pop()).toBe('RESULT: EMPTY: no service, running task or task definition found in region us-east-1; check the region and account.');
  });

  test('text from the account cannot drive the terminal: control characters are escaped in the table', () => {
    const evil = td('evil', { name: 'x\u001b[2J\u001b]0;pwned\u0007', image: 'i', dockerLabels: { [LABEL_EXCLUDED]: 'reason\nRESULT: PROTECTED' } });
    const r = buildReport(scan({ taskDefinitions: new Map([[ARN('evil'), evil]]), services: [{ clusterArn: CLUSTER, serviceArn: `${CLUSTER}/s`, serviceName: 's\u009b1m', taskDefinitionArns: [ARN('evil')] }] }), CONTEXT);
    const lines = formatTable(r);
    const text = lines.join('\n');
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('x\\u001b[2J\\u001b]0;pwned\\u0007: excluded (reason\\u000aRESULT: PROTECTED)');
    expect(lines.filter(l => l.startsWith('RESULT:'))).toEqual([expect.stringMatching(/^RESULT: PROTECTED: every container of the 1 Fargate/)]);
    expect(printable('a\tb')).toBe('a\\u0009b');
  });

  test('the table lists fully protected task definitions only in the JSON', () => {
    const r = buildReport(scan({ taskDefinitions: new Map([[ARN('ok'), td('ok', SIDECAR, wrapped('a'))]]), services: [{ clusterArn: CLUSTER, serviceArn: `${CLUSTER}/ok`, serviceName: 'ok', taskDefinitionArns: [ARN('ok')] }] }), CONTEXT);
    const text = formatTable(r).join('\n');
    expect(text).toMatch(/TASK DEFINITIONS \(1 fully protected not listed; --json lists all\)/);
    expect(text).toMatch(/^prod\s+ok\s+protected\s+ok:1$/m);
  });
});
