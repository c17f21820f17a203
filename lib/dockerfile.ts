/**
 * Reads the ENTRYPOINT and CMD an image built from a Dockerfile will have: pure, no CDK imports.
 *
 * `dockerfile-ast` finds the instructions, stages, the `# escape=` directive and the parts of each
 * instruction; the Docker semantics on top of it are the builder's (moby/buildkit's Dockerfile
 * frontend), reproduced here rule by rule:
 *
 * - the target stage (default: the last), and `FROM <earlier stage>` chains, which inherit the
 *   earlier stage's ENTRYPOINT, CMD and SHELL;
 * - `FROM scratch` starts with no ENTRYPOINT and no CMD; any other external base leaves them to
 *   that image (the result says which base, so that other sources can be asked about it);
 * - a line ending in the escape character (`\` or the `# escape=` one) continues on the next
 *   line; comment lines and empty lines inside a continuation are skipped; nothing else is
 *   unescaped;
 * - exec form is a JSON array of strings (JSON's own escapes); an argument that starts with `[`
 *   but is not valid JSON is shell form; a JSON array holding a non-string is a build error;
 * - shell form is `[...SHELL, text]`, SHELL defaulting to `["/bin/sh", "-c"]`;
 * - instructions are case-insensitive;
 * - `ARG`s declared before the first `FROM` are substituted in `FROM` (build args override
 *   their defaults); Docker substitutes nothing inside ENTRYPOINT or CMD, and neither does this;
 * - ENTRYPOINT resets a CMD inherited from the base (not one set earlier in the same stage);
 * - exec form is read as Go's `json.Decoder` reads it: the first JSON value (text after it is
 *   ignored, as `CMD ["a"] b` builds `["a"]`), and a lone UTF-16 surrogate escape (`"\ud800"`)
 *   becomes U+FFFD;
 * - `ONBUILD <instruction>` in a stage is recorded; a later stage built `FROM` that stage runs
 *   the recorded triggers first (so `ONBUILD ENTRYPOINT`/`CMD`/`SHELL` count there, as in this
 *   stage's own instructions), and does not pass them on to stages built from it. `ONBUILD
 *   ONBUILD`, `ONBUILD FROM` and `ONBUILD MAINTAINER` are build errors. (buildah applies them
 *   only when it builds in the `docker` format; in its default OCI format it ignores ONBUILD.)
 *
 * Not modelled: ONBUILD triggers of an external base image, heredocs in ENTRYPOINT/CMD, and a
 * SHELL set by an external base image (Linux images essentially never set one).
 */
import { DockerfileParser, Instruction, Onbuild } from 'dockerfile-ast';

/** Where to start reading, as the asset's build options say. */
export interface DockerfileReadOptions {
  /** The build stage to read (`--target`). Default: the last stage. */
  readonly target?: string;
  /** The build args (`--build-arg`), substituted in `FROM` only. */
  readonly buildArgs?: { [name: string]: string };
}

/** The ENTRYPOINT and CMD an image built from the Dockerfile has. */
export interface DockerfileDefaults {
  /** `undefined`: left to `baseImage`. `[]`: the image has no ENTRYPOINT. */
  readonly entryPoint?: string[];
  /** `undefined`: left to `baseImage`. `[]`: the image has no CMD. */
  readonly command?: string[];
  /**
   * The external image (after build-arg substitution) the target stage's chain starts from;
   * absent for `scratch`. Where `entryPoint` or `command` is `undefined`, this image decides it.
   */
  readonly baseImage?: string;
  /** The stage read: its name, or its index when it has none. */
  readonly stage: string;
}

const DEFAULT_SHELL = ['/bin/sh', '-c'];

interface Stage {
  readonly name?: string;
  readonly index: number;
  readonly from: string;
  readonly instructions: Instruction[];
}

interface StageState {
  entryPoint?: string[];
  command?: string[];
  shell: string[];
  baseImage?: string;
  /** The stage's own `ONBUILD` triggers, run by a stage built `FROM` it. */
  onBuild: Instruction[];
}

/** Instructions Docker refuses as an `ONBUILD` trigger. */
const NOT_TRIGGERS = ['ONBUILD', 'FROM', 'MAINTAINER'];

/** Thrown for a Dockerfile Docker itself would refuse to build, or a target it does not have. */
export class DockerfileError extends Error {}

/**
 * The ENTRYPOINT and CMD of the image the Dockerfile `content` builds.
 *
 * @throws DockerfileError when Docker would fail to build it, or the target stage does not exist
 */
