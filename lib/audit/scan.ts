/**
 * Reads what an account's ECS runs, with read-only calls only: every cluster's services (the task
 * definitions of the service, of each deployment and each task set) and running tasks, and on
 * request every ACTIVE task definition revision. Every list call is paginated, describes go in
 * batches (DescribeServices 10, DescribeTasks 100), all calls share one concurrency bound, and the
 * SDK's retry strategy retries throttling with backoff.
 *
 * A call that fails after its retries is recorded as something that could not be read, and the
 * scan goes on; an error that makes every call fail (no credentials, no region, an endpoint that
 * does not answer, credentials AWS rejects) stops the scan with one line (AuditFatalError).
 */
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { Limiter } from './limit';

/** The ECS actions the audit calls: the whole IAM policy it needs (docs/audit.md). */
export const AUDIT_ACTIONS = [
  'ecs:ListClusters',
  'ecs:ListServices',
  'ecs:DescribeServices',
  'ecs:ListTasks',
  'ecs:DescribeTasks',
  'ecs:ListTaskDefinitions',
  'ecs:DescribeTaskDefinition',
] as const;

/** Batch sizes ECS accepts at most. */
export const DESCRIBE_SERVICES_BATCH = 10;
export const DESCRIBE_TASKS_BATCH = 100;
/** Page size asked of list calls (ECS's maximum for each of them). */
const PAGE_SIZE = 100;
/** A list that has not ended after this many pages is reported, not followed forever. */
const MAX_PAGES = 10_000;

export interface ScanOptions {
  /** Cluster names or ARNs; default every cluster ListClusters returns. */
  readonly clusters?: string[];
  /** Also every ACTIVE revision of every family (ListTaskDefinitions). */
  readonly allRevisions?: boolean;
  /** At most this many API calls in flight. */
  readonly concurrency: number;
  /** Progress lines for people (stderr). */
  readonly progress?: (line: string) => void;
}

export interface ServiceRecord {
  readonly clusterArn: string;
  readonly serviceArn: string;
  readonly serviceName: string;
  readonly status?: string;
  /** The service's task definition first, then those of its deployments and task sets, without repeats. */
  readonly taskDefinitionArns: string[];
}

export interface TaskRecord {
  readonly clusterArn: string;
  readonly taskArn: string;
  readonly taskDefinitionArn: string;
  readonly group?: string;
  readonly launchType?: string;
  readonly lastStatus?: string;
}

/** Something the audit could not read, and why. */
export interface Unreadable {
  /** What was being read: a cluster, a service or a task definition ARN. */
  readonly resource: string;
  readonly action: string;
  readonly error: string;
}

export interface ScanResult {
  readonly clusterArns: string[];
  readonly services: ServiceRecord[];
  readonly tasks: TaskRecord[];
  /** Every task definition named by a service, a task or (--all-revisions) ListTaskDefinitions. */
  readonly taskDefinitions: Map<string, TaskDefinition | undefined>;
  readonly unreadable: Unreadable[];
  /** API requests sent, by action (each attempt counts, retries included). */
  readonly requests: Record<string, number>;
  /** Commands issued, by action (one per logical call, whatever its retries). */
  readonly calls: Record<string, number>;
  /** The most API calls in flight at once. */
  readonly peakConcurrency: number;
}

/** An error that makes the whole audit impossible; its message is one line for people. */
export class AuditFatalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditFatalError';
  }
}

/** One line from any error, bounded, without control characters. */
export function oneLine(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function describeError(e: unknown): string {
  const err = e as { name?: string; message?: string; Code?: string };
  const name = err?.name && err.name !== 'Error' ? err.name : err?.Code;
  const message = oneLine(String(err?.message ?? e));
  return name && !message.startsWith(name) ? `${name}: ${message}` : message;
}

/**
 * When an error means no call can succeed, the one line that says so and what to do; otherwise
 * undefined (the error concerns one call and is recorded).
 */
export function fatalMessage(e: unknown, endpoint: string): string | undefined {
  const err = e as { name?: string; message?: string; code?: string; cause?: { code?: string }; $metadata?: { httpStatusCode?: number } };
  const name = err?.name ?? '';
  const message = String(err?.message ?? '');
  const code = err?.code ?? err?.cause?.code ?? '';
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return 'no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or sign in with `aws sso login`';
  }
  if (/Region is missing/i.test(message)) return 'no AWS region: set AWS_REGION (or a region in your AWS profile), or pass --region';
  if (/Invalid region/i.test(message)) return `invalid AWS region: ${oneLine(message)}`;
  if (['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'ExpiredToken', 'ExpiredTokenException', 'IncompleteSignature'].includes(name)) {
    const hint = name === 'UnrecognizedClientException' || name === 'InvalidClientTokenId' ? ' (invalid credentials, or a region not enabled for this account)' : '';
    return `AWS rejected the credentials (${name})${hint}: ${oneLine(message)}`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `cannot reach ECS at ${endpoint}: the host name does not resolve (is ECS offered in this region, and is the region right?)`;
  }
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'].includes(code) || name === 'TimeoutError') {
    return `cannot reach ECS at ${endpoint}: ${code || name} (${oneLine(message, 120)})`;
  }
  return undefined;
}

