/**
 * The entry-command rewrite: pure functions, no CDK imports.
 *
 * Docker's merge rule, which ECS follows (see ECS-FACTS.md §1):
 *
 * | task definition sets      | process argv                          |
 * |---------------------------|---------------------------------------|
 * | entryPoint and command    | entryPoint + command                  |
 * | entryPoint only           | entryPoint (the image CMD is dropped) |
 * | command only              | image ENTRYPOINT + command            |
 * | neither                   | image ENTRYPOINT + image CMD          |
 *
 * An empty `command` is the same as no `command` (Docker falls back to the image CMD when the
 * container's Cmd is empty). An empty `entryPoint` in a definition is ambiguous (ECS may pass it
 * as "reset the image ENTRYPOINT" or drop it) and is rejected by the caller.
 *
 * This module never mutates its inputs, never joins or splits an argv element, and treats every
 * element as opaque (CDK tokens stay as they are).
 */

/** The part of a container definition that decides its argv. */
export interface Argv {
  /** `undefined` means "not set in the task definition". */
  readonly entryPoint?: string[];
  /** `undefined` (or empty) means "not set in the task definition". */
  readonly command?: string[];
}

/** An image's own ENTRYPOINT and CMD. `undefined` means unknown; `[]` means the image has none. */
export interface ImageArgv {
  readonly entryPoint?: string[];
  readonly command?: string[];
}

/** What the rewrite needs from the image before it can run, when it is unknown. */
export type MissingImageDefault = 'entryPoint' | 'command';

export type WrapResult =
  | { readonly kind: 'wrapped'; readonly definition: Argv; readonly alreadyWrapped: boolean }
  | { readonly kind: 'missing'; readonly missing: MissingImageDefault[] }
  /** The definition and the image together name no program: Docker refuses to start it. */
  | { readonly kind: 'nothing' };

function startsWith(list: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length === 0 || list.length < prefix.length) return false;
  return prefix.every((v, i) => list[i] === v);
}

function isSet(list: readonly string[] | undefined): list is string[] {
  return list !== undefined && list.length > 0;
}

/**
 * Which image defaults the rewrite of this definition needs.
 *
 * - entryPoint set: nothing (the image ENTRYPOINT and CMD are both overridden or dropped).
 * - command only: the image ENTRYPOINT.
 * - neither: the image ENTRYPOINT and CMD.
 */
export function neededImageDefaults(definition: Argv): MissingImageDefault[] {
  if (definition.entryPoint !== undefined) return [];
  return isSet(definition.command) ? ['entryPoint'] : ['entryPoint', 'command'];
}

/**
 * The argv Docker starts for a definition on an image whose defaults are known.
 * This is the model the rewrite is proven against.
 */
export function processArgv(definition: Argv, image: Required<ImageArgv>): string[] {
  if (definition.entryPoint !== undefined) {
    return [...definition.entryPoint, ...(definition.command ?? [])];
  }
  return [...image.entryPoint, ...(isSet(definition.command) ? definition.command : image.command)];
}

/**
 * Rewrites a definition so that `prefix` (the enforcer binary and its fixed arguments) starts the
 * program the definition would have started:
 *
 * - `entryPoint = [...prefix, ...(definition.entryPoint ?? image.entryPoint)]`
 * - `command = definition.entryPoint ? definition.command : (definition.command ?? image.command)`
 *
 * A definition whose entryPoint already starts with `prefix` is returned unchanged (idempotence).
 * When an image default is needed and unknown the result says which, and nothing is guessed;
 * when the definition and the image name no program at all, the result says so.
 */
export function wrapEntryCommand(definition: Argv, prefix: readonly string[], image: ImageArgv = {}): WrapResult {
  if (prefix.length === 0) {
    throw new Error('wrapEntryCommand: the enforcer prefix must name at least the enforcer binary');
  }
  const command = isSet(definition.command) ? [...definition.command] : undefined;

  if (definition.entryPoint !== undefined) {
    if (startsWith(definition.entryPoint, prefix)) {
      return { kind: 'wrapped', alreadyWrapped: true, definition: { entryPoint: [...definition.entryPoint], command } };
    }
    return { kind: 'wrapped', alreadyWrapped: false, definition: { entryPoint: [...prefix, ...definition.entryPoint], command } };
  }

  const missing = neededImageDefaults(definition).filter(what => image[what] === undefined);
  if (missing.length > 0) return { kind: 'missing', missing };

  const imageCommand = command ?? image.command!;
  if (image.entryPoint!.length === 0 && imageCommand.length === 0) return { kind: 'nothing' };
  // An image whose own ENTRYPOINT already starts the enforcer is not wrapped a second time.
  const alreadyWrapped = startsWith(image.entryPoint!, prefix);
  return {
    kind: 'wrapped',
    alreadyWrapped,
    definition: {
      entryPoint: alreadyWrapped ? [...image.entryPoint!] : [...prefix, ...image.entryPoint!],
      command: imageCommand.length > 0 ? [...imageCommand] : undefined,
    },
  };
}