export function readDockerfileDefaults(content: string, options: DockerfileReadOptions = {}): DockerfileDefaults {
  const dockerfile = DockerfileParser.parse(content);
  const escape = dockerfile.getEscapeCharacter();
  const instructions = dockerfile.getInstructions();

  // Global ARGs: the ones before the first FROM, with the build args overriding their defaults.
  const globals: { [name: string]: string | undefined } = {};
  const stages: Stage[] = [];
  let current: { name?: string; from: string; instructions: Instruction[] } | undefined;
  for (const instruction of instructions) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const args = splitWords(joinLines(instruction, escape));
      const words = args.filter(w => !w.startsWith('--'));
      if (words.length === 0) throw new DockerfileError(`line ${line(instruction)}: FROM names no image`);
      const from = substitute(words[0], globals, escape);
      const name = words.length >= 3 && words[1].toLowerCase() === 'as' ? words[2].toLowerCase() : undefined;
      if (current) stages.push({ ...current, index: stages.length });
      current = { name, from, instructions: [] };
    } else if (!current) {
      if (keyword === 'ARG') {
        for (const word of splitWords(joinLines(instruction, escape))) {
          const eq = word.indexOf('=');
          const key = eq < 0 ? word : word.slice(0, eq);
          const fallback = eq < 0 ? undefined : unquote(word.slice(eq + 1));
          const given = options.buildArgs && Object.prototype.hasOwnProperty.call(options.buildArgs, key) ? options.buildArgs[key] : undefined;
          globals[key] = given ?? fallback;
        }
      }
      // Parser directives and comments are not instructions; anything else before FROM is an error for Docker.
      else throw new DockerfileError(`line ${line(instruction)}: ${instruction.getInstruction()} before the first FROM`);
    } else {
      current.instructions.push(instruction);
    }
  }
  if (current) stages.push({ ...current, index: stages.length });
  if (stages.length === 0) throw new DockerfileError('the Dockerfile has no FROM instruction');

  let target: Stage;
  if (options.target !== undefined) {
    const found = stages.find(s => s.name === options.target!.toLowerCase());
    if (!found) {
      const names = stages.map(s => s.name).filter(n => n !== undefined);
      throw new DockerfileError(`target stage '${options.target}' is not in the Dockerfile (named stages: ${names.length > 0 ? names.join(', ') : 'none'})`);
    }
    target = found;
  } else {
    target = stages[stages.length - 1];
  }

  const state = resolveStage(target, stages, escape);
  return {
    entryPoint: state.entryPoint,
    command: state.command,
    baseImage: state.baseImage,
    stage: target.name ?? String(target.index),
  };
}

function resolveStage(stage: Stage, stages: Stage[], escape: string): StageState {
  // A FROM names an earlier stage when a stage of that name precedes it (names are case-insensitive).
  const base = stages.slice(0, stage.index).reverse().find(s => s.name === stage.from.toLowerCase());
  let state: StageState;
  let triggers: Instruction[] = [];
  if (base) {
    const inherited = resolveStage(base, stages, escape);
    // The base stage's triggers run here, first; they are not passed on to grandchildren.
    triggers = inherited.onBuild;
    state = { ...inherited, onBuild: [] };
  } else if (stage.from.toLowerCase() === 'scratch') {
    state = { entryPoint: [], command: [], shell: DEFAULT_SHELL, onBuild: [] };
  } else {
    state = { shell: DEFAULT_SHELL, baseImage: stage.from, onBuild: [] };
  }
  const stageState = { commandSet: false };
  for (const trigger of triggers) apply(trigger, state, stageState, escape);
  for (const instruction of stage.instructions) {
    if (instruction.getKeyword() === 'ONBUILD') {
      state.onBuild.push(onBuildTrigger(instruction));
    } else {
      apply(instruction, state, stageState, escape);
    }
  }
  return state;
}

/** Applies one instruction (of the stage, or a trigger it runs) to the image config being built. */
function apply(instruction: Instruction, state: StageState, stage: { commandSet: boolean }, escape: string): void {
  const keyword = instruction.getKeyword();
  if (keyword === 'SHELL') {
    const value = parseMaybeJson(instruction, escape);
    if (value.kind !== 'exec') throw new DockerfileError(`line ${line(instruction)}: SHELL requires the arguments to be in JSON form`);
    state.shell = value.argv;
  } else if (keyword === 'CMD') {
    state.command = argv(instruction, escape, state.shell);
    stage.commandSet = true;
  } else if (keyword === 'ENTRYPOINT') {
    state.entryPoint = argv(instruction, escape, state.shell);
    // Docker: a new ENTRYPOINT drops the CMD inherited from the base, unless this stage set CMD.
    if (!stage.commandSet) state.command = [];
  }
}

