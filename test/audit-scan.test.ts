/**
 * The scanner's own logic with a fake ECS client (moto-backed cases are in audit.test.ts): how
 * errors are classified, pages that never end, describe failures, and that a fatal error stops
 * the calls still waiting.
 */
import { arnName, AuditFatalError, fatalMessage, oneLine, scanAccount } from '../lib/audit/scan';

/** A fake ECSClient: answers by action, records what was sent. */
function fakeClient(answer: (action: string, input: any) => any) {
  const sent: string[] = [];
  return {
    sent,
    config: { region: async () => 'us-east-1' },
    middlewareStack: { add: () => undefined, remove: () => false },
    send: async (command: any) => {
      const action = command.constructor.name.replace(/Command$/, '');
      sent.push(action);
      await new Promise(r => setImmediate(r));
      return answer(action, command.input);
    },
  } as any;
}

function awsError(name: string, message: string, extra: object = {}) {
  return Object.assign(new Error(message), { name, ...extra });
}

describe('fatalMessage', () => {
  test.each([
    [awsError('CredentialsProviderError', 'Could not load credentials from any providers'), /^no AWS credentials found/],
    [new Error('Region is missing'), /^no AWS region: set AWS_REGION/],
    [awsError('UnrecognizedClientException', 'The security token included in the request is invalid.'), /^AWS rejected the credentials \(UnrecognizedClientException\)/],
    [awsError('ExpiredTokenException', 'expired'), /^AWS rejected the credentials/],
    [Object.assign(new Error('getaddrinfo ENOTFOUND ecs.xx-none-1.amazonaws.com'), { code: 'ENOTFOUND' }), /^cannot reach ECS at E: the host name does not resolve/],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), /^cannot reach ECS at E: ECONNREFUSED/],
    [awsError('TimeoutError', 'socket timed out'), /^cannot reach ECS at E: TimeoutError/],
  ])('%p is fatal', (e, pattern) => {
    expect(fatalMessage(e, 'E')).toMatch(pattern);
  });

  test.each([
    awsError('AccessDeniedException', 'not authorized'),
    awsError('ThrottlingException', 'Rate exceeded'),
    awsError('ClusterNotFoundException', 'Cluster not found.'),
  ])('%p concerns one call', e => {
    expect(fatalMessage(e, 'E')).toBeUndefined();
  });
});

describe('helpers', () => {
  test('oneLine flattens and bounds', () => {
    expect(oneLine('a\n  b\r\n\tc')).toBe('a b c');
    expect(oneLine('x'.repeat(500), 10)).toBe(`${'x'.repeat(9)}…`);
  });
  test('arnName', () => {
    expect(arnName('arn:aws:ecs:us-east-1:1:cluster/prod')).toBe('prod');
    expect(arnName('web:3')).toBe('web:3');
  });
});

describe('scanAccount with a fake client', () => {
  const CLUSTER = 'arn:aws:ecs:us-east-1:1:cluster/prod';

  test('a page token that comes back again ends the listing and is reported', async () => {
    const client = fakeClient((action) => {
      if (action === 'ListClusters') return { clusterArns: [CLUSTER] };
      if (action === 'ListServices') return { serviceArns: [], nextToken: 'same' };
      if (action === 'ListTasks') return { taskArns: [] };
      return {};
    });
    const r = await scanAccount(client, { concurrency: 2 });
    expect(client.sent.filter((a: string) => a === 'ListServices')).toHaveLength(2);
    expect(r.unreadable).toEqual([{ resource: CLUSTER, action: 'ListServices', error: expect.stringMatching(/same page token twice/) }]);
  });

  test('describe failures and a task without a task definition are recorded; INACTIVE services skipped', async () => {
    const client = fakeClient((action, input) => {
      switch (action) {
        case 'ListClusters': return { clusterArns: [CLUSTER] };
        case 'ListServices': return { serviceArns: ['s1', 's2', 's3'] };
        case 'ListTasks': return { taskArns: ['t1'] };
        case 'DescribeServices': return {
          services: [{ serviceArn: 's1', serviceName: 's1', status: 'ACTIVE', taskDefinition: 'arn:td/a:1', deployments: [{ taskDefinition: 'arn:td/a:1' }, { taskDefinition: 'arn:td/a:0' }], taskSets: [{ taskDefinition: 'arn:td/b:1' }] }, { serviceArn: 's2', status: 'INACTIVE', taskDefinition: 'arn:td/z:1' }],
          failures: [{ arn: 's3', reason: 'MISSING' }],
        };
        case 'DescribeTasks': return { tasks: [{ taskArn: 't1' }] };
        case 'DescribeTaskDefinition': return { taskDefinition: { taskDefinitionArn: input.taskDefinition } };
        default: throw new Error(action);
      }
    });
    const r = await scanAccount(client, { concurrency: 4 });
    expect(r.services.map(s => [s.serviceName, s.taskDefinitionArns])).toEqual([['s1', ['arn:td/a:1', 'arn:td/a:0', 'arn:td/b:1']]]);
    expect(r.unreadable).toEqual([
      { resource: 's3', action: 'DescribeServices', error: 'MISSING' },
      { resource: 't1', action: 'DescribeTasks', error: 'the task names no task definition' },
    ]);
  });

  test('a fatal error stops the scan: the calls still waiting are not sent', async () => {
    let described = 0;
    const client = fakeClient((action) => {
      if (action === 'ListClusters') return { clusterArns: [CLUSTER] };
      if (action === 'ListServices') return { serviceArns: [] };
      if (action === 'ListTasks') return { taskArns: Array.from({ length: 100 }, (_, i) => `t${i}`) };
      if (action === 'DescribeTasks') return { tasks: Array.from({ length: 100 }, (_, i) => ({ taskArn: `t${i}`, taskDefinitionArn: `arn:td/f${i}:1` })) };
      described++;
      throw awsError('ExpiredTokenException', 'The security token included in the request is expired');
    });
    await expect(scanAccount(client, { concurrency: 2 })).rejects.toThrow(AuditFatalError);
    expect(described).toBeLessThanOrEqual(2);
  });

  test('ListClusters failing with nothing read is fatal, with the reason', async () => {
    const client = fakeClient(() => { throw awsError('AccessDeniedException', 'User is not authorized to perform: ecs:ListClusters'); });
    await expect(scanAccount(client, { concurrency: 1 })).rejects.toThrow(/^cannot list the clusters: AccessDeniedException: User is not authorized/);
  });
});
