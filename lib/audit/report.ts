/**
 * The audit's report: built from what the scan read and the coverage rule's verdicts (pure), and
 * written as JSON for machines or as tables for people. The result is 'protected' only when every
 * task definition in use was read and none has an unprotected container.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { arnName, ScanResult } from './scan';
import { ContainerVerdict, judgeTaskDefinition, TaskDefinitionVerdictKind } from './verdict';

/** The JSON report's format, for tools that read it. */
export const REPORT_SCHEMA = 'cdk-enforced-fargate/audit-report@1';

/** A task definition's verdict, or 'unreadable' when it could not be described. */
export type Verdict = TaskDefinitionVerdictKind | 'unreadable';

export interface TaskDefinitionReport {
  readonly arn: string;
  /** `family:revision`. */
  readonly name: string;
  readonly verdict: Verdict;
  readonly containers: ContainerVerdict[];
  /** ARNs of the services that use it (as their task definition, a deployment's or a task set's). */
  readonly services: string[];
  /** How many running tasks use it. */
  readonly runningTasks: number;
}

export interface ServiceReport {
  readonly cluster: string;
  readonly name: string;
  readonly arn: string;
  /** The worst verdict of its task definitions. */
  readonly verdict: Verdict;
  readonly taskDefinitions: string[];
}

export interface TaskGroupReport {
  readonly cluster: string;
  /** The task's group (`service:NAME`, `family:NAME` or the one given to RunTask). */
  readonly group: string;
  readonly taskDefinition: string;
  readonly verdict: Verdict;
  readonly count: number;
  readonly taskArns: string[];
}

export type AuditResult = 'protected' | 'unprotected' | 'incomplete' | 'empty';

export interface AuditReport {
  readonly schema: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly allRevisions: boolean;
  /**
   * 'unprotected' when any container is; else 'incomplete' when anything could not be read;
   * 'empty' when no service, task or task definition was found; else 'protected'.
   */
  readonly result: AuditResult;
  readonly summary: {
    readonly clusters: number;
    readonly services: number;
    readonly runningTasks: number;
    readonly taskDefinitions: number;
    readonly byVerdict: Record<Verdict, number>;
    readonly unreadable: number;
  };
  readonly services: ServiceReport[];
  readonly tasks: TaskGroupReport[];
  readonly taskDefinitions: TaskDefinitionReport[];
  readonly unreadable: ScanResult['unreadable'];
  readonly apiCalls: {
    /** HTTP requests sent, by action, retries included. */
    readonly requests: Record<string, number>;
    readonly totalRequests: number;
    /** Requests beyond one per call: the SDK's retries. */
    readonly retries: number;
    readonly peakConcurrency: number;
  };
}

/** Worst first. */
const SEVERITY: Verdict[] = ['unprotected', 'unreadable', 'protected', 'excluded', 'not-fargate'];

function worst(verdicts: Verdict[]): Verdict {
  if (verdicts.length === 0) return 'unreadable';
  return [...verdicts].sort((a, b) => SEVERITY.indexOf(a) - SEVERITY.indexOf(b))[0];
}

/** `family:revision` of a task definition ARN. */
export function taskDefinitionName(arn: string): string {
  return arnName(arn);
}

