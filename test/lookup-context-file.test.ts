/**
 * The context file update of `lookup` (lib/lookup/context-file.ts): only its own key's text
 * changes, under a lock, by an atomic rename; what it cannot update safely it refuses.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { contextPath, readImageDefaults, updateImageDefaults } from '../lib/lookup/context-file';

const KEY = 'cdk-enforced-fargate:imageDefaults';
const entry = (e: string) => ({ entryPoint: [e], command: [], digest: `sha256:${'0'.repeat(64)}`, platform: 'linux/amd64', source: 'test' });
let dir = '';
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-ctx-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, content?: string): string {
  const f = path.join(dir, name);
  if (content !== undefined) fs.writeFileSync(f, content);
  return f;
}

describe('context file updates', () => {
  describe('When the file has keys the tool does not own', () => {
    test('they are kept byte for byte: big integers, duplicate keys, tabs, CRLF, key order', async () => {
      const before = '{\r\n\t"zeta": 12345678901234567890123,\r\n\t"dup": 1,\r\n\t"dup": 2,\r\n\t"alpha": [1.0, 2e3]\r\n}\r\n';
      const f = file('cdk.context.json', before);
      await updateImageDefaults(f, { 'nginx:1': entry('/a') });
      const after = fs.readFileSync(f, 'utf8');
      expect(after.startsWith('{\r\n\t"zeta": 12345678901234567890123,\r\n\t"dup": 1,\r\n\t"dup": 2,\r\n\t"alpha": [1.0, 2e3],\r\n\t"cdk-enforced-fargate:imageDefaults": {\r\n\t\t"nginx:1": {')).toBe(true);
      expect(after.endsWith('}\r\n')).toBe(true);
      expect(JSON.parse(after)[KEY]['nginx:1']).toEqual(entry('/a'));
    });

    test('an existing map is merged, sorted, and only its text changes', async () => {
      const f = file('cdk.context.json', `{"a": 1,\n "${KEY}": {"z:1": {"entryPoint": []}, "b:1": {"entryPoint": ["old"]}},\n "c": 123456789012345678901234567890}\n`);
      await updateImageDefaults(f, { 'b:1': entry('/new') });
      const after = fs.readFileSync(f, 'utf8');
      expect(after.startsWith('{"a": 1,\n "cdk-enforced-fargate:imageDefaults": {')).toBe(true);
      expect(after.endsWith(',\n "c": 123456789012345678901234567890}\n')).toBe(true);
      expect(Object.keys(readImageDefaults(f))).toEqual(['b:1', 'z:1']);
      expect(readImageDefaults(f)['b:1']).toEqual(entry('/new'));
    });

    test('a byte-order mark is read (as the CDK CLI reads it) and kept', async () => {
      const f = file('cdk.context.json', '\uFEFF{"x": 1}');
      await updateImageDefaults(f, { 'a:1': entry('/a') });
      const after = fs.readFileSync(f, 'utf8');
      expect(after.startsWith('\uFEFF{')).toBe(true);
      expect(readImageDefaults(f)['a:1']).toEqual(entry('/a'));
    });

    test('a new file is created; a symbolic link is written through, not replaced', async () => {
      const target = file('real.json', '{}');
      const link = path.join(dir, 'cdk.context.json');
      fs.symlinkSync(target, link);
      await updateImageDefaults(link, { 'a:1': entry('/a') });
      expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
      expect(JSON.parse(fs.readFileSync(target, 'utf8'))[KEY]['a:1']).toEqual(entry('/a'));
      const fresh = path.join(dir, 'sub.json');
      await updateImageDefaults(fresh, { 'b:1': entry('/b') });
      expect(fs.readFileSync(fresh, 'utf8')).toMatch(/^\{\n {2}"cdk-enforced-fargate:imageDefaults": \{\n/);
      expect(fs.readdirSync(dir).filter(n => n.endsWith('.tmp') || n.endsWith('.lock'))).toEqual([]);
    });
  });

  describe('When the file is cdk.json', () => {
    test('the entry goes under "context", where the CDK reads context from cdk.json', async () => {
      expect(contextPath('/x/cdk.json')).toEqual(['context']);
      expect(contextPath('/x/cdk.context.json')).toEqual([]);
      const f = file('cdk.json', '{\n  "app": "npx tsx app.ts",\n  "context": {\n    "@aws-cdk/core:newStyle": true\n  }\n}\n');
      await updateImageDefaults(f, { 'a:1': entry('/a') });
      const json = JSON.parse(fs.readFileSync(f, 'utf8'));
      expect(json[KEY]).toBeUndefined();
      expect(json.app).toBe('npx tsx app.ts');
      expect(json.context['@aws-cdk/core:newStyle']).toBe(true);
      expect(json.context[KEY]['a:1']).toEqual(entry('/a'));
      expect(readImageDefaults(f)['a:1']).toEqual(entry('/a'));
    });

    test('a cdk.json without "context" gets one', async () => {
      const f = file('cdk.json', '{\n  "app": "x"\n}\n');
      await updateImageDefaults(f, { 'a:1': entry('/a') });
      expect(JSON.parse(fs.readFileSync(f, 'utf8'))).toEqual({ app: 'x', context: { [KEY]: { 'a:1': entry('/a') } } });
    });
  });

  describe('When the file cannot be updated safely', () => {
    test.each([
      ['not JSON', 'cdk.context.json', '{"a": 1,}', /cannot update .*cdk\.context\.json: it is not valid JSON \(.*\); fix or remove it/],
      ['an array', 'cdk.context.json', '[]', /it does not hold a JSON object/],
      ['the key twice', 'cdk.context.json', `{"${KEY}": {}, "${KEY}": {}}`, /it has the key 'cdk-enforced-fargate:imageDefaults' 2 times \(the CDK reads only the last\): keep one and run again/],
      ['the key not an object', 'cdk.context.json', `{"${KEY}": []}`, /its 'cdk-enforced-fargate:imageDefaults' is not a JSON object/],
      ['a cdk.json whose context is a string', 'cdk.json', '{"context": "x"}', /its 'context' is not a JSON object/],
      ['a cdk.json with "context" twice', 'cdk.json', '{"context": {}, "context": {}}', /it has the key 'context' 2 times/],
    ])('%s: refused with the reason, the file unchanged', async (_name, name, content, message) => {
      const f = file(name, content);
      await expect(updateImageDefaults(f, { 'a:1': entry('/a') })).rejects.toThrow(message);
      expect(fs.readFileSync(f, 'utf8')).toBe(content);
      expect(fs.existsSync(`${f}.lock`)).toBe(false);
    });

    test('a lock held by a live run makes the next wait, then give up with the reason', async () => {
      const f = file('cdk.context.json', '{}');
      fs.writeFileSync(`${f}.lock`, '4242\n');
      await expect(updateImageDefaults(f, { 'a:1': entry('/a') }, 300)).rejects.toThrow(/cdk\.context\.json\.lock is held by another run \(pid 4242\) for over 0\.3 s; delete it if no lookup is running/);
      expect(fs.readFileSync(f, 'utf8')).toBe('{}');
    });

    test('a lock left by a run that died (over a minute old) is taken over', async () => {
      const f = file('cdk.context.json', '{}');
      fs.writeFileSync(`${f}.lock`, '4242\n');
      const old = new Date(Date.now() - 120_000);
      fs.utimesSync(`${f}.lock`, old, old);
      await updateImageDefaults(f, { 'a:1': entry('/a') }, 300);
      expect(readImageDefaults(f)['a:1']).toEqual(entry('/a'));
    });
  });

  describe('When several runs write at once', () => {
    test('no entry is lost and no reader sees a partial file (8 processes, 5 writes each)', async () => {
      const f = file('cdk.context.json', '{\n  "keep": 123456789012345678901234567890\n}\n');
      const script = path.join(dir, 'writer.ts');
      fs.writeFileSync(script, [
        `import { updateImageDefaults } from ${JSON.stringify(path.join(__dirname, '..', 'lib', 'lookup', 'context-file'))};`,
        'const id = process.argv[2];',
        '(async () => { for (let i = 0; i < 5; i++) await updateImageDefaults(process.argv[3], { [`img-${id}-${i}:1`]: { entryPoint: [id], command: [] } }); })()',
        '  .catch(e => { console.error(e); process.exit(1); });',
      ].join('\n'));
      const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
      let reads = 0;
      let badReads = 0;
      let done = false;
      const reader = (async () => {
        while (!done) {
          const text = fs.readFileSync(f, 'utf8');
          try { JSON.parse(text); reads++; } catch { badReads++; }
          await new Promise(r => setTimeout(r, 2));
        }
      })();
      const codes = await Promise.all(Array.from({ length: 8 }, (_, id) => new Promise<number | null>(resolve => {
        const child = spawn(tsx, [script, String(id), f], { stdio: ['ignore', 'ignore', 'inherit'] });
        child.on('close', resolve);
      })));
      done = true;
      await reader;
      expect(codes).toEqual(Array(8).fill(0));
      const entries = readImageDefaults(f);
      expect(Object.keys(entries)).toHaveLength(40);
      expect(fs.readFileSync(f, 'utf8')).toContain('"keep": 123456789012345678901234567890');
      expect(badReads).toBe(0);
      expect(reads).toBeGreaterThan(0);
    }, 120_000);
  });
});
