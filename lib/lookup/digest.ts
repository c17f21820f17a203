/**
 * Content digests (`algorithm:hex`) as the OCI image spec defines them: sha256 and sha512 are
 * the registered algorithms; anything else is refused rather than trusted unchecked. Pure.
 */
import { createHash } from 'crypto';

const HEX_LENGTH: { [algorithm: string]: number } = { sha256: 64, sha512: 128 };

/** The algorithms this tool verifies. */
export const DIGEST_ALGORITHMS = Object.keys(HEX_LENGTH);

export interface Digest {
  readonly algorithm: string;
  readonly hex: string;
}

/** Parses a digest, or says why it is not one this tool can verify. */
export function parseDigest(text: unknown): Digest | string {
  if (typeof text !== 'string') return `expected a digest string, got ${JSON.stringify(text) ?? typeof text}`;
  const m = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(text);
  if (!m) return `'${text.slice(0, 150)}' is not a digest (expected algorithm:hex)`;
  const [, algorithm, hex] = m;
  const length = HEX_LENGTH[algorithm];
  if (length === undefined) {
    return `the digest algorithm '${algorithm}' is not one this tool can verify (${DIGEST_ALGORITHMS.join(', ')})`;
  }
  if (hex.length !== length || !/^[0-9a-f]+$/.test(hex)) {
    return `'${text}' is not a ${algorithm} digest (expected ${length} lower-case hex digits)`;
  }
  return { algorithm, hex };
}

/** The digest of `bytes` with `algorithm` (one of DIGEST_ALGORITHMS). */
export function computeDigest(algorithm: string, bytes: Uint8Array): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Whether `bytes` have the digest `expected` (already parsed). */
export function matchesDigest(expected: Digest, bytes: Uint8Array): boolean {
  return computeDigest(expected.algorithm, bytes) === `${expected.algorithm}:${expected.hex}`;
}