/** Builds the report from a scan. */
export function buildReport(scan: ScanResult, context: { region: string; endpoint?: string; allRevisions: boolean }): AuditReport {
  const judged = new Map<string, { verdict: Verdict; containers: ContainerVerdict[] }>();
  for (const [arn, td] of scan.taskDefinitions) {
    judged.set(arn, td === undefined ? { verdict: 'unreadable', containers: [] } : judgeTaskDefinition(td as TaskDefinition));
  }
  const verdictOf = (arn: string): Verdict => judged.get(arn)?.verdict ?? 'unreadable';

  const services: ServiceReport[] = scan.services
    .map(s => ({ cluster: arnName(s.clusterArn), name: s.serviceName, arn: s.serviceArn, verdict: worst(s.taskDefinitionArns.map(verdictOf)), taskDefinitions: s.taskDefinitionArns }))
    .sort((a, b) => a.cluster.localeCompare(b.cluster) || a.name.localeCompare(b.name));

  const groups = new Map<string, { -readonly [K in keyof TaskGroupReport]: TaskGroupReport[K] }>();
  for (const t of scan.tasks) {
    const key = JSON.stringify([t.clusterArn, t.group ?? '', t.taskDefinitionArn]);
    let g = groups.get(key);
    if (!g) {
      g = { cluster: arnName(t.clusterArn), group: t.group ?? '', taskDefinition: t.taskDefinitionArn, verdict: verdictOf(t.taskDefinitionArn), count: 0, taskArns: [] };
      groups.set(key, g);
    }
    g.count++;
    g.taskArns.push(t.taskArn);
  }
  const tasks = [...groups.values()].sort((a, b) => a.cluster.localeCompare(b.cluster) || a.group.localeCompare(b.group) || a.taskDefinition.localeCompare(b.taskDefinition));

  const taskDefinitions: TaskDefinitionReport[] = [...judged.entries()]
    .map(([arn, j]) => ({
      arn,
      name: taskDefinitionName(arn),
      verdict: j.verdict,
      containers: j.containers,
      services: scan.services.filter(s => s.taskDefinitionArns.includes(arn)).map(s => s.serviceArn),
      runningTasks: scan.tasks.filter(t => t.taskDefinitionArn === arn).length,
    }))
    .sort((a, b) => SEVERITY.indexOf(a.verdict) - SEVERITY.indexOf(b.verdict) || a.arn.localeCompare(b.arn));

  const byVerdict: Record<Verdict, number> = { 'protected': 0, 'excluded': 0, 'unprotected': 0, 'not-fargate': 0, 'unreadable': 0 };
  for (const td of taskDefinitions) byVerdict[td.verdict]++;

  const result: AuditResult = byVerdict.unprotected > 0 ? 'unprotected'
    : scan.unreadable.length > 0 || byVerdict.unreadable > 0 ? 'incomplete'
      : services.length === 0 && scan.tasks.length === 0 && taskDefinitions.length === 0 ? 'empty'
        : 'protected';

  const totalRequests = Object.values(scan.requests).reduce((a, b) => a + b, 0);
  const totalCalls = Object.values(scan.calls).reduce((a, b) => a + b, 0);
  return {
    schema: REPORT_SCHEMA,
    region: context.region,
    ...(context.endpoint !== undefined ? { endpoint: context.endpoint } : {}),
    allRevisions: context.allRevisions,
    result,
    summary: {
      clusters: scan.clusterArns.length,
      services: services.length,
      runningTasks: scan.tasks.length,
      taskDefinitions: taskDefinitions.length,
      byVerdict,
      unreadable: scan.unreadable.length,
    },
    services,
    tasks,
    taskDefinitions,
    unreadable: scan.unreadable,
    apiCalls: { requests: sortKeys(scan.requests), totalRequests, retries: Math.max(0, totalRequests - totalCalls), peakConcurrency: scan.peakConcurrency },
  };
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** Text from the account made safe for a terminal: no control characters or escape sequences. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function table(header: string[], rows: string[][]): string[] {
  const cells = [header, ...rows].map(r => r.map(printable));
  const widths = header.map((_, i) => Math.max(...cells.map(r => (r[i] ?? '').length)));
  return cells.map(r => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

const LABEL: Record<Verdict, string> = {
  'protected': 'protected',
  'excluded': 'excluded',
  'unprotected': 'UNPROTECTED',
  'not-fargate': 'not Fargate',
  'unreadable': 'NOT READ',
};

function containerDetail(c: ContainerVerdict): string {
  switch (c.fate) {
    case 'sidecar': return `${c.name}: enforcer sidecar`;
    case 'protected': return `${c.name}: protected`;
    case 'excluded': return `${c.name}: excluded (${c.reason ?? 'no reason'})`;
    default: return `${c.name}: UNPROTECTED (${c.reason ?? 'no reason given'})`;
  }
}

/** The report as tables for people. */
export function formatTable(report: AuditReport): string[] {
  const s = report.summary;
  const lines: string[] = [];
  lines.push(`cdk-enforced-fargate audit: region ${report.region}${report.endpoint ? ` (endpoint ${report.endpoint})` : ''}: ${s.clusters} cluster(s), ${s.services} service(s), ${s.runningTasks} running task(s), ${s.taskDefinitions} task definition(s)${report.allRevisions ? ' (every ACTIVE revision included)' : ''}`);
  if (report.services.length > 0) {
    lines.push('', 'SERVICES');
    lines.push(...table(['CLUSTER', 'SERVICE', 'VERDICT', 'TASK DEFINITIONS'], report.services.map(sv => [sv.cluster, sv.name, LABEL[sv.verdict], sv.taskDefinitions.map(taskDefinitionName).join(', ')])));
  }
  if (report.tasks.length > 0) {
    lines.push('', 'RUNNING TASKS');
    lines.push(...table(['CLUSTER', 'GROUP', 'TASKS', 'VERDICT', 'TASK DEFINITION'], report.tasks.map(t => [t.cluster, t.group, String(t.count), LABEL[t.verdict], taskDefinitionName(t.taskDefinition)])));
  }
  const shown = report.taskDefinitions.filter(td => td.verdict !== 'protected' || td.containers.some(c => c.fate === 'excluded'));
  if (report.taskDefinitions.length > 0) {
    lines.push('', `TASK DEFINITIONS${shown.length < report.taskDefinitions.length ? ` (${report.taskDefinitions.length - shown.length} fully protected not listed; --json lists all)` : ''}`);
    const rows: string[][] = [];
    for (const td of shown) {
      const details = td.verdict === 'unreadable' ? ['could not be described (see COULD NOT READ)']
        : td.verdict === 'not-fargate' ? ['cannot run on Fargate: not checked']
          : td.containers.filter(c => c.fate !== 'protected' && c.fate !== 'sidecar').map(containerDetail);
      const users = `${td.services.length} service(s), ${td.runningTasks} task(s)`;
      details.forEach((d, i) => rows.push(i === 0 ? [td.name, LABEL[td.verdict], users, d] : ['', '', '', d]));
    }
    if (rows.length > 0) lines.push(...table(['TASK DEFINITION', 'VERDICT', 'USED BY', 'CONTAINERS'], rows));
  }
  if (report.unreadable.length > 0) {
    lines.push('', 'COULD NOT READ');
    lines.push(...table(['RESOURCE', 'ACTION', 'ERROR'], report.unreadable.map(u => [u.resource, u.action, u.error])));
  }
  const v = s.byVerdict;
  lines.push('');
  lines.push(`Task definitions: ${v.protected} protected, ${v.excluded} excluded, ${v.unprotected} unprotected, ${v['not-fargate']} not Fargate, ${v.unreadable} not read. API requests: ${report.apiCalls.totalRequests} (${report.apiCalls.retries} retries).`);
  lines.push(resultLine(report));
  return lines;
}

/** The closing line: what a person needs to know at a glance. */
export function resultLine(report: AuditReport): string {
  const s = report.summary;
  switch (report.result) {
    case 'unprotected': {
      const services = report.services.filter(x => x.verdict === 'unprotected').length;
      const tasks = report.tasks.filter(x => x.verdict === 'unprotected').reduce((a, g) => a + g.count, 0);
      return `RESULT: UNPROTECTED: ${s.byVerdict.unprotected} task definition(s) with unprotected containers, used by ${services} service(s) and ${tasks} running task(s)${s.unreadable > 0 ? `; ${s.unreadable} thing(s) could not be read` : ''}.`;
    }
    case 'incomplete':
      return `RESULT: INCOMPLETE: nothing unprotected among what was read, but ${s.unreadable + s.byVerdict.unreadable} thing(s) could not be read (see COULD NOT READ); this is not a clean bill.`;
    case 'empty':
      return `RESULT: EMPTY: no service, running task or task definition found in region ${report.region}; check the region and account.`;
    default:
      return `RESULT: PROTECTED: every container of the ${s.taskDefinitions - s.byVerdict['not-fargate']} Fargate task definition(s) read is protected or excluded with a reason.`;
  }
}
