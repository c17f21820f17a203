/**
 * Reads and updates the image-defaults map in a CDK context file (`cdk.context.json`, or the
 * `"context"` object of `cdk.json`, which is where the CDK CLI reads context from that file).
 *
 * An update changes the text of that one key and nothing else: the rest of the file (other
 * keys, big integers, duplicate keys, formatting, a byte-order mark) is kept byte for byte: the
 * new text is spliced in at the offsets jsonc-parser's syntax tree gives. It is made under a lock
 * file, re-reading the file under the lock (concurrent runs lose nothing), and written to a
 * temporary file renamed over the old one (readers never see half a file). A file that cannot be
 * updated safely (not JSON, not an object, the key twice) is refused with the reason.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Node as JsonNode, parseTree } from 'jsonc-parser';
import { IMAGE_DEFAULTS_CONTEXT_KEY } from '../image-defaults';

/** The largest context file read. */
export const CONTEXT_FILE_MAX_BYTES = 16 * 1024 * 1024;
/** A lock file older than this is left over from a run that died, and is removed. */
const STALE_LOCK_MS = 60_000;

export class ContextFileError extends Error {}

/** Where the context lives in a file: at the top of cdk.context.json, under "context" in cdk.json. */
export function contextPath(file: string): string[] {
  const base = path.basename(file);
  return base === 'cdk.json' || base === '.cdk.json' ? ['context'] : [];
}

interface Parsed {
  readonly text: string;
  readonly bom: boolean;
  /** The image-defaults map's current value, if the key is there. */
  readonly map?: Record<string, unknown>;
}

function readText(file: string): { text: string; bom: boolean } | undefined {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (e: any) {
    if (e.code === 'ENOENT') return undefined;
    throw new ContextFileError(`cannot read it: ${e.message}`);
  }
  if (size > CONTEXT_FILE_MAX_BYTES) throw new ContextFileError(`it is ${size} bytes, more than the ${CONTEXT_FILE_MAX_BYTES} this tool reads`);
  const raw = fs.readFileSync(file, 'utf8');
  // The CDK CLI reads a file with a UTF-8 byte-order mark (fs-extra strips it); so does this.
  const bom = raw.startsWith('\uFEFF');
  return { text: bom ? raw.slice(1) : raw, bom };
}

/** The property nodes of an object node named `key`. */
function properties(node: JsonNode, key: string): JsonNode[] {
  return (node.children ?? []).filter(p => p.type === 'property' && p.children?.[0]?.value === key);
}

function parse(file: string): Parsed | undefined {
  const read = readText(file);
  if (read === undefined) return undefined;
  const { text, bom } = read;
  try {
    JSON.parse(text);
  } catch (e) {
    throw new ContextFileError(`it is not valid JSON (${(e as Error).message}); fix or remove it`);
  }
  const root = parseTree(text);
  if (root?.type !== 'object') throw new ContextFileError('it does not hold a JSON object');
  let node: JsonNode = root;
  const where: string[] = [];
  for (const key of [...contextPath(file), IMAGE_DEFAULTS_CONTEXT_KEY]) {
    const found = properties(node, key);
    where.push(key);
    const name = where.map(k => `'${k}'`).join(' > ');
    if (found.length > 1) {
      throw new ContextFileError(`it has the key ${name} ${found.length} times (the CDK reads only the last): keep one and run again`);
    }
    if (found.length === 0) return { text, bom };
    const value = found[0].children![1];
    if (value.type !== 'object') throw new ContextFileError(`its ${name} is not a JSON object`);
    node = value;
  }
  const map = JSON.parse(text.slice(node.offset, node.offset + node.length)) as Record<string, unknown>;
  return { text, bom, map };
}

/** The image-defaults entries of a context file ({} when the file or the key is absent). */
export function readImageDefaults(file: string): Record<string, unknown> {
  try {
    return parse(file)?.map ?? {};
  } catch (e) {
    throw e instanceof ContextFileError ? new ContextFileError(`${file}: ${e.message}`) : e;
  }
}

/**
 * Merges `entries` into the file's image-defaults map (each entry replaces the one of its image),
 * changing nothing else in the file. Throws ContextFileError when that cannot be done safely.
 */
