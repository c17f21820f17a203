/**
 * `cdk-enforced-fargate enforce`, in-process with its own Io, plus one run through the real bin
 * (lib/cli/main.js: needs the jsii build, which `npm test` runs first). Every output is checked
 * with botocore's ECS RegisterTaskDefinition model.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../lib/cli/main';
import { ecsModelUnavailable, validateWithEcsModel } from './support/aws-models';

const FIXTURES = path.join(__dirname, 'fixtures', 'task-definitions');
const ROOT = path.join(__dirname, '..');
const BINARY = '/aqua/microenforcer';
const TOKEN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:aqua-token-AbCdEf';

interface Run { code: number; out: string; err: string }

async function enforce(args: string[], options: { cwd?: string; stdin?: string } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['enforce', ...args], { out: l => out.push(l), err: l => err.push(l), cwd: options.cwd ?? FIXTURES, stdin: () => options.stdin ?? '' });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cef-enforce-'));
}

function writeJson(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

/** Checks a register-task-definition input with botocore; the keys must be the API's own (camelCase, exact). */
function expectValidForEcs(taskDefinition: any, id: string) {
  const unavailable = ecsModelUnavailable();
  if (unavailable) {
    if (process.env.CI) throw new Error(`the ECS model check cannot run under CI: ${unavailable}`);
    // eslint-disable-next-line no-console
    console.warn(`${'!'.repeat(80)}\n!!! ECS MODEL CHECK OF THE enforce OUTPUT SKIPPED: ${unavailable}\n${'!'.repeat(80)}`);
    return;
  }
  const [result] = validateWithEcsModel([{ id, properties: taskDefinition }]).results;
  expect({ errors: result.errors, unknown: result.unknown }).toEqual({ errors: [], unknown: [] });
  expect(result.valid).toBe(true);
  // The model matched keys case-insensitively: insist they were written exactly as the API names them.
  const keys = (v: any): string[] => (v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => (Array.isArray(v) ? keys(x) : [k, ...keys(x)])) : []);
  expect(keys(result.params).sort()).toEqual(keys(taskDefinition).sort());
}

