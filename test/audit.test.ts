/**
 * `cdk-enforced-fargate audit` against a real AWS API emulator on loopback: moto's server, behind
 * a small proxy that adds ECS's paging and batch limits (which moto lacks) and injects faults
 * (access denied, throttling) on chosen actions. The account holds task definitions that the
 * library itself synthesized, hand-edited revisions of them and plain ones; services and running
 * tasks use them. Each case checks the report and the exit code.
 *
 * Needs moto (scripts/install-tools.sh); without it the suite skips loudly, and fails under CI=true.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { audit } from '../lib/cli/audit';
import type { AuditReport } from '../lib/audit/report';
import { AUDIT_ACTIONS } from '../lib/audit/scan';
import { ApiTaskDefinition, enforcedTaskDefinition, plainTaskDefinition } from './support/api-task-definition';
import { LABEL_EXCLUDED } from '../lib/coverage';
import { Account } from './support/audit-account';
import { EcsProxy, startEcsProxy } from './support/ecs-proxy';
import { FAKE_AWS_ENV, freePort, motoServerPath, MotoServer, setupClient, startMoto } from './support/moto';
import { missingToolBanner } from './support/tools';

const unavailable = motoServerPath() ? undefined : 'moto_server is not in .tools/venv';
if (unavailable) {
  console.warn(missingToolBanner(`audit tests against moto ${process.env.CI ? '(FAILING: CI=true)' : ''}`, unavailable));
}
const describeMoto = unavailable && !process.env.CI ? describe.skip : describe;

const BIN = path.join(__dirname, '..', 'lib', 'cli', 'main.ts');

interface Run { code: number; out: string; err: string; report?: AuditReport }

/** Runs the command in-process against the proxy. */
async function runAudit(endpoint: string, ...args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...process.env };
  Object.assign(process.env, FAKE_AWS_ENV, { AWS_ENDPOINT_URL: endpoint });
  try {
    const code = await audit.run(['--quiet', ...args], { out: l => out.push(l), err: l => err.push(l), cwd: process.cwd(), stdin: () => '' });
    const text = out.join('\n');
    return { code, out: text, err: err.join('\n'), report: args.includes('--json') && code !== 2 && text.startsWith('{') ? JSON.parse(text) : undefined };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

/**
 * Runs the real bin (through tsx) with exactly the environment given (plus PATH and no AWS config
 * files). Asynchronous: the proxy lives in this process and must keep answering.
 */
function runBin(env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, ['--import', 'tsx', BIN, 'audit', ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent-home', AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as any).code === 'number' ? (error as any).code : -1) : 0;
      resolve({ code, out: stdout, err: stderr });
    });
  });
}

/** No stack trace, one line of error. */
function expectOneLineError(err: string, pattern: RegExp): void {
  const lines = err.trim().split('\n').filter(l => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^cdk-enforced-fargate audit: /);
  expect(lines[0]).toMatch(pattern);
  expect(err).not.toMatch(/\n\s+at /);
}

const READ_ONLY = /^(List|Describe)/;

test('the IAM policy in docs/audit.md grants exactly the actions the audit calls, all read-only', () => {
  const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'audit.md'), 'utf8');
  const policy = JSON.parse(/## IAM policy[\s\S]*?```json\n([\s\S]*?)\n```/.exec(doc)![1]);
  expect(policy.Statement).toHaveLength(1);
  expect(policy.Statement[0].Action.sort()).toEqual([...AUDIT_ACTIONS].sort());
  expect(AUDIT_ACTIONS.every(a => READ_ONLY.test(a.replace(/^ecs:/, '')))).toBe(true);
});