export async function updateImageDefaults(file: string, entries: Record<string, unknown>, lockTimeoutMs = 30_000): Promise<void> {
  let target = file;
  try {
    target = fs.realpathSync(file); // write through a symbolic link, not over it
  } catch {
    // absent: created below
  }
  await withLock(target, lockTimeoutMs, () => {
    let parsed: Parsed | undefined;
    try {
      parsed = parse(target);
    } catch (e) {
      throw e instanceof ContextFileError ? new ContextFileError(`cannot update ${file}: ${e.message}`) : e;
    }
    const text = parsed?.text ?? '{}\n';
    const merged: Record<string, unknown> = { ...parsed?.map, ...entries };
    const sorted = Object.fromEntries(Object.keys(merged).sort().map(k => [k, merged[k]]));
    const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const keyPath = [...contextPath(file), IMAGE_DEFAULTS_CONTEXT_KEY];
    const updated = splice(text, keyPath, sorted, indent, eol);
    checkOnlyKeyChanged(text, updated, keyPath, sorted, file);
    writeAtomically(target, `${parsed?.bom ? '\uFEFF' : ''}${updated}`);
  });
}

/**
 * The text with the value at `keyPath` replaced by `value` (or the member added at the end of the
 * deepest object that exists), indented like the file; every other byte is kept.
 */
function splice(text: string, keyPath: string[], value: unknown, unit: string, eol: string): string {
  const render = (v: unknown, depth: number) => JSON.stringify(v, undefined, unit).split('\n').join(`${eol}${unit.repeat(depth)}`);
  let node = parseTree(text)!;
  let depth = 1;
  let i = 0;
  for (; i < keyPath.length; i++) {
    const prop = properties(node, keyPath[i])[0];
    if (prop === undefined) break;
    const valueNode = prop.children![1];
    if (i === keyPath.length - 1) {
      return `${text.slice(0, valueNode.offset)}${render(value, depth)}${text.slice(valueNode.offset + valueNode.length)}`;
    }
    node = valueNode;
    depth++;
  }
  let missing: unknown = value;
  for (let j = keyPath.length - 1; j > i; j--) missing = { [keyPath[j]]: missing };
  const member = `${JSON.stringify(keyPath[i])}: ${render(missing, depth)}`;
  const members = node.children ?? [];
  if (members.length > 0) {
    const end = members[members.length - 1].offset + members[members.length - 1].length;
    return `${text.slice(0, end)},${eol}${unit.repeat(depth)}${member}${text.slice(end)}`;
  }
  const close = node.offset + node.length - 1;
  return `${text.slice(0, node.offset + 1)}${eol}${unit.repeat(depth)}${member}${eol}${unit.repeat(depth - 1)}${text.slice(close)}`;
}

/** A last check that the edit did what it should: the key holds the map, the rest is unchanged. */
function checkOnlyKeyChanged(before: string, after: string, keyPath: string[], map: unknown, file: string): void {
  const strip = (doc: any) => {
    let node = doc;
    for (const key of keyPath.slice(0, -1)) node = node?.[key];
    const value = node?.[keyPath[keyPath.length - 1]];
    if (node && typeof node === 'object') delete node[keyPath[keyPath.length - 1]];
    return value;
  };
  const a = JSON.parse(before);
  const b = JSON.parse(after);
  const written = strip(b);
  strip(a);
  if (JSON.stringify(written) !== JSON.stringify(map) || JSON.stringify(a, dropEmpty(keyPath)) !== JSON.stringify(b, dropEmpty(keyPath))) {
    throw new ContextFileError(`cannot update ${file} safely (the edit would change more than '${keyPath.join(' > ')}'); left unchanged`);
  }
}

/** A JSON.stringify replacer that ignores a "context" object the edit created empty. */
function dropEmpty(keyPath: string[]) {
  return function (this: any, key: string, value: unknown) {
    if (keyPath.length > 1 && key === keyPath[0] && value && typeof value === 'object' && Object.keys(value).length === 0) return undefined;
    return value;
  };
}

function writeAtomically(file: string, content: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  let mode = 0o644;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    // a new file
  }
  try {
    const fd = fs.openSync(temp, 'wx', mode);
    try {
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw new ContextFileError(`cannot write ${file}: ${(e as Error).message}`);
  }
}

/** Runs `fn` holding `<file>.lock` (created exclusively; waits for another holder). */
async function withLock(file: string, timeoutMs: number, fn: () => void): Promise<void> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e: any) {
      if (e.code !== 'EEXIST') throw new ContextFileError(`cannot create the lock file ${lock}: ${e.message}`);
    }
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs > STALE_LOCK_MS) {
        fs.rmSync(lock, { force: true });
        continue;
      }
    } catch {
      continue; // released meanwhile
    }
    if (Date.now() > deadline) {
      throw new ContextFileError(`${lock} is held by another run (pid ${fs.readFileSync(lock, 'utf8').trim().slice(0, 20)}) for over ${timeoutMs / 1000} s; delete it if no lookup is running`);
    }
    await new Promise(r => setTimeout(r, 10 + Math.random() * 40));
  }
  try {
    fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