describe('cdk-enforced-fargate enforce', () => {
  test('describe-task-definition output: every container per Docker\'s rule, register input out, valid for the ECS model', async () => {
    const r = await enforce(['--enforcer', 'aqua-enforcer.json', 'describe-task-definition.json']);
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const td = JSON.parse(r.out);
    // Register input: what the API returns about a registered revision is gone, the tags are kept.
    for (const k of ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities', 'registeredAt', 'registeredBy']) expect(td[k]).toBeUndefined();
    expect(td.tags).toEqual([{ key: 'team', value: 'web' }]);
    expect(td.family).toBe('web');
    const byName = Object.fromEntries(td.containerDefinitions.map((c: any) => [c.name, c]));
    expect(td.containerDefinitions.map((c: any) => c.name)).toEqual(['enforcer', 'web', 'worker', 'log_router']);
    expect(byName.enforcer).toEqual({
      name: 'enforcer',
      image: 'registry.example.com/microenforcer:2022.4',
      essential: false,
      readonlyRootFilesystem: true,
      cpu: 0,
      dockerLabels: { 'cdk-enforced-fargate.role': 'enforcer', 'cdk-enforced-fargate.binary': BINARY, 'cdk-enforced-fargate.delivery': 'volumes-from' },
      // Copied from the first container that logs with awslogs, under the sidecar's own prefix.
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'enforcer' } },
    });
    // neither entryPoint nor command: the image's, from the description's imageDefaults.
    expect(byName.web.entryPoint).toEqual([BINARY, '/docker-entrypoint.sh']);
    expect(byName.web.command).toEqual(['nginx', '-g', 'daemon off;']);
    expect(byName.web.volumesFrom).toEqual([{ sourceContainer: 'enforcer', readOnly: true }]);
    expect(byName.web.dependsOn).toEqual([{ containerName: 'enforcer', condition: 'START' }]);
    expect(byName.web.environment).toEqual([
      { name: 'SITE', value: 'example' },
      { name: 'AQUA_MICROENFORCER', value: '1' },
      { name: 'AQUA_SERVER', value: 'aqua-gateway.internal:8443' },
    ]);
    expect(byName.web.secrets).toEqual([{ name: 'AQUA_TOKEN', valueFrom: TOKEN }]);
    // entryPoint and command: the shell form stays one argument, the capability is merged.
    expect(byName.worker.entryPoint).toEqual([BINARY, '/bin/sh', '-c']);
    expect(byName.worker.command).toEqual(['exec /worker --queue "jobs high"']);
    expect(byName.worker.linuxParameters).toEqual({ capabilities: { add: ['CHOWN', 'SYS_PTRACE'] }, initProcessEnabled: true });
    // Excluded, and says why.
    expect(byName.log_router.entryPoint).toBeUndefined();
    expect(byName.log_router.dockerLabels).toEqual({ 'cdk-enforced-fargate.excluded': 'listed in excludedContainers' });
    expect(r.err).toMatch(/protected 2 container\(s\): web, worker; excluded 1: log_router \(listed in excludedContainers\)/);
    expectValidForEcs(td, 'describe');
  });

  test("CodeDeploy taskdef.json: the <IMAGE1_NAME> placeholder stays, the defaults come by container name; written atomically with -o", async () => {
    const dir = tmpdir();
    const r = await enforce(['--enforcer', path.join(FIXTURES, 'aqua-enforcer.json'), '-o', 'out/taskdef.json', path.join(FIXTURES, 'taskdef.json')], { cwd: dir })
      .catch(e => ({ code: -1, out: '', err: String(e) }));
    // The output directory must exist: the command does not create directories.
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot write .*out\/taskdef\.json/);
    fs.mkdirSync(path.join(dir, 'out'));
    const ok = await enforce(['--enforcer', path.join(FIXTURES, 'aqua-enforcer.json'), '-o', 'out/taskdef.json', path.join(FIXTURES, 'taskdef.json')], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(ok.out).toBe('');
    expect(fs.readdirSync(path.join(dir, 'out'))).toEqual(['taskdef.json']);
    const td = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'taskdef.json'), 'utf8'));
    const api = td.containerDefinitions.find((c: any) => c.name === 'api');
    expect(api.image).toBe('<IMAGE1_NAME>');
    expect(api.entryPoint).toEqual([BINARY]);
    expect(api.command).toEqual(['/usr/local/bin/api', 'serve']);
    expectValidForEcs(td, 'taskdef');
    // Enforcing the output again changes nothing.
    const again = await enforce(['--enforcer', path.join(FIXTURES, 'aqua-enforcer.json'), path.join(dir, 'out', 'taskdef.json')], { cwd: dir });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toEqual(td);
    expect(again.err).toMatch(/has an enforcer sidecar already.*left as it is/);
  });

  test('image defaults from the context file (cdk.context.json, what lookup writes)', async () => {
    const dir = tmpdir();
    writeJson(dir, 'cdk.context.json', { 'cdk-enforced-fargate:imageDefaults': { 'registry.example.com/api:3': { entryPoint: ['/entry'], command: ['run'] } } });
    writeJson(dir, 'enforcer.json', { image: 'registry.example.com/me:1' });
    writeJson(dir, 'td.json', { family: 'f', containerDefinitions: [{ name: 'api', image: 'registry.example.com/api:3' }] });
    const r = await enforce(['--enforcer', 'enforcer.json', 'td.json'], { cwd: dir });
    expect(r.code).toBe(0);
    const api = JSON.parse(r.out).containerDefinitions[1];
    expect(api).toMatchObject({ entryPoint: [BINARY, '/entry'], command: ['run'] });
    expect(r.err).toMatch(/no logConfiguration/);
  });

  describe('the same errors as at synthesis, naming the container and the fix', () => {
    test('a placeholder image with no declared defaults', async () => {
      const dir = tmpdir();
      writeJson(dir, 'enforcer.json', { image: 'registry.example.com/me:1' });
      const r = await enforce(['--enforcer', 'enforcer.json', path.join(FIXTURES, 'taskdef.json')], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/error: task definition 'api': container 'api': sets neither entryPoint nor command, so the image's own ENTRYPOINT and CMD must be known to start it under the enforcer, and its image is the placeholder '<IMAGE1_NAME>' \(filled in at deployment, e\.g\. by CodeDeploy\), so they must be declared by container name\. Declare them with imageDefaults: \{ 'api': \{ entryPoint: \[\.\.\.\], command: \[\.\.\.\] \} \}/);
    });

    test('a registry image with no declared defaults names the lookup command', async () => {
      const dir = tmpdir();
      writeJson(dir, 'enforcer.json', { image: 'registry.example.com/me:1', cpuArchitectures: ['ARM64'] });
      writeJson(dir, 'td.json', { family: 'f', runtimePlatform: { cpuArchitecture: 'ARM64' }, containerDefinitions: [{ name: 'api', image: 'registry.example.com/api:3', command: ['x'] }] });
      const r = await enforce(['--enforcer', 'enforcer.json', 'td.json'], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/container 'api': sets command but no entryPoint.*npx cdk-enforced-fargate lookup --platform linux\/arm64 registry\.example\.com\/api:3/);
    });

    test.each([
      ['a name clash with the sidecar', { containerDefinitions: [{ name: 'enforcer', image: 'a:1', entryPoint: ['/a'] }] }, /container 'enforcer' \(a container of the task\) has the enforcer sidecar's name; rename it/],
      ['an empty entryPoint', { containerDefinitions: [{ name: 'a', image: 'a:1', entryPoint: [] }] }, /container 'a': entryPoint is \[\] \(empty\)/],
      ['too many containers', { containerDefinitions: Array.from({ length: 10 }, (_, i) => ({ name: `c${i}`, image: 'a:1', entryPoint: ['/a'] })) }, /the task has 11 containers/],
      ['an environment clash', { containerDefinitions: [{ name: 'a', image: 'a:1', entryPoint: ['/a'], environment: [{ name: 'AQUA_SERVER', value: 'other:1' }] }] }, /container 'a': sets environment 'AQUA_SERVER' to "other:1"/],
      ['a Windows task', { runtimePlatform: { operatingSystemFamily: 'WINDOWS_SERVER_2022_CORE' }, containerDefinitions: [{ name: 'a', image: 'a:1', entryPoint: ['/a'] }] }, /Windows Fargate ignores image VOLUMEs/],
      ['no execution role for the secret', { executionRoleArn: undefined, containerDefinitions: [{ name: 'a', image: 'a:1', entryPoint: ['/a'] }] }, /has no executionRoleArn, but the enforcer's secret AQUA_TOKEN/],
    ])('%s', async (_case, task, message) => {
      const dir = tmpdir();
      writeJson(dir, 'enforcer.json', { preset: 'aquaMicroEnforcer', image: 'me:1', server: 'aqua-gateway.internal:8443', token: TOKEN });
      writeJson(dir, 'td.json', { family: 'f', executionRoleArn: 'arn:aws:iam::1:role/x', ...task });
      const r = await enforce(['--enforcer', 'enforcer.json', 'td.json'], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
    });
  });

  describe('bad input fails with one line', () => {
    test.each([
      ['no image', {}, /'image' must be a non-empty string, got undefined/],
      ['an unknown key', { image: 'me:1', binary: '/x' }, /unknown key\(s\) 'binary'; known: preset, image/],
      ['a preset without its token', { preset: 'aquaMicroEnforcer', image: 'me:1', server: 'gw:1' }, /the preset 'aquaMicroEnforcer' needs 'server' .* and 'token'/],
      ['an unknown preset', { preset: 'acme', image: 'me:1' }, /unknown 'preset' "acme"/],
      ['a capability Fargate refuses', { image: 'me:1', capabilities: ['NET_ADMIN'] }, /Enforcer: 'capabilities' may only add SYS_PTRACE on Fargate/],
      ['a bad binary path', { image: 'me:1', binaryPath: 'relative' }, /Enforcer: 'binaryPath' must be an absolute path/],
      ['bad image defaults', { image: 'me:1', imageDefaults: { web: { entryPoint: '/x' } } }, /imageDefaults\['web'\]\.entryPoint must be a list of strings/],
    ])('an enforcer description with %s', async (_case, description, message) => {
      const dir = tmpdir();
      writeJson(dir, 'enforcer.json', description);
      const r = await enforce(['--enforcer', 'enforcer.json', path.join(FIXTURES, 'taskdef.json')], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
    });

    test('files that are missing, not JSON or too large; usage errors', async () => {
      const dir = tmpdir();
      fs.writeFileSync(path.join(dir, 'broken.json'), '{ "image": ');
      fs.writeFileSync(path.join(dir, 'big.json'), ' '.repeat(4 * 1024 * 1024 + 1));
      expect((await enforce(['--enforcer', 'missing.json', 'td.json'], { cwd: dir })).err).toMatch(/cannot read the enforcer description missing\.json: ENOENT/);
      expect((await enforce(['--enforcer', 'broken.json', 'td.json'], { cwd: dir })).err).toMatch(/the enforcer description broken\.json is not JSON/);
      expect((await enforce(['--enforcer', 'big.json', 'td.json'], { cwd: dir })).err).toMatch(/it is 4194305 bytes; the limit is 4194304/);
      expect((await enforce(['td.json'], { cwd: dir })).code).toBe(2);
      expect((await enforce(['--enforcer', 'x', 'a', 'b'], { cwd: dir })).code).toBe(2);
      expect((await enforce(['--bogus'], { cwd: dir })).code).toBe(2);
      expect((await enforce(['--help'], { cwd: dir })).out).toMatch(/Usage:\n {2}cdk-enforced-fargate enforce --enforcer FILE/);
    });

    test('a task definition read from stdin that is not a task definition', async () => {
      const r = await enforce(['--enforcer', 'aqua-enforcer.json', '-'], { stdin: '[1, 2]' });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/the task definition must be a JSON object/);
    });
  });

  test('through the real bin (lib/cli/main.js), stdin to stdout', () => {
    const bin = path.join(ROOT, 'lib', 'cli', 'main.js');
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first (npm test does)`);
    const r = spawnSync(process.execPath, [bin, 'enforce', '--enforcer', 'aqua-enforcer.json', '-'], {
      cwd: FIXTURES, input: fs.readFileSync(path.join(FIXTURES, 'taskdef.json')), encoding: 'utf8',
    });
    expect(r.stderr).toMatch(/protected 1 container\(s\): api/);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).containerDefinitions[1].entryPoint).toEqual([BINARY]);
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help.stdout).toMatch(/^ {2}enforce +protect a task definition JSON/m);
  });
});
