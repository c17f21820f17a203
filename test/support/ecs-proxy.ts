/**
 * A tiny HTTP proxy on loopback between the audit and moto, for the audit's tests and benchmark:
 *
 * - **ECS's manners that moto lacks** (docs/audit.md lists them): list calls answer in pages
 *   (`maxResults`, default and maximum as ECS documents them, a `nextToken`), and describes refuse
 *   more than ECS's batch limit (DescribeServices 10, DescribeTasks 100) with ECS's error;
 * - **faults on demand**: answer chosen actions with an AWS error (AccessDeniedException,
 *   ThrottlingException, ...) always, or the first N times;
 * - **observation**: every request counted by action, the most requests in flight at once, and
 *   every action seen (so a test can assert that only read-only actions were called).
 *
 * ECS speaks JSON 1.1: the action is in `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Action>`.
 * Test support only.
 */
import * as http from 'http';
import * as net from 'net';

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';

/** For each paginated list action: the key of its list, ECS's default and maximum page size. */
const PAGED: Record<string, { key: string; defaultSize: number; maxSize: number }> = {
  ListClusters: { key: 'clusterArns', defaultSize: 100, maxSize: 100 },
  ListServices: { key: 'serviceArns', defaultSize: 10, maxSize: 100 },
  ListTasks: { key: 'taskArns', defaultSize: 100, maxSize: 100 },
  ListTaskDefinitions: { key: 'taskDefinitionArns', defaultSize: 100, maxSize: 100 },
};

/** ECS's batch limits for describes. */
const BATCH: Record<string, { key: string; max: number }> = {
  DescribeServices: { key: 'services', max: 10 },
  DescribeTasks: { key: 'tasks', max: 100 },
};

export interface Fault {
  /** The action to fail, e.g. 'DescribeTaskDefinition'. */
  readonly action: string;
  /** AWS error code, e.g. 'AccessDeniedException' or 'ThrottlingException'. */
  readonly code: string;
  /** HTTP status (default 400). */
  readonly status?: number;
  /** Only requests whose JSON body this accepts (default all). */
  readonly when?: (body: any) => boolean;
  /** Fail only this many times, then pass (default always). */
  times?: number;
}

export interface EcsProxy {
  readonly url: string;
  /** Requests by action (each attempt counts). */
  readonly requests: Record<string, number>;
  /** Requests answered with an injected fault, by action. */
  readonly faulted: Record<string, number>;
  /** Most requests in flight at once. */
  readonly peakInFlight: () => number;
  faults: Fault[];
  /** Clears counters and faults. */
  reset(): void;
  close(): Promise<void>;
}

function awsError(res: http.ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ __type: code, message });
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'proxy', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Starts the proxy on a free port of 127.0.0.1, forwarding to `upstream` (moto's URL). */
export async function startEcsProxy(upstream: string): Promise<EcsProxy> {
  const target = new URL(upstream);
  const requests: Record<string, number> = {};
  const faulted: Record<string, number> = {};
  let inFlight = 0;
  let peak = 0;
  const proxy = { faults: [] as Fault[] };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      res.on('close', () => { inFlight--; });
      const raw = Buffer.concat(chunks);
      const header = String(req.headers['x-amz-target'] ?? '');
      const action = header.startsWith(TARGET_PREFIX) ? header.slice(TARGET_PREFIX.length) : `(${req.method} ${req.url})`;
      requests[action] = (requests[action] ?? 0) + 1;
      let body: any = {};
      try { body = raw.length ? JSON.parse(raw.toString('utf8')) : {}; } catch { /* forwarded as is */ }

      const fault = proxy.faults.find(f => f.action === action && (f.times === undefined || f.times > 0) && (!f.when || f.when(body)));
      if (fault) {
        if (fault.times !== undefined) fault.times--;
        faulted[action] = (faulted[action] ?? 0) + 1;
        return awsError(res, fault.status ?? 400, fault.code, `injected by the test proxy for ${action}`);
      }
      const batch = BATCH[action];
      if (batch && Array.isArray(body[batch.key]) && body[batch.key].length > batch.max) {
        return awsError(res, 400, 'InvalidParameterException', `${batch.key} can have at most ${batch.max} items.`);
      }
      const paged = PAGED[action];
      let size = 0;
      let offset = 0;
      if (paged) {
        size = body.maxResults ?? paged.defaultSize;
        if (!Number.isInteger(size) || size < 1 || size > paged.maxSize) {
          return awsError(res, 400, 'InvalidParameterException', `maxResults must be between 1 and ${paged.maxSize}.`);
        }
        if (body.nextToken !== undefined) {
          const decoded = /^page:(\d+)$/.exec(Buffer.from(String(body.nextToken), 'base64').toString('utf8'));
          if (!decoded) return awsError(res, 400, 'InvalidParameterException', 'Invalid nextToken.');
          offset = Number(decoded[1]);
        }
      }

      const forward = http.request({
        host: target.hostname, port: target.port, method: req.method, path: req.url,
        headers: { ...req.headers, host: target.host, 'content-length': raw.length },
      }, up => {
        const parts: Buffer[] = [];
        up.on('data', c => parts.push(c));
        up.on('end', () => {
          let out = Buffer.concat(parts);
          if (paged && up.statusCode === 200) {
            const json = JSON.parse(out.toString('utf8'));
            const all: string[] = json[paged.key] ?? [];
            json[paged.key] = all.slice(offset, offset + size);
            if (offset + size < all.length) json.nextToken = Buffer.from(`page:${offset + size}`).toString('base64');
            else delete json.nextToken;
            out = Buffer.from(JSON.stringify(json));
          }
          const headers = { ...up.headers, 'content-length': String(out.length) };
          delete headers['transfer-encoding'];
          res.writeHead(up.statusCode ?? 502, headers);
          res.end(out);
        });
      });
      forward.on('error', e => awsError(res, 502, 'ProxyError', e.message));
      forward.end(raw);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    requests,
    faulted,
    peakInFlight: () => peak,
    reset: () => {
      for (const k of Object.keys(requests)) delete requests[k];
      for (const k of Object.keys(faulted)) delete faulted[k];
      peak = 0;
      proxy.faults = [];
    },
    close: () => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()); }),
  }) as EcsProxy;
}