describeMoto('cdk-enforced-fargate audit (moto on loopback)', () => {
  let moto: MotoServer;
  let proxy: EcsProxy;
  let account: Account;
  // Definitions made once: the library's output and variants of it.
  let web: ApiTaskDefinition;
  let withExcluded: ApiTaskDefinition;
  let plain: ApiTaskDefinition;

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startEcsProxy(moto.url);
    account = new Account(setupClient(moto.url), moto.url);
    web = enforcedTaskDefinition('web');
    withExcluded = enforcedTaskDefinition('metrics', { excluded: true });
    plain = plainTaskDefinition('legacy');
  }, 120_000);

  afterAll(async () => {
    account?.ecs.destroy();
    await proxy?.close();
    await moto?.stop();
  });

  beforeEach(async () => {
    await moto.reset();
    proxy.reset();
    account = new Account(account.ecs, moto.url);
  });

  /** Hand edits of a protected definition, as someone would make them in the console. */
  function edit(td: ApiTaskDefinition, family: string, change: (app: any, all: any[]) => void): ApiTaskDefinition {
    const containers = JSON.parse(JSON.stringify(td.containerDefinitions));
    change(containers.find((c: any) => c.name === 'web'), containers);
    return { ...td, family, containerDefinitions: containers };
  }

  describe('an account with several clusters, protected, unprotected and hand-edited revisions', () => {
    async function mixedAccount() {
      const prod = await account.cluster('prod');
      const batch = await account.cluster('batch');
      await account.cluster('empty');
      const webArn = await account.register(web);
      const metricsArn = await account.register(withExcluded);
      const legacyArn = await account.register(plain);
      // api:1 is the library's output; api:2 is the same with the wrap removed by hand.
      const api1 = await account.register({ ...web, family: 'api' });
      const api2 = await account.register(edit(web, 'api', app => { app.entryPoint = app.entryPoint.slice(1); }));
      // A writable mount and a missing dependency, each its own hand edit.
      const writable = await account.register(edit(web, 'writable', app => { app.volumesFrom = [{ sourceContainer: 'enforcer', readOnly: false }]; }));
      const nodep = await account.register(edit(web, 'nodep', app => { delete app.dependsOn; }));
      // Every container excluded with a reason: an exempted task.
      const exempt = await account.register({ ...plain, family: 'exempt', containerDefinitions: plain.containerDefinitions.map(c => ({ ...c, dockerLabels: { [LABEL_EXCLUDED]: 'vendor appliance, audited separately' } })) });
      const ec2Only = await account.register({ ...plain, family: 'ec2only', requiresCompatibilities: ['EC2'], networkMode: 'bridge', containerDefinitions: plain.containerDefinitions.map(c => ({ ...c, memory: 128 })) });
      await account.service(prod, 'web', webArn);
      await account.service(prod, 'metrics', metricsArn);
      await account.service(prod, 'legacy', legacyArn);
      await account.service(prod, 'api', api1);
      await account.updateService(prod, 'api', api2);
      await account.service(prod, 'exempt', exempt);
      await account.service(prod, 'classic', ec2Only, 'EC2');
      await account.run(batch, webArn, 2, 'service:web-batch');
      await account.run(batch, writable, 1);
      await account.run(batch, nodep, 1, 'nightly');
      return { api1, api2, writable, nodep };
    }

    test('reports each service, task group and task definition, with why; exit 1', async () => {
      // GIVEN
      const arns = await mixedAccount();
      // WHEN
      const { code, report, err } = await runAudit(proxy.url, '--json');
      // THEN
      expect(err).toBe('');
      expect(code).toBe(1);
      expect(report!.result).toBe('unprotected');
      expect(report!.summary).toMatchObject({ clusters: 3, services: 6, runningTasks: 4, taskDefinitions: 9, unreadable: 0 });
      expect(report!.summary.byVerdict).toEqual({ 'protected': 3, 'excluded': 1, 'unprotected': 4, 'not-fargate': 1, 'unreadable': 0 });
      const services = Object.fromEntries(report!.services.map(s => [s.name, s.verdict]));
      expect(services).toEqual({ web: 'protected', metrics: 'protected', legacy: 'unprotected', api: 'unprotected', exempt: 'excluded', classic: 'not-fargate' });
      // moto keeps the old revision in the service's deployment (as ECS does while it rolls out).
      const api = report!.services.find(s => s.name === 'api')!;
      expect(api.taskDefinitions.sort()).toEqual([arns.api1, arns.api2].sort());
      const byName = Object.fromEntries(report!.taskDefinitions.map(td => [td.name, td]));
      expect(byName['api:1'].verdict).toBe('protected');
      expect(byName['api:2'].verdict).toBe('unprotected');
      expect(byName['api:2'].containers.find(c => c.name === 'web')).toMatchObject({ fate: 'unprotected', reason: expect.stringMatching(/not wrapped/) });
      expect(byName['writable:1'].containers.find(c => c.name === 'web')).toMatchObject({ fate: 'unprotected', reason: expect.stringMatching(/read-only/) });
      expect(byName['nodep:1'].containers.find(c => c.name === 'web')).toMatchObject({ fate: 'unprotected', reason: expect.stringMatching(/dependsOn/) });
      expect(byName['legacy:1'].containers).toEqual([{ name: 'web', fate: 'unprotected', reason: expect.stringMatching(/not wrapped/) }]);
      expect(byName['metrics:1'].containers.find(c => c.name === 'metrics')).toEqual({ name: 'metrics', fate: 'excluded', reason: 'listed in excludedContainers' });
      expect(byName['exempt:1']).toMatchObject({ verdict: 'excluded', containers: [{ name: 'web', fate: 'excluded', reason: 'vendor appliance, audited separately' }] });
      expect(byName['ec2only:1'].verdict).toBe('not-fargate');
      const groups = report!.tasks.map(t => [t.cluster, t.group, t.count, t.verdict]);
      expect(groups).toEqual([
        ['batch', 'family:writable', 1, 'unprotected'],
        ['batch', 'nightly', 1, 'unprotected'],
        ['batch', 'service:web-batch', 2, 'protected'],
      ]);
      // Read-only calls only, and every one the audit made reached the emulator.
      expect(Object.keys(proxy.requests).filter(a => !(AUDIT_ACTIONS as readonly string[]).includes(`ecs:${a}`))).toEqual([]);
      expect(report!.apiCalls.totalRequests).toBe(Object.values(proxy.requests).reduce((a, b) => a + b, 0));
    });

    test('the table for people names the unprotected container and why, and ends with the result', async () => {
      // GIVEN
      await mixedAccount();
      // WHEN
      const { code, out } = await runAudit(proxy.url);
      // THEN
      expect(code).toBe(1);
      expect(out).toMatch(/^SERVICES$/m);
      // The service's own task definition first, then its deployments'.
      expect(out).toMatch(/^prod\s+api\s+UNPROTECTED\s+api:2, api:1$/m);
      expect(out).toMatch(/^api:2\s+UNPROTECTED\s+1 service\(s\), 0 task\(s\)\s+web: UNPROTECTED \(not wrapped/m);
      expect(out).toMatch(/metrics: excluded \(listed in excludedContainers\)/);
      expect(out).toMatch(/^batch\s+nightly\s+1\s+UNPROTECTED\s+nodep:1$/m);
      expect(out.trim().split('\n').pop()).toMatch(/^RESULT: UNPROTECTED: 4 task definition\(s\) with unprotected containers, used by 2 service\(s\) and 2 running task\(s\)/);
    });
  });

  test('an account where everything is protected or excluded: exit 0', async () => {
    // GIVEN
    const prod = await account.cluster('prod');
    const webArn = await account.register(web);
    await account.service(prod, 'web', webArn);
    await account.service(prod, 'metrics', await account.register(withExcluded));
    await account.run(prod, webArn, 3, 'service:web');
    // WHEN
    const json = await runAudit(proxy.url, '--json');
    const table = await runAudit(proxy.url);
    // THEN
    expect(json.code).toBe(0);
    expect(json.report!.result).toBe('protected');
    expect(json.report!.summary.byVerdict).toEqual({ 'protected': 2, 'excluded': 0, 'unprotected': 0, 'not-fargate': 0, 'unreadable': 0 });
    expect(table.code).toBe(0);
    expect(table.out.trim().split('\n').pop()).toBe('RESULT: PROTECTED: every container of the 2 Fargate task definition(s) read is protected or excluded with a reason.');
  });

  test('an empty region says so and exits 0', async () => {
    const { code, out } = await runAudit(proxy.url);
    expect(code).toBe(0);
    expect(out).toMatch(/RESULT: EMPTY: no service, running task or task definition found in region us-east-1/);
  });

  describe('scale and manners', () => {
    test('more than one page of everything: all read, in pages and batches, concurrency bounded', async () => {
      // GIVEN 230 ACTIVE revisions (3 pages), 25 services (3 DescribeServices batches), 120 running tasks (2 pages, 2 batches)
      const prod = await account.cluster('prod');
      const arns: string[] = [];
      for (let i = 0; i < 230; i++) arns.push(await account.register({ ...web, family: `fam${String(i).padStart(3, '0')}` }));
      for (let i = 0; i < 25; i++) await account.service(prod, `svc${i}`, arns[i]);
      await account.run(prod, arns[229], 120, 'batch');
      // WHEN
      const { code, report } = await runAudit(proxy.url, '--json', '--all-revisions', '--concurrency', '3');
      // THEN
      expect(code).toBe(0);
      expect(report!.summary).toMatchObject({ services: 25, runningTasks: 120, taskDefinitions: 230, unreadable: 0 });
      expect(proxy.requests).toEqual({
        ListClusters: 1,
        ListServices: 1,
        ListTasks: 2,
        DescribeServices: 3,
        DescribeTasks: 2,
        ListTaskDefinitions: 3,
        DescribeTaskDefinition: 230,
      });
      expect(proxy.peakInFlight()).toBeLessThanOrEqual(3);
      expect(report!.apiCalls.peakConcurrency).toBeLessThanOrEqual(3);
    }, 180_000);

    test('--cluster limits the audit to the clusters named', async () => {
      const a = await account.cluster('a');
      const b = await account.cluster('b');
      await account.service(a, 'ok', await account.register(web));
      await account.service(b, 'bad', await account.register(plain));
      const { code, report } = await runAudit(proxy.url, '--json', '--cluster', 'a');
      expect(code).toBe(0);
      expect(report!.services.map(s => s.name)).toEqual(['ok']);
      expect(proxy.requests.ListClusters).toBeUndefined();
    });
  });

  describe('what cannot be read is said, never taken for protected', () => {
    async function smallAccount() {
      const prod = await account.cluster('prod');
      const other = await account.cluster('other');
      const webArn = await account.register(web);
      const hiddenArn = await account.register({ ...web, family: 'hidden' });
      await account.service(prod, 'web', webArn);
      await account.service(prod, 'hidden', hiddenArn);
      await account.service(other, 'web2', webArn);
      return { hiddenArn };
    }

    test('access denied on one task definition: a completed report that says so, exit 1', async () => {
      const { hiddenArn } = await smallAccount();
      proxy.faults = [{ action: 'DescribeTaskDefinition', code: 'AccessDeniedException', when: b => b.taskDefinition === hiddenArn }];
      const { code, report, out } = await runAudit(proxy.url, '--json');
      expect(code).toBe(1);
      expect(report!.result).toBe('incomplete');
      expect(report!.services.find(s => s.name === 'hidden')!.verdict).toBe('unreadable');
      expect(report!.services.find(s => s.name === 'web')!.verdict).toBe('protected');
      expect(report!.unreadable).toEqual([{ resource: hiddenArn, action: 'DescribeTaskDefinition', error: expect.stringMatching(/^AccessDeniedException: /) }]);
      expect(out).not.toMatch(/"result": "protected"/);
      // AccessDenied is not retried.
      expect(proxy.requests.DescribeTaskDefinition).toBe(2);
    });

    test('access denied on a cluster\'s services: the rest is read, the table says what was not', async () => {
      await smallAccount();
      proxy.faults = [{ action: 'ListServices', code: 'AccessDeniedException', when: b => String(b.cluster).endsWith('/other') }];
      const { code, out } = await runAudit(proxy.url);
      expect(code).toBe(1);
      expect(out).toMatch(/^COULD NOT READ$/m);
      expect(out).toMatch(/cluster\/other\s+ListServices\s+AccessDeniedException/);
      expect(out.trim().split('\n').pop()).toMatch(/^RESULT: INCOMPLETE: nothing unprotected among what was read, but 1 thing\(s\) could not be read/);
    });

    test('access denied on ListClusters: one line, exit 1', async () => {
      await smallAccount();
      proxy.faults = [{ action: 'ListClusters', code: 'AccessDeniedException' }];
      const { code, out, err } = await runAudit(proxy.url);
      expect(code).toBe(1);
      expect(out).toBe('');
      expectOneLineError(err, /cannot list the clusters: AccessDeniedException/);
    });

    test('credentials AWS rejects: one line, exit 1', async () => {
      await smallAccount();
      proxy.faults = [{ action: 'ListClusters', code: 'UnrecognizedClientException' }];
      const { code, err } = await runAudit(proxy.url);
      expect(code).toBe(1);
      expectOneLineError(err, /AWS rejected the credentials \(UnrecognizedClientException\) \(invalid credentials, or a region not enabled for this account\)/);
    });

    test('brief throttling is retried with backoff and the report is complete', async () => {
      await smallAccount();
      proxy.faults = [{ action: 'DescribeServices', code: 'ThrottlingException', times: 2 }];
      const { code, report } = await runAudit(proxy.url, '--json', '--max-attempts', '4');
      expect(code).toBe(0);
      expect(report!.result).toBe('protected');
      expect(proxy.faulted.DescribeServices).toBe(2);
      expect(report!.apiCalls.retries).toBe(2);
      expect(report!.apiCalls.requests.DescribeServices).toBe(4);
    }, 60_000);

    test('a throttling storm: every describe of a task definition throttled; the report says what it could not read', async () => {
      await smallAccount();
      proxy.faults = [{ action: 'DescribeTaskDefinition', code: 'ThrottlingException' }];
      const { code, report } = await runAudit(proxy.url, '--json', '--max-attempts', '2');
      expect(code).toBe(1);
      expect(report!.result).toBe('incomplete');
      expect(report!.summary.byVerdict).toMatchObject({ protected: 0, unreadable: 2 });
      expect(report!.unreadable.map(u => u.error)).toEqual([expect.stringMatching(/^ThrottlingException/), expect.stringMatching(/^ThrottlingException/)]);
      expect(proxy.requests.DescribeTaskDefinition).toBe(4);
      expect(report!.services.every(s => s.verdict === 'unreadable')).toBe(true);
    }, 60_000);
  });

  describe('the real bin', () => {
    test('audits through AWS_ENDPOINT_URL and prints the table', async () => {
      const prod = await account.cluster('prod');
      await account.service(prod, 'legacy', await account.register(plain));
      const r = await runBin({ ...FAKE_AWS_ENV, AWS_ENDPOINT_URL: proxy.url });
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/^prod\s+legacy\s+UNPROTECTED\s+legacy:1$/m);
      expect(r.err).toMatch(/^audit: 1 cluster\(s\)$/m);
    });

    test('no credentials: one line, exit 1', async () => {
      const r = await runBin({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: proxy.url });
      expect(r.code).toBe(1);
      expectOneLineError(r.err, /no AWS credentials found: set AWS_PROFILE/);
      expect(proxy.requests).toEqual({});
    });

    test('no region: one line, exit 1', async () => {
      const { AWS_REGION: _, ...env } = FAKE_AWS_ENV;
      const r = await runBin({ ...env, AWS_ENDPOINT_URL: proxy.url });
      expect(r.code).toBe(1);
      expectOneLineError(r.err, /no AWS region: set AWS_REGION/);
    });

    test('a region with no ECS endpoint (a host that never resolves): one line, exit 1', async () => {
      const r = await runBin({ ...FAKE_AWS_ENV, AWS_ENDPOINT_URL: 'http://ecs.no-such-region.invalid' }, '--quiet');
      expect(r.code).toBe(1);
      expectOneLineError(r.err, /cannot reach ECS at http:\/\/ecs\.no-such-region\.invalid: the host name does not resolve/);
    });

    test('an endpoint that refuses connections: one line, exit 1', async () => {
      const port = await freePort();
      const r = await runBin({ ...FAKE_AWS_ENV, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` }, '--quiet', '--max-attempts', '1');
      expect(r.code).toBe(1);
      expectOneLineError(r.err, /cannot reach ECS at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    });

    test('bad options: usage, exit 2', async () => {
      const r = await runBin({}, '--concurrency', '0');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--concurrency must be a whole number from 1 to 64, got '0'/);
    });
  });
});
