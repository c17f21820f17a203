/** Image references as Docker reads them (`nginx:1.27` is `docker.io/library/nginx:1.27`). Pure. */
import { parseDigest } from './digest';

export interface ImageReference {
  /** The reference as the user wrote it (the context key). */
  readonly original: string;
  /** Registry host[:port] as written (`docker.io` for Docker Hub). */
  readonly registry: string;
  /** The host the Registry API is served on (`registry-1.docker.io` for Docker Hub). */
  readonly apiHost: string;
  /** Repository path (`library/nginx`). */
  readonly repository: string;
  /** Tag or digest to ask the registry for. */
  readonly reference: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Parses an image reference, or returns why it is not one. */
export function parseImageReference(original: string): ImageReference | string {
  let rest = original;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const parsed = parseDigest(digest);
    if (typeof parsed === 'string') return `'${original}' has a digest this tool cannot verify: ${parsed}`;
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return `'${original}' has a malformed tag '${tag}'`;
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
    registry = parts.shift()!;
  }
  if (!/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::\d+)?$/.test(registry)) {
    return `'${original}' names the registry '${registry}', which is not a host[:port]`;
  }
  if (registry === 'index.docker.io') registry = 'docker.io';
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  if (parts.length === 0 || parts.some(p => !COMPONENT.test(p))) {
    return `'${original}' is not an image reference (expected [registry/]repository[:tag][@digest], lower-case repository)`;
  }
  return {
    original,
    registry,
    apiHost: registry === 'docker.io' ? 'registry-1.docker.io' : registry,
    repository: parts.join('/'),
    reference: digest ?? tag ?? 'latest',
  };
}

/** True for a registry host on a loopback address (where plain HTTP is allowed). */
export function isLoopback(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.split(':')[0];
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}
