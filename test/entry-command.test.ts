import * as fc from 'fast-check';
import { Argv, ImageArgv, neededImageDefaults, processArgv, wrapEntryCommand } from '../lib/entry-command';

const W = ['/aqua/microenforcer'];
const NGINX: Required<ImageArgv> = { entryPoint: ['/docker-entrypoint.sh'], command: ['nginx', '-g', 'daemon off;'] };
const TOKEN = '${Token[TOKEN.42]}';

function wrapped(definition: Argv, prefix: string[] = W, image: ImageArgv = NGINX): Argv {
  const result = wrapEntryCommand(definition, prefix, image);
  if (result.kind !== 'wrapped') throw new Error(`expected a rewrite, got ${JSON.stringify(result)}`);
  return result.definition;
}

describe('entry-command rewrite', () => {
  describe('the four argv cases of ECS-FACTS §1', () => {
    test('entryPoint and command: the prefix goes before entryPoint, command is kept', () => {
      expect(wrapped({ entryPoint: ['/app', '-v'], command: ['serve', 'a b'] }))
        .toEqual({ entryPoint: ['/aqua/microenforcer', '/app', '-v'], command: ['serve', 'a b'] });
    });

    test('entryPoint only: no command is added (the image CMD stays dropped)', () => {
      expect(wrapped({ entryPoint: ['/app'] })).toEqual({ entryPoint: ['/aqua/microenforcer', '/app'], command: undefined });
    });

    test('command only: the image ENTRYPOINT is made explicit after the prefix', () => {
      expect(wrapped({ command: ['nginx', '-g', 'daemon off;'] }))
        .toEqual({ entryPoint: ['/aqua/microenforcer', '/docker-entrypoint.sh'], command: ['nginx', '-g', 'daemon off;'] });
    });

    test('neither: the image ENTRYPOINT and CMD both become explicit', () => {
      expect(wrapped({})).toEqual({ entryPoint: ['/aqua/microenforcer', '/docker-entrypoint.sh'], command: ['nginx', '-g', 'daemon off;'] });
    });

    test('neither, on an image with no ENTRYPOINT: the CMD is the program', () => {
      expect(wrapped({}, W, { entryPoint: [], command: ['/bin/sh', '-c', 'echo "hi"'] }))
        .toEqual({ entryPoint: ['/aqua/microenforcer'], command: ['/bin/sh', '-c', 'echo "hi"'] });
    });

    test('neither, on an image with no CMD: no command is written', () => {
      expect(wrapped({}, W, { entryPoint: ['/init'], command: [] })).toEqual({ entryPoint: ['/aqua/microenforcer', '/init'], command: undefined });
    });

    test('an image with neither ENTRYPOINT nor CMD and a definition with neither name no program', () => {
      expect(wrapEntryCommand({}, W, { entryPoint: [], command: [] })).toEqual({ kind: 'nothing' });
      expect(wrapEntryCommand({ command: [] }, W, { entryPoint: [], command: [] })).toEqual({ kind: 'nothing' });
      expect(wrapEntryCommand({ command: ['x'] }, W, { entryPoint: [], command: [] }).kind).toBe('wrapped');
    });

    test('an empty command is the same as no command', () => {
      expect(wrapped({ command: [] })).toEqual(wrapped({}));
    });

    test('fixed enforcer arguments sit between the binary and the program', () => {
      expect(wrapped({ entryPoint: ['/app'] }, ['/var/lib/twistlock/fargate/defender', 'fargate', 'entrypoint']))
        .toEqual({ entryPoint: ['/var/lib/twistlock/fargate/defender', 'fargate', 'entrypoint', '/app'], command: undefined });
    });
  });

  describe('with tokens', () => {
    test('a token element stays one opaque element in entryPoint and command', () => {
      expect(wrapped({ entryPoint: ['/app', TOKEN], command: ['--port', TOKEN] }))
        .toEqual({ entryPoint: ['/aqua/microenforcer', '/app', TOKEN], command: ['--port', TOKEN] });
    });

    test('a whole-list token command is passed through untouched when entryPoint is set', () => {
      const listToken = ['#{Token[TOKEN.7]}'];
      const out = wrapped({ entryPoint: ['/app'], command: listToken });
      expect(out.command).toEqual(listToken);
      expect(out.command).not.toBe(listToken);
    });

    test('a token in the image defaults is kept as is', () => {
      expect(wrapped({ command: ['x'] }, W, { entryPoint: [TOKEN] })).toEqual({ entryPoint: ['/aqua/microenforcer', TOKEN], command: ['x'] });
    });
  });

  describe('unknown image defaults', () => {
    test('command only needs the image ENTRYPOINT', () => {
      expect(wrapEntryCommand({ command: ['x'] }, W, {})).toEqual({ kind: 'missing', missing: ['entryPoint'] });
      expect(wrapEntryCommand({ command: ['x'] }, W, { command: ['unused'] })).toEqual({ kind: 'missing', missing: ['entryPoint'] });
    });

    test('neither needs the image ENTRYPOINT and CMD', () => {
      expect(wrapEntryCommand({}, W, {})).toEqual({ kind: 'missing', missing: ['entryPoint', 'command'] });
      expect(wrapEntryCommand({}, W, { entryPoint: [] })).toEqual({ kind: 'missing', missing: ['command'] });
    });

    test('entryPoint set needs nothing from the image', () => {
      expect(neededImageDefaults({ entryPoint: ['/app'] })).toEqual([]);
      expect(wrapEntryCommand({ entryPoint: ['/app'] }, W, {}).kind).toBe('wrapped');
    });
  });

  describe('idempotence and purity', () => {
    test('a definition already starting with the prefix is not prefixed twice', () => {
      const once = wrapped({ command: ['nginx'] });
      const twice = wrapEntryCommand(once, W, {});
      expect(twice).toEqual({ kind: 'wrapped', alreadyWrapped: true, definition: once });
    });

    test('an image ENTRYPOINT that already starts the enforcer is not prefixed again', () => {
      const result = wrapEntryCommand({}, W, { entryPoint: ['/aqua/microenforcer', '/init'], command: [] });
      expect(result).toEqual({ kind: 'wrapped', alreadyWrapped: true, definition: { entryPoint: ['/aqua/microenforcer', '/init'], command: undefined } });
    });

    test('an empty prefix is a programming error', () => {
      expect(() => wrapEntryCommand({}, [], NGINX)).toThrow(/prefix must name at least the enforcer binary/);
    });
  });
});

