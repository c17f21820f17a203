/**
 * `cdk-enforced-fargate audit`: reports which task definitions that an AWS account's ECS services
 * and running tasks use (and, with --all-revisions, every ACTIVE revision) leave a container
 * unprotected, by the same coverage rule as the Guard rule. Read-only; credentials, region and
 * endpoint come the AWS SDK's standard way (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...).
 *
 * Exit codes: 0 every container protected or excluded with a reason (or nothing found), 1 an
 * unprotected container, something that could not be read, or an error, 2 usage.
 */
import { parseArgs } from 'util';
import { ECSClient } from '@aws-sdk/client-ecs';
import { Command, Io } from './io';
import { AuditReport, buildReport, formatTable } from '../audit/report';
import { AuditFatalError, fatalMessage, oneLine, scanAccount } from '../audit/scan';

const USAGE = `Usage: cdk-enforced-fargate audit [options]

Reads the account's ECS state (read-only) and reports, per service, running task and task
definition, whether every container is protected by the enforcer, excluded with a reason, or
unprotected (and why). Credentials, region and endpoint come the AWS SDK's standard way
(AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...).

Options:
  --region REGION       the region to audit (default: the SDK's, from AWS_REGION or the profile)
  --cluster NAME|ARN    audit this cluster only (repeatable; default every cluster)
  --all-revisions       also every ACTIVE revision of every task definition family
  --json                the report as JSON on stdout (schema cdk-enforced-fargate/audit-report@1)
  --concurrency N       at most N API calls in flight (default 8)
  --max-attempts N      attempts per API call, throttling retried with backoff (default 6)
  --quiet               no progress lines on stderr
  --help                this text

Exit codes: 0 all protected (or nothing found), 1 unprotected, not all read, or an error, 2 usage.`;

function positiveInt(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1 || n > max) {
    throw new Error(`--${name} must be a whole number from 1 to ${max}, got '${value}'`);
  }
  return n;
}

async function run(args: string[], io: Io): Promise<number> {
  let values;
  let concurrency: number;
  let maxAttempts: number;
  try {
    const parsed = parseArgs({
      args,
      allowPositionals: false,
      options: {
        'region': { type: 'string' },
        'cluster': { type: 'string', multiple: true },
        'all-revisions': { type: 'boolean' },
        'json': { type: 'boolean' },
        'concurrency': { type: 'string' },
        'max-attempts': { type: 'string' },
        'quiet': { type: 'boolean' },
        'help': { type: 'boolean', short: 'h' },
      },
    });
    values = parsed.values;
    concurrency = positiveInt('concurrency', values.concurrency, 8, 64);
    maxAttempts = positiveInt('max-attempts', values['max-attempts'], 6, 20);
  } catch (e) {
    io.err(`cdk-enforced-fargate audit: ${oneLine((e as Error).message)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }

  const client = new ECSClient({
    ...(values.region !== undefined ? { region: values.region } : {}),
    maxAttempts,
    retryMode: 'standard',
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
  const endpoint = process.env.AWS_ENDPOINT_URL_ECS ?? process.env.AWS_ENDPOINT_URL;
  try {
    let region: string;
    try {
      region = await client.config.region();
    } catch (e) {
      throw new AuditFatalError(fatalMessage(e, endpoint ?? 'ECS') ?? `no AWS region: ${oneLine(String((e as Error).message))}`);
    }
    const scan = await scanAccount(client, {
      clusters: values.cluster,
      allRevisions: values['all-revisions'] === true,
      concurrency,
      progress: values.quiet ? undefined : line => io.err(line),
    });
    const report: AuditReport = buildReport(scan, { region, endpoint, allRevisions: values['all-revisions'] === true });
    if (values.json) io.out(JSON.stringify(report, undefined, 2));
    else formatTable(report).forEach(line => io.out(line));
    return report.result === 'protected' || report.result === 'empty' ? 0 : 1;
  } catch (e) {
    const message = e instanceof AuditFatalError ? e.message : `unexpected error: ${oneLine(String((e as Error)?.message ?? e))}`;
    io.err(`cdk-enforced-fargate audit: ${message}`);
    return 1;
  } finally {
    client.destroy();
  }
}

/** The `audit` command. */
export const audit: Command = {
  summary: "report which task definitions an AWS account's ECS runs leave a container unprotected",
  run,
};
