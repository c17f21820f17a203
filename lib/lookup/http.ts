/**
 * One HTTP request with the limits a hostile server cannot get around: a deadline for the whole
 * exchange (headers and body), a byte limit on the body (read as a stream, never buffered beyond
 * the limit), no automatic redirects (the caller decides where credentials may go), and the
 * proxy that HTTPS_PROXY / HTTP_PROXY / NO_PROXY name (undici's EnvHttpProxyAgent: Node's own
 * fetch ignores those variables).
 */
import { Agent, Dispatcher, EnvHttpProxyAgent, fetch } from 'undici';

export type HttpFailureKind = 'registry unreachable' | 'timeout' | 'too large';

export class HttpFailure extends Error {
  constructor(public readonly kind: HttpFailureKind, message: string) {
    super(message);
  }
}

export interface HttpRequest {
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Bytes of a successful (2xx) body beyond which the request fails ('too large'). */
  readonly maxBytes: number;
  /** Deadline of the whole exchange, body included. */
  readonly timeoutMs: number;
  readonly dispatcher: Dispatcher;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  /** The body; for a status other than 2xx at most 64 KiB of it (it is only read for messages). */
  readonly body: Buffer;
}

/** The most of an error body read (for the registry's error message). */
const ERROR_BODY_BYTES = 64 * 1024;

/**
 * A dispatcher that goes through the proxies `env` names (HTTPS_PROXY for https URLs, falling
 * back to HTTP_PROXY; HTTP_PROXY for http URLs; NO_PROXY exempts hosts; lower-case names too, as
 * curl reads them). Close it when done.
 */
export function environmentDispatcher(env: NodeJS.ProcessEnv): Dispatcher {
  const httpProxy = env.http_proxy ?? env.HTTP_PROXY ?? '';
  const httpsProxy = env.https_proxy ?? env.HTTPS_PROXY ?? '';
  if (httpProxy === '' && httpsProxy === '') return new Agent();
  // undici calls its proxy agent experimental on stderr; the users of this command need not see that.
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: any[]) => {
    if (rest[0]?.code !== 'UNDICI-EHPA') (emitWarning as any).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return new EnvHttpProxyAgent({ httpProxy, httpsProxy, noProxy: env.no_proxy ?? env.NO_PROXY ?? '' });
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** Sends the request; throws HttpFailure for a network error, the deadline or the byte limit. */
export async function httpRequest(url: string, request: HttpRequest): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  const seconds = `${Math.round(request.timeoutMs / 100) / 10} s`;
  let res;
  try {
    res = await fetch(url, {
      method: request.method ?? 'GET',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal,
      dispatcher: request.dispatcher,
    });
  } catch (e) {
    if (signal.aborted) throw new HttpFailure('timeout', `no answer within ${seconds}`);
    throw new HttpFailure('registry unreachable', networkCause(e));
  }
  const ok = res.status >= 200 && res.status < 300;
  const limit = ok ? request.maxBytes : ERROR_BODY_BYTES;
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (ok && Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => undefined);
    throw new HttpFailure('too large', `the response declares ${declared} bytes, more than the limit of ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > limit) {
          await reader.cancel().catch(() => undefined);
          if (ok) throw new HttpFailure('too large', `the response is more than the limit of ${limit} bytes`);
          chunks.push(Buffer.from(value.subarray(0, value.byteLength - (size - limit))));
          break;
        }
        chunks.push(Buffer.from(value));
      }
    }
  } catch (e) {
    if (e instanceof HttpFailure) throw e;
    if (signal.aborted) throw new HttpFailure('timeout', `the response did not arrive within ${seconds}`);
    throw new HttpFailure('registry unreachable', `the connection failed while reading the response: ${networkCause(e)}`);
  }
  return { status: res.status, headers: res.headers as unknown as Headers, body: Buffer.concat(chunks) };
}

function networkCause(e: unknown): string {
  let err = e as { cause?: { code?: unknown; message?: unknown; cause?: unknown }; message?: unknown };
  // A proxy's refusal comes wrapped as "Request was cancelled" with the proxy's answer inside.
  if (err?.cause?.cause instanceof Error) err = { cause: err.cause.cause as any };
  const code = typeof err?.cause?.code === 'string' ? err.cause.code : undefined;
  const message = typeof err?.cause?.message === 'string' && err.cause.message !== '' ? err.cause.message : undefined;
  return code && message && !message.includes(code) ? `${code} (${message})` : code ?? message ?? String(err?.message ?? e);
}
