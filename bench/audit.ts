/**
 * `npm run bench:audit`: the audit of a large account in the emulator. 2,000 task definitions
 * across 20 clusters (100 services per cluster, each on its own task definition, one in ten of them
 * hand-edited to be unprotected), plus running tasks, in moto on loopback behind the test proxy
 * (which adds ECS's paging and batch limits and counts every request). Then the audit runs
 * in-process, as the CLI runs it, several times and at several concurrency bounds, and this prints
 * and writes (docs/performance/audit.md, audit.json) the API calls by action and the wall times.
 *
 *   npm run bench:audit                 # 2,000 task definitions, 20 clusters, 2 runs per setting
 *   npm run bench:audit -- --quick      # 200 task definitions, 4 clusters, 1 run (a smoke test)
 *
 * Needs moto (bash scripts/install-tools.sh). Wall times on a shared machine are noisy: each
 * setting reports the median and the range of its runs.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ECSClient } from '@aws-sdk/client-ecs';
import { buildReport } from '../lib/audit/report';
import { scanAccount } from '../lib/audit/scan';
import { enforcedTaskDefinition } from '../test/support/api-task-definition';
import { Account } from '../test/support/audit-account';
import { startEcsProxy } from '../test/support/ecs-proxy';
import { FAKE_AWS_ENV, setupClient, startMoto } from '../test/support/moto';

const quick = process.argv.includes('--quick');
const CLUSTERS = quick ? 4 : 20;
const SERVICES_PER_CLUSTER = quick ? 50 : 100;
const TASKS_PER_CLUSTER = 10;
const RUNS = quick ? 1 : 2;
const CONCURRENCY = quick ? [8] : [1, 8];
const OUT = path.join(__dirname, '..', 'docs', 'performance');

/** Clock ticks per second of /proc's CPU times. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function processCpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // After the command name: state is field 3, utime 14 and stime 15 (1-based, see proc(5)).
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  Object.assign(process.env, FAKE_AWS_ENV);
  const moto = await startMoto();
  const proxy = await startEcsProxy(moto.url);
  const setup = setupClient(moto.url);
  try {
    // The account: the library's own output, and one in ten revisions with the wrap removed by hand.
    const protectedTd = enforcedTaskDefinition('x');
    const edited = JSON.parse(JSON.stringify(protectedTd));
    const app = edited.containerDefinitions.find((c: any) => c.name === 'web');
    app.entryPoint = app.entryPoint.slice(1);
    const account = new Account(setup, moto.url);
    const t0 = Date.now();
    for (let c = 0; c < CLUSTERS; c++) {
      const cluster = await account.cluster(`cluster-${String(c).padStart(2, '0')}`);
      let first = '';
      for (let s = 0; s < SERVICES_PER_CLUSTER; s++) {
        const family = `c${String(c).padStart(2, '0')}-svc${String(s).padStart(3, '0')}`;
        const arn = await account.register({ ...(s % 10 === 9 ? edited : protectedTd), family });
        if (s === 0) first = arn;
        await account.service(cluster, family, arn);
      }
      await account.run(cluster, first, TASKS_PER_CLUSTER, 'batch');
    }
    const setupSeconds = (Date.now() - t0) / 1000;
    const total = CLUSTERS * SERVICES_PER_CLUSTER;
    process.stderr.write(`bench:audit: account ready in ${setupSeconds.toFixed(1)} s: ${total} task definitions, ${total} services, ${CLUSTERS} clusters, ${CLUSTERS * TASKS_PER_CLUSTER} running tasks\n`);

    const results: any[] = [];
    for (const allRevisions of [false, true]) {
      for (const concurrency of CONCURRENCY) {
        const times: number[] = [];
        const cpu: number[] = [];
        const motoCpu: number[] = [];
        const load: number[] = [];
        let last: any;
        for (let run = 0; run < RUNS; run++) {
          proxy.reset();
          const client = new ECSClient({ endpoint: proxy.url, maxAttempts: 6, retryMode: 'standard' });
          const cpuStart = process.cpuUsage();
          const motoStart = processCpuSeconds(moto.pid);
          const start = process.hrtime.bigint();
          const scan = await scanAccount(client, { concurrency, allRevisions });
          const report = buildReport(scan, { region: FAKE_AWS_ENV.AWS_REGION, allRevisions });
          times.push(Number(process.hrtime.bigint() - start) / 1e9);
          const used = process.cpuUsage(cpuStart);
          cpu.push((used.user + used.system) / 1e6);
          motoCpu.push(processCpuSeconds(moto.pid) - motoStart);
          load.push(os.loadavg()[0]);
          client.destroy();
          last = { report, requests: { ...proxy.requests }, peak: proxy.peakInFlight() };
        }
        const r = last.report;
        const row = {
          allRevisions,
          concurrency,
          runs: RUNS,
          wallSeconds: { median: median(times), min: Math.min(...times), max: Math.max(...times) },
          // CPU time of this process during the audit: the SDK, the checker and the report (the proxy, which shares the process, is in it too).
          cpuSeconds: median(cpu),
          // CPU time of the emulator (moto_server) during the audit.
          motoCpuSeconds: median(motoCpu),
          // The machine's 1-minute load average at the end of each run (2 CPUs): how shared it was.
          loadAverage: median(load),
          requestsByAction: last.requests,
          totalRequests: Object.values<number>(last.requests).reduce((a, b) => a + b, 0),
          retries: r.apiCalls.retries,
          peakInFlight: last.peak,
          result: r.result,
          summary: r.summary,
        };
        results.push(row);
        process.stderr.write(`bench:audit: all-revisions=${allRevisions} concurrency=${concurrency}: median ${row.wallSeconds.median.toFixed(2)} s, ${row.totalRequests} requests, peak in flight ${row.peakInFlight}, ${r.summary.byVerdict.unprotected} unprotected\n`);
      }
    }

    const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, moto: '5.2.5' };
    const doc = { date: new Date().toISOString(), quick, account: { clusters: CLUSTERS, taskDefinitions: total, services: total, runningTasks: CLUSTERS * TASKS_PER_CLUSTER, setupSeconds }, machine, results };
    if (!quick) {
      fs.mkdirSync(OUT, { recursive: true });
      fs.writeFileSync(path.join(OUT, 'audit.json.tmp'), `${JSON.stringify(doc, undefined, 2)}\n`);
      fs.renameSync(path.join(OUT, 'audit.json.tmp'), path.join(OUT, 'audit.json'));
      fs.writeFileSync(path.join(OUT, 'audit.md.tmp'), markdown(doc));
      fs.renameSync(path.join(OUT, 'audit.md.tmp'), path.join(OUT, 'audit.md'));
    }
    process.stdout.write(markdown(doc));
  } finally {
    setup.destroy();
    await proxy.close();
    await moto.stop();
  }
}

function markdown(doc: any): string {
  const actions = ['ListClusters', 'ListServices', 'DescribeServices', 'ListTasks', 'DescribeTasks', 'ListTaskDefinitions', 'DescribeTaskDefinition'];
  const lines = [
    '# Audit benchmark (`npm run bench:audit`)',
    '',
    `Measured ${doc.date.slice(0, 10)} on ${doc.machine.cpus} CPUs (${doc.machine.cpuModel}), ${doc.machine.memoryGiB} GiB, node ${doc.machine.node}, against moto ${doc.machine.moto} on loopback behind the test proxy (ECS paging and batch limits). The machine is shared by other jobs: wall times are noisy; each row gives the median and range of ${doc.results[0]?.runs} run(s).`,
    '',
    `The account: ${doc.account.clusters} clusters, ${doc.account.taskDefinitions} task definitions, ${doc.account.services} services (each on its own task definition; one in ten hand-edited to be unprotected), ${doc.account.runningTasks} running tasks. Building it in moto took ${doc.account.setupSeconds.toFixed(0)} s (not part of the audit).`,
    '',
    `| --all-revisions | concurrency | wall median (s) | min–max (s) | CPU of the audit process (s) | CPU of moto (s) | load average | requests | retries | ${actions.join(' | ')} | peak in flight | unprotected TDs | result |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|${actions.map(() => '---:').join('|')}|---:|---:|---|`,
  ];
  for (const r of doc.results) {
    lines.push(`| ${r.allRevisions ? 'yes' : 'no'} | ${r.concurrency} | ${r.wallSeconds.median.toFixed(2)} | ${r.wallSeconds.min.toFixed(2)}–${r.wallSeconds.max.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ${r.motoCpuSeconds.toFixed(2)} | ${r.loadAverage.toFixed(1)} | ${r.totalRequests} | ${r.retries} | ${actions.map(a => r.requestsByAction[a] ?? 0).join(' | ')} | ${r.peakInFlight} | ${r.summary.byVerdict.unprotected} | ${r.result} |`);
  }
  lines.push('', 'What the request counts show: one ListServices and one ListTasks page per cluster (≤ 100 each), DescribeServices in batches of 10, DescribeTasks in batches of 100, and one DescribeTaskDefinition per distinct task definition (ECS has no batch describe for them); with --all-revisions, ListTaskDefinitions pages of 100 and no second describe of a revision already read.', '');
  return lines.join('\n');
}

main().catch(e => {
  process.stderr.write(`bench:audit: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