describe('entry-command properties (fast-check)', () => {
  // Arbitrary argv elements: unicode, empty strings, quotes, spaces, $, ;, newlines, backslashes.
  const element = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.constantFrom('', ' ', '"', "'", '$HOME', '${X}', 'a b', 'daemon off;', '\n', '\\', '-c', '--', '$(id)', '`id`', '*'),
  );
  const argv = fc.array(element, { maxLength: 6 });
  const optionalArgv = fc.option(argv, { nil: undefined });
  // A definition never starts with the enforcer binary by chance (that case is "already wrapped").
  const definition: fc.Arbitrary<Argv> = fc.record({
    entryPoint: fc.option(fc.array(element, { minLength: 1, maxLength: 6 }), { nil: undefined }),
    command: optionalArgv,
  }, { requiredKeys: [] }).filter(d => d.entryPoint?.[0] !== W[0]);
  const image: fc.Arbitrary<Required<ImageArgv>> = fc.record({ entryPoint: argv, command: argv }).filter(i => i.entryPoint[0] !== W[0]);
  const prefix = fc.tuple(fc.constantFrom('/aqua/microenforcer', '/opt/enforcer/bin/enforce'), fc.array(element, { maxLength: 3 }))
    .map(([bin, args]) => [bin, ...args]);

  test('the process argv of the rewritten definition is exactly [binary, ...binaryArgs, ...original argv]', () => {
    fc.assert(fc.property(definition, image, prefix, (def, img, pre) => {
      fc.pre(def.entryPoint?.[0] !== pre[0] && img.entryPoint[0] !== pre[0]);
      const result = wrapEntryCommand(def, pre, img);
      if (processArgv(def, img).length === 0) {
        // Docker refuses to start a container that names no program; so does the rewrite.
        expect(result).toEqual({ kind: 'nothing' });
        return;
      }
      expect(result.kind).toBe('wrapped');
      if (result.kind !== 'wrapped') return;
      expect(processArgv(result.definition, img)).toEqual([...pre, ...processArgv(def, img)]);
      // The rewrite never depends on the image once the definition is explicit.
      expect(result.definition.entryPoint).toBeDefined();
    }), { numRuns: 2000 });
  });

  test('the rewrite is idempotent', () => {
    fc.assert(fc.property(definition, image, prefix, (def, img, pre) => {
      const once = wrapEntryCommand(def, pre, img);
      if (once.kind !== 'wrapped') return;
      const twice = wrapEntryCommand(once.definition, pre, img);
      expect(twice).toEqual({ kind: 'wrapped', alreadyWrapped: true, definition: once.definition });
    }), { numRuns: 1000 });
  });

  test("the caller's arrays are never mutated nor shared", () => {
    fc.assert(fc.property(definition, image, prefix, (def, img, pre) => {
      const before = JSON.stringify([def, img, pre]);
      const result = wrapEntryCommand(def, pre, img);
      expect(JSON.stringify([def, img, pre])).toBe(before);
      if (result.kind !== 'wrapped') return;
      for (const out of [result.definition.entryPoint, result.definition.command]) {
        for (const input of [def.entryPoint, def.command, img.entryPoint, img.command, pre]) {
          if (out !== undefined) expect(out).not.toBe(input);
        }
      }
    }), { numRuns: 1000 });
  });

  test('unknown image defaults are reported, never guessed', () => {
    fc.assert(fc.property(definition, (def) => {
      const result = wrapEntryCommand(def, W, {});
      if (def.entryPoint !== undefined) {
        expect(result.kind).toBe('wrapped');
      } else {
        expect(result).toEqual({ kind: 'missing', missing: neededImageDefaults(def) });
      }
    }), { numRuns: 500 });
  });
});
