/**
 * Where an image's own ENTRYPOINT and CMD come from.
 *
 * A CDK app cannot see a registry image's ENTRYPOINT/CMD at synthesis, and the rewrite must never
 * guess them (ECS-FACTS.md §1). This file holds the declared ones:
 *
 * - `imageDefaults[<container name>]` and `imageDefaults[<image name as written>]` on the task
 *   definition (e.g. `nginx:1.27`);
 * - the context key `cdk-enforced-fargate:imageDefaults` (cdk.json or cdk.context.json, written by
 *   `cdk-enforced-fargate lookup`), keyed by image name as written.
 *
 * The order of all sources, an asset image's Dockerfile among them, is in
 * container-image-defaults.ts.
 */

/**
 * An image's own ENTRYPOINT and CMD, as its Dockerfile or registry config declares them.
 *
 * Leave a field out when it is unknown; give an empty list when the image has none.
 */
export interface ImageDefaults {
  /**
   * The image's ENTRYPOINT, in exec form. `[]` declares that the image has no ENTRYPOINT.
   *
   * A shell-form `ENTRYPOINT cmd args` is stored by Docker as `["/bin/sh", "-c", "cmd args"]`:
   * give it that way.
   *
   * @default - unknown: a container that sets no `entryPoint` cannot be protected
   */
  readonly entryPoint?: string[];

  /**
   * The image's CMD, in exec form. `[]` declares that the image has no CMD.
   *
   * @default - unknown: a container that sets neither `entryPoint` nor `command` cannot be protected
   */
  readonly command?: string[];
}

/** The context key that holds image defaults keyed by image reference. */
export const IMAGE_DEFAULTS_CONTEXT_KEY = 'cdk-enforced-fargate:imageDefaults';

/** Image defaults together with where they were found (for messages). */
export interface FoundImageDefaults {
  readonly defaults: ImageDefaults;
  readonly source: string;
  /** The platform a context entry was looked up for (`linux/amd64`), when it records one. */
  readonly platform?: string;
  /** The image name the entry is filed under (for messages). */
  readonly imageName?: string;
}

/** A platform as `lookup` records it: Linux only (the construct refuses Windows tasks). */
const PLATFORM = /^linux\/[a-z0-9_.-]+(?:\/[a-z0-9_.-]+)?$/;

/**
 * Why a context entry looked up for `recorded` (e.g. `linux/amd64`, as `lookup` writes it) cannot
 * serve a task on `taskPlatform` (`linux/arm64`), or undefined when it can (or records none).
 * Variants are not compared: a task names only an architecture.
 */
export function platformMismatch(recorded: string | undefined, taskPlatform: string, imageName: string, lookupCommand: string): string | undefined {
  if (recorded === undefined) return undefined;
  const arch = (p: string) => p.split('/').slice(0, 2).join('/');
  if (arch(recorded) === arch(taskPlatform)) return undefined;
  return `context '${IMAGE_DEFAULTS_CONTEXT_KEY}' entry '${imageName}' was looked up for ${recorded}, but the task runs on ${arch(taskPlatform)}: an image's ENTRYPOINT/CMD may differ between platforms. Run \`${lookupCommand}\` (it replaces the entry), or give the task the architecture the entry was read for`;
}

/**
 * Checks one declared entry and returns it as `ImageDefaults`, or a message that says what is wrong.
 */
export function parseImageDefaults(value: unknown, where: string): ImageDefaults | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return `${where} must be an object like { "entryPoint": ["/docker-entrypoint.sh"], "command": ["nginx", "-g", "daemon off;"] }, got ${JSON.stringify(value)}`;
  }
  const record = value as Record<string, unknown>;
  const unknownKeys = Object.keys(record).filter(k => !['entryPoint', 'command', 'digest', 'source', 'platform'].includes(k));
  if (unknownKeys.length > 0) {
    return `${where} has unknown key(s) ${unknownKeys.map(k => `'${k}'`).join(', ')}: only 'entryPoint' and 'command' are read ('digest', 'platform' and 'source' are recorded by lookup)`;
  }
  const platform = record.platform;
  if (platform !== undefined && (typeof platform !== 'string' || !PLATFORM.test(platform))) {
    return `${where}.platform must be 'linux/ARCH' or 'linux/ARCH/VARIANT' (the platform lookup read the image for), got ${JSON.stringify(platform)}`;
  }
  for (const key of ['entryPoint', 'command'] as const) {
    const list = record[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some(v => typeof v !== 'string')) {
      return `${where}.${key} must be a list of strings (one argv element each), got ${JSON.stringify(list)}`;
    }
  }
  return { entryPoint: record.entryPoint as string[] | undefined, command: record.command as string[] | undefined };
}

/**
 * Finds the declared defaults for a container: by container name, then by image name, in the
 * task's own `imageDefaults`, then by image name in the context map.
 */
export function findImageDefaults(
  containerName: string,
  imageName: string | undefined,
  declared: { [name: string]: ImageDefaults } | undefined,
  context: { [image: string]: unknown } | undefined,
): FoundImageDefaults | string | undefined {
  if (declared && Object.prototype.hasOwnProperty.call(declared, containerName)) {
    return { defaults: declared[containerName], source: `imageDefaults['${containerName}']` };
  }
  if (imageName !== undefined && declared && Object.prototype.hasOwnProperty.call(declared, imageName)) {
    return { defaults: declared[imageName], source: `imageDefaults['${imageName}']` };
  }
  if (imageName !== undefined && context && Object.prototype.hasOwnProperty.call(context, imageName)) {
    const where = `context '${IMAGE_DEFAULTS_CONTEXT_KEY}' entry '${imageName}'`;
    const parsed = parseImageDefaults(context[imageName], where);
    if (typeof parsed === 'string') return parsed;
    const platform = (context[imageName] as Record<string, unknown>).platform as string | undefined;
    return { defaults: parsed, source: where, platform, imageName };
  }
  return undefined;
}

/**
 * A copy of declared image defaults (`imageDefaults` props), lists included, so that changing the
 * caller's objects after the props were checked changes nothing. Malformed values are kept as
 * given, for the check to report.
 */
export function copyImageDefaults(value: unknown): { [name: string]: ImageDefaults } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return value as { [name: string]: ImageDefaults };
  const copy: { [name: string]: ImageDefaults } = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      copy[key] = entry;
      continue;
    }
    const record = entry as { [k: string]: unknown };
    const lists: { [k: string]: unknown } = {};
    for (const k of ['entryPoint', 'command']) if (Array.isArray(record[k])) lists[k] = [...(record[k] as unknown[])];
    copy[key] = { ...record, ...lists } as ImageDefaults;
  }
  return copy;
}

