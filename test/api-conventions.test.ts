/**
 * awslint-style checks on the public API, read from the .jsii assembly that `npm run build`
 * (jsii --fail-on-warnings) writes: what every jsii language sees.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

interface Docs { default?: string; summary?: string }
interface Property { name: string; optional?: boolean; docs?: Docs }
interface Parameter { name: string; type: { fqn?: string } }
interface Callable { name?: string; parameters?: Parameter[] }
interface JsiiType {
  fqn: string; name: string; kind: 'class' | 'interface' | 'enum'; datatype?: boolean;
  properties?: Property[]; methods?: Callable[]; initializer?: Callable; members?: { name: string }[];
  base?: string;
}

const assembly: { name: string; types: { [fqn: string]: JsiiType } } = JSON.parse(fs.readFileSync(path.join(ROOT, '.jsii'), 'utf-8'));
const types = Object.values(assembly.types);
const structs = types.filter(t => t.kind === 'interface' && t.datatype);

/** Words that cannot name a type, member or parameter in some jsii target language. */
const RESERVED: { [language: string]: string[] } = {
  python: ['False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
    'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not',
    'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'self'],
  java: ['abstract', 'assert', 'boolean', 'break', 'byte', 'case', 'catch', 'char', 'class', 'const', 'continue', 'default',
    'do', 'double', 'else', 'enum', 'extends', 'final', 'finally', 'float', 'for', 'goto', 'if', 'implements', 'import',
    'instanceof', 'int', 'interface', 'long', 'native', 'new', 'package', 'private', 'protected', 'public', 'return',
    'short', 'static', 'strictfp', 'super', 'switch', 'synchronized', 'this', 'throw', 'throws', 'transient', 'try',
    'void', 'volatile', 'while', 'var', 'record', 'yield'],
  csharp: ['abstract', 'as', 'base', 'bool', 'break', 'byte', 'case', 'catch', 'char', 'checked', 'class', 'const',
    'continue', 'decimal', 'default', 'delegate', 'do', 'double', 'else', 'enum', 'event', 'explicit', 'extern', 'false',
    'finally', 'fixed', 'float', 'for', 'foreach', 'goto', 'if', 'implicit', 'in', 'int', 'interface', 'internal', 'is',
    'lock', 'long', 'namespace', 'new', 'null', 'object', 'operator', 'out', 'override', 'params', 'private', 'protected',
    'public', 'readonly', 'ref', 'return', 'sbyte', 'sealed', 'short', 'sizeof', 'stackalloc', 'static', 'string',
    'struct', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'uint', 'ulong', 'unchecked', 'unsafe', 'ushort',
    'using', 'virtual', 'void', 'volatile', 'while'],
  go: ['break', 'case', 'chan', 'const', 'continue', 'default', 'defer', 'else', 'fallthrough', 'for', 'func', 'go', 'goto',
    'if', 'import', 'interface', 'map', 'package', 'range', 'return', 'select', 'struct', 'switch', 'type', 'var'],
};

const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** Every name a user writes: types, properties, methods, parameters, enum members. */
function publicNames(): { where: string; name: string }[] {
  const names: { where: string; name: string }[] = [];
  for (const t of types) {
    names.push({ where: t.fqn, name: t.name });
    for (const p of t.properties ?? []) names.push({ where: `${t.fqn}.${p.name}`, name: p.name });
    for (const m of t.members ?? []) names.push({ where: `${t.fqn}.${m.name}`, name: m.name });
    for (const c of [...(t.methods ?? []), ...(t.initializer ? [{ ...t.initializer, name: '<init>' }] : [])]) {
      if (c.name !== '<init>') names.push({ where: `${t.fqn}.${c.name}()`, name: c.name! });
      for (const p of c.parameters ?? []) names.push({ where: `${t.fqn}.${c.name}(${p.name})`, name: p.name });
    }
  }
  return names;
}

describe('API conventions (awslint-style, on the .jsii assembly)', () => {
  test('the assembly has public types', () => {
    expect(types.length).toBeGreaterThan(0);
    expect(structs.length).toBeGreaterThan(0);
  });

  test('every optional property documents its @default', () => {
    const missing = types.flatMap(t => (t.properties ?? [])
      .filter(p => p.optional && (!p.docs?.default || /^undefined$/.test(p.docs.default.trim())))
      .map(p => `${t.fqn}.${p.name}`));
    expect(missing).toEqual([]);
  });

  test('structs passed to an initializer or method are named *Props or *Options', () => {
    const structFqns = new Set(structs.map(s => s.fqn));
    const bad: string[] = [];
    for (const t of types) {
      for (const c of [...(t.methods ?? []), ...(t.initializer ? [t.initializer] : [])]) {
        for (const p of c.parameters ?? []) {
          const fqn = p.type.fqn;
          if (fqn && structFqns.has(fqn) && !/(Props|Options)$/.test(fqn)) bad.push(`${t.fqn}.${c.name ?? '<init>'}(${p.name}: ${fqn})`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  test('a construct takes <ClassName>Props', () => {
    const bad = types
      .filter(t => t.kind === 'class' && t.initializer?.parameters?.[0]?.name === 'scope')
      .filter(t => {
        const props = t.initializer!.parameters![2];
        return props && props.type.fqn !== `${assembly.name}.${t.name}Props`;
      })
      .map(t => t.fqn);
    expect(bad).toEqual([]);
  });

  test('no name is a reserved word in Python, Java, C# or Go, and no method looks like a Java getter', () => {
    const bad: string[] = [];
    for (const { where, name } of publicNames()) {
      for (const [language, words] of Object.entries(RESERVED)) {
        if (words.includes(name) || words.includes(snake(name))) bad.push(`${where}: '${name}' is reserved in ${language}`);
      }
    }
    for (const t of types) {
      for (const m of t.methods ?? []) if (/^get[A-Z]/.test(m.name!)) bad.push(`${t.fqn}.${m.name}(): looks like a Java getter`);
    }
    expect(bad).toEqual([]);
  });
});
