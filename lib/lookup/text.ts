/** Text from registries, helpers and files, made safe to print on a terminal. Pure. */

/**
 * C0 and C1 control characters (ESC, CSI, BEL, ...), DEL, and the Unicode bidirectional and
 * line/paragraph controls that can make a terminal line read differently from its bytes.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Replaces every control character by its `\u{XX}` spelling; the printable rest is unchanged. */
export function sanitize(text: string): string {
  return text.replace(UNSAFE, c => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** Sanitized and cut to `max` characters (with a note of how much was cut). */
export function excerpt(text: string, max = 200): string {
  const clean = sanitize(text);
  return clean.length <= max ? clean : `${clean.slice(0, max)}... (${clean.length - max} more characters)`;
}
