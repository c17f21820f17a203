/**
 * Looks up a list of images one after another; one image's failure (whatever it is) is that
 * image's result and never stops the others. Shared by `lookup` and `drift`.
 */
import { Dispatcher } from 'undici';
import { CredentialsError, findCredentials } from './credentials';
import { parseImageReference } from './reference';
import { formatPlatform, LookupError, LookupFailure, LookupResult, lookupImage, parsePlatform } from './registry';
import { excerpt } from './text';

export interface LookupRequest {
  readonly reference: string;
  /** `os/arch[/variant]`. */
  readonly platform: string;
}

export interface BatchSettings {
  readonly dockerConfig: string;
  readonly insecureRegistries: string[];
  readonly timeoutMs: number;
  readonly dispatcher: Dispatcher;
  /** Called before each image when there is more than one (progress, on stderr). */
  readonly progress?: (line: string) => void;
}

export interface BatchOutcome {
  readonly request: LookupRequest;
  readonly result?: LookupResult;
  /** The context entry for a result. */
  readonly entry?: ImageDefaultsEntry;
  readonly error?: { readonly kind: LookupFailure | 'internal error'; readonly line: string };
}

/** A context entry as `lookup` writes it: what the construct reads, and what it was read from. */
export interface ImageDefaultsEntry {
  readonly entryPoint: string[];
  readonly command: string[];
  readonly digest: string;
  readonly platform: string;
  readonly source: string;
}

export async function lookupAll(requests: LookupRequest[], settings: BatchSettings): Promise<BatchOutcome[]> {
  const cache = new Map<string, ReturnType<typeof findCredentials> | Error>();
  const credentials = (registry: string) => {
    if (!cache.has(registry)) {
      try {
        cache.set(registry, findCredentials(registry, settings.dockerConfig));
      } catch (e) {
        cache.set(registry, e as Error);
      }
    }
    const found = cache.get(registry);
    if (found instanceof Error) throw found;
    return found;
  };
  const outcomes: BatchOutcome[] = [];
  let i = 0;
  for (const request of requests) {
    i++;
    if (requests.length > 1) settings.progress?.(`[${i}/${requests.length}] ${request.reference} (${request.platform}) ...`);
    outcomes.push(await lookupOne(request, settings, credentials));
  }
  return outcomes;
}

async function lookupOne(request: LookupRequest, settings: BatchSettings, credentials: (registry: string) => ReturnType<typeof findCredentials>): Promise<BatchOutcome> {
  const ref = parseImageReference(request.reference);
  if (typeof ref === 'string') return { request, error: { kind: 'bad reference', line: `${request.reference}: bad reference: ${ref}` } };
  const platform = parsePlatform(request.platform);
  if (typeof platform === 'string') return { request, error: { kind: 'bad reference', line: `${request.reference}: bad platform: ${platform}` } };
  try {
    const result = await lookupImage(ref, {
      platform, insecureRegistries: settings.insecureRegistries, credentials, timeoutMs: settings.timeoutMs, dispatcher: settings.dispatcher,
    });
    const entry: ImageDefaultsEntry = {
      entryPoint: result.entryPoint,
      command: result.command,
      digest: result.digest,
      platform: result.platform,
      source: `registry ${ref.registry}/${ref.repository} ${result.platform} ${result.manifestDigest}`,
    };
    return { request: { ...request, platform: formatPlatform(platform) }, result, entry };
  } catch (e) {
    if (e instanceof LookupError) return { request, error: { kind: e.kind, line: e.message } };
    if (e instanceof CredentialsError) return { request, error: { kind: 'credentials', line: `${request.reference}: credentials: ${e.message}` } };
    // A defect here must not cost the other images their results: report it as this image's.
    return { request, error: { kind: 'internal error', line: `${request.reference}: internal error: ${excerpt(String((e as Error)?.stack ?? e), 400)}` } };
  }
}