/** The instruction an `ONBUILD` records, refused where Docker refuses it. */
function onBuildTrigger(instruction: Instruction): Instruction {
  const trigger = (instruction as Onbuild).getTriggerInstruction?.();
  if (!trigger) throw new DockerfileError(`line ${line(instruction)}: ONBUILD names no instruction`);
  const keyword = trigger.getKeyword();
  if (NOT_TRIGGERS.includes(keyword)) {
    throw new DockerfileError(`line ${line(instruction)}: ${keyword} isn't allowed as an ONBUILD trigger`);
  }
  return trigger;
}

function argv(instruction: Instruction, escape: string, shell: string[]): string[] {
  const value = parseMaybeJson(instruction, escape);
  if (value.kind === 'exec') return value.argv;
  if (value.text === '') return [];
  return [...shell, value.text];
}

type Parsed = { kind: 'exec'; argv: string[] } | { kind: 'shell'; text: string };

/** Docker's parseMaybeJSON: a JSON array of strings is exec form, anything else shell form. */
function parseMaybeJson(instruction: Instruction, escape: string): Parsed {
  const text = joinLines(instruction, escape).trim();
  if (text.startsWith('[')) {
    const parsed = firstJsonValue(text);
    if (Array.isArray(parsed)) {
      if (parsed.some(v => typeof v !== 'string')) {
        throw new DockerfileError(`line ${line(instruction)}: ${instruction.getKeyword()} ${text}: Docker refuses a JSON array that holds a non-string`);
      }
      return { kind: 'exec', argv: (parsed as string[]).map(wellFormed) };
    }
  }
  return { kind: 'shell', text };
}

/**
 * The first JSON value of `text` as Go's `json.Decoder.Decode` reads it (Docker's parser uses
 * it): text after a complete value is ignored. `undefined` when it is not valid JSON.
 */
function firstJsonValue(text: string): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '[' || c === '{') {
      depth++;
    } else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        try {
          return JSON.parse(text.slice(0, i + 1));
        } catch {
          return undefined;
        }
      }
    }
  }
  return undefined;
}

/** A string with each lone UTF-16 surrogate replaced by U+FFFD, as Go's JSON decoder does. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * The instruction's arguments as Docker's parser sees them: each line that ends in the escape
 * character (plus trailing blanks) is joined to the next without that character; comment lines
 * and blank lines inside the continuation are skipped. Nothing else is unescaped.
 */
function joinLines(instruction: Instruction, escape: string): string {
  const raw = instruction.getRawArgumentsContent() ?? '';
  const lines = raw.split(/\r?\n/);
  const continuation = new RegExp(`${escapeRegExp(escape)}[ \\t]*$`);
  let out = '';
  lines.forEach((l, i) => {
    if (i > 0 && (/^\s*#/.test(l) || /^\s*$/.test(l))) return;
    out += continuation.test(l) ? l.replace(continuation, '') : l;
  });
  return out;
}

function splitWords(text: string): string[] {
  return text.trim().split(/[ \t]+/).filter(w => w.length > 0);
}

function unquote(value: string): string {
  if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) {
    return value.slice(1, -1);
  }
  return value;
}

/**
 * Docker's variable expansion as used in FROM: `$NAME`, `${NAME}`, `${NAME:-word}`,
 * `${NAME-word}`, `${NAME:+word}`, `${NAME+word}`; the escape character makes `$` literal.
 */
function substitute(word: string, vars: { [name: string]: string | undefined }, escape: string): string {
  let out = '';
  for (let i = 0; i < word.length; i++) {
    const c = word[i];
    if (c === escape && i + 1 < word.length) {
      out += word[i + 1];
      i++;
      continue;
    }
    if (c !== '$') {
      out += c;
      continue;
    }
    if (word[i + 1] === '{') {
      const end = word.indexOf('}', i + 2);
      if (end < 0) throw new DockerfileError(`missing '}' in ${word}`);
      const body = word.slice(i + 2, end);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-+])(.*))?$/.exec(body);
      if (!m) throw new DockerfileError(`unsupported variable expression \${${body}} in ${word}`);
      const [, name, colon, op, alt] = m;
      const has = Object.prototype.hasOwnProperty.call(vars, name) && vars[name] !== undefined;
      const value = has ? vars[name]! : '';
      const set = colon ? value !== '' : has;
      if (op === '-') out += set ? value : substitute(alt, vars, escape);
      else if (op === '+') out += set ? substitute(alt, vars, escape) : '';
      else out += value;
      i = end;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(word.slice(i + 1));
    if (!m) {
      out += c;
      continue;
    }
    out += vars[m[0]] ?? '';
    i += m[0].length;
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function line(instruction: Instruction): number {
  return instruction.getRange().start.line + 1;
}