/** The short name of an ARN's last part: `arn:...:cluster/prod` → `prod`. */
export function arnName(arn: string): string {
  const slash = arn.lastIndexOf('/');
  return slash >= 0 ? arn.slice(slash + 1) : arn;
}

function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The endpoint the client talks to, for messages. */
export async function clientEndpoint(client: ECSClient): Promise<string> {
  try {
    const region = await client.config.region();
    const override = process.env.AWS_ENDPOINT_URL_ECS ?? process.env.AWS_ENDPOINT_URL;
    return override ?? `the ECS endpoint of ${region}`;
  } catch {
    return 'the ECS endpoint';
  }
}

/** Counts every request attempt by action (retries included), from inside the client. */
function countRequests(client: ECSClient, requests: Record<string, number>): void {
  const name = 'cdkEnforcedFargateAuditCountRequests';
  client.middlewareStack.remove(name); // a client scanned twice counts for the latest scan only
  client.middlewareStack.add(
    (next, context) => async args => {
      const action = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      requests[action] = (requests[action] ?? 0) + 1;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name },
  );
}

/** Scans the account; resolves to what it read and what it could not. Throws AuditFatalError only. */
export async function scanAccount(client: ECSClient, options: ScanOptions): Promise<ScanResult> {
  const limiter = new Limiter(options.concurrency);
  const requests: Record<string, number> = {};
  const calls: Record<string, number> = {};
  countRequests(client, requests);
  const endpoint = await clientEndpoint(client);
  const unreadable: Unreadable[] = [];
  const progress = options.progress ?? (() => undefined);

  let fatal: AuditFatalError | undefined;

  /** Sends one command; undefined (and a record) when it failed after the SDK's retries. */
  async function send<T>(action: string, resource: string, command: any): Promise<T | undefined> {
    try {
      return await limiter.run(() => {
        // Once the scan is doomed, the calls still waiting for a slot are not sent.
        if (fatal) throw fatal;
        calls[action] = (calls[action] ?? 0) + 1;
        return client.send(command) as Promise<T>;
      });
    } catch (e) {
      if (e instanceof AuditFatalError) throw e;
      const message = fatalMessage(e, endpoint);
      if (message) throw (fatal ??= new AuditFatalError(message));
      unreadable.push({ resource, action, error: describeError(e) });
      return undefined;
    }
  }

  /** Follows a list call's pages; returns what it read (a failed page is recorded, the rest kept). */
  async function listAll(action: string, resource: string, page: (token: string | undefined) => any, key: string): Promise<string[]> {
    const out: string[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    for (let pages = 0; ; pages++) {
      if (pages >= MAX_PAGES) {
        unreadable.push({ resource, action, error: `more than ${MAX_PAGES} pages; the rest was not read` });
        return out;
      }
      const response = await send<any>(action, resource, page(token));
      if (response === undefined) return out;
      const items = response[key];
      if (Array.isArray(items)) out.push(...items.filter((x: unknown): x is string => typeof x === 'string'));
      token = typeof response.nextToken === 'string' && response.nextToken !== '' ? response.nextToken : undefined;
      if (token === undefined) return out;
      if (seen.has(token)) {
        unreadable.push({ resource, action, error: 'the service returned the same page token twice; the rest was not read' });
        return out;
      }
      seen.add(token);
    }
  }

  // 1. Clusters.
  let clusterArns: string[];
  if (options.clusters && options.clusters.length > 0) {
    clusterArns = [...options.clusters];
  } else {
    clusterArns = await listAll('ListClusters', 'clusters', t => new ListClustersCommand({ nextToken: t, maxResults: PAGE_SIZE }), 'clusterArns');
    if (unreadable.length > 0 && clusterArns.length === 0) {
      throw new AuditFatalError(`cannot list the clusters: ${unreadable[0].error}`);
    }
  }
  progress(`audit: ${clusterArns.length} cluster(s)`);

  // 2. Services and running tasks of every cluster.
  const services: ServiceRecord[] = [];
  const tasks: TaskRecord[] = [];
  let clustersDone = 0;
  await Promise.all(clusterArns.map(async cluster => {
    const [serviceArns, taskArns] = await Promise.all([
      listAll('ListServices', cluster, t => new ListServicesCommand({ cluster, nextToken: t, maxResults: PAGE_SIZE }), 'serviceArns'),
      listAll('ListTasks', cluster, t => new ListTasksCommand({ cluster, nextToken: t, maxResults: PAGE_SIZE, desiredStatus: 'RUNNING' }), 'taskArns'),
    ]);
    await Promise.all([
      ...batches(serviceArns, DESCRIBE_SERVICES_BATCH).map(async batch => {
        const r = await send<any>('DescribeServices', cluster, new DescribeServicesCommand({ cluster, services: batch }));
        if (r === undefined) return;
        for (const f of r.failures ?? []) unreadable.push({ resource: String(f.arn ?? cluster), action: 'DescribeServices', error: oneLine(`${f.reason ?? 'failure'}${f.detail ? `: ${f.detail}` : ''}`) });
        for (const s of r.services ?? []) {
          if (s.status === 'INACTIVE') continue;
          const arns = [s.taskDefinition, ...(s.deployments ?? []).map((d: any) => d.taskDefinition), ...(s.taskSets ?? []).map((t: any) => t.taskDefinition)]
            .filter((x: unknown): x is string => typeof x === 'string' && x !== '');
          services.push({ clusterArn: s.clusterArn ?? cluster, serviceArn: s.serviceArn, serviceName: s.serviceName ?? arnName(String(s.serviceArn)), status: s.status, taskDefinitionArns: [...new Set(arns)] });
        }
      }),
      ...batches(taskArns, DESCRIBE_TASKS_BATCH).map(async batch => {
        const r = await send<any>('DescribeTasks', cluster, new DescribeTasksCommand({ cluster, tasks: batch }));
        if (r === undefined) return;
        for (const f of r.failures ?? []) unreadable.push({ resource: String(f.arn ?? cluster), action: 'DescribeTasks', error: oneLine(`${f.reason ?? 'failure'}${f.detail ? `: ${f.detail}` : ''}`) });
        for (const t of r.tasks ?? []) {
          if (typeof t.taskDefinitionArn !== 'string') {
            unreadable.push({ resource: String(t.taskArn), action: 'DescribeTasks', error: 'the task names no task definition' });
            continue;
          }
          tasks.push({ clusterArn: t.clusterArn ?? cluster, taskArn: t.taskArn, taskDefinitionArn: t.taskDefinitionArn, group: t.group, launchType: t.launchType, lastStatus: t.lastStatus });
        }
      }),
    ]);
    clustersDone++;
    progress(`audit: cluster ${clustersDone}/${clusterArns.length} read (${arnName(cluster)}: ${serviceArns.length} service(s), ${taskArns.length} running task(s))`);
  }));

  // 3. Task definitions: those in use, and on request every ACTIVE revision.
  const wanted = new Set<string>();
  for (const s of services) s.taskDefinitionArns.forEach(a => wanted.add(a));
  for (const t of tasks) wanted.add(t.taskDefinitionArn);
  if (options.allRevisions) {
    const active = await listAll('ListTaskDefinitions', 'task definitions', t => new ListTaskDefinitionsCommand({ status: 'ACTIVE', nextToken: t, maxResults: PAGE_SIZE }), 'taskDefinitionArns');
    active.forEach(a => wanted.add(a));
  }
  const taskDefinitions = new Map<string, TaskDefinition | undefined>();
  /** A reference that is not the ARN DescribeTaskDefinition answers with (e.g. `family:3`) → that ARN. */
  const aliases = new Map<string, string>();
  const refs = [...wanted].sort();
  progress(`audit: describing ${refs.length} task definition(s)`);
  let described = 0;
  const step = Math.max(100, Math.ceil(refs.length / 10));
  await Promise.all(refs.map(async ref => {
    const r = await send<any>('DescribeTaskDefinition', ref, new DescribeTaskDefinitionCommand({ taskDefinition: ref }));
    const td: TaskDefinition | undefined = r?.taskDefinition;
    if (r !== undefined && td === undefined) unreadable.push({ resource: ref, action: 'DescribeTaskDefinition', error: 'the answer held no task definition' });
    const arn = typeof td?.taskDefinitionArn === 'string' ? td.taskDefinitionArn : ref;
    if (arn !== ref) aliases.set(ref, arn);
    if (!taskDefinitions.has(arn) || td !== undefined) taskDefinitions.set(arn, td);
    described++;
    if (described % step === 0 && described < refs.length) progress(`audit: ${described}/${refs.length} task definitions described`);
  }));
  const canonical = (ref: string) => aliases.get(ref) ?? ref;
  const servicesOut = services.map(sv => ({ ...sv, taskDefinitionArns: [...new Set(sv.taskDefinitionArns.map(canonical))] }));
  const tasksOut = tasks.map(t => ({ ...t, taskDefinitionArn: canonical(t.taskDefinitionArn) }));

  return { clusterArns, services: servicesOut, tasks: tasksOut, taskDefinitions, unreadable, requests, calls, peakConcurrency: limiter.peak };
}
