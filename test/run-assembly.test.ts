/** lib/run/assembly.ts: task definitions and image assets read from a real cloud assembly. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { AssemblyError, buildArgs, findTasks, imageAssets, selectTask } from '../lib/run/assembly';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cef-assembly-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Synthesizes an app with two stacks (one in a stage) into a directory of its own. */
function synthesize(): string {
  const outdir = fs.mkdtempSync(path.join(tmp, 'out-'));
  const context = fs.mkdtempSync(path.join(tmp, 'ctx-'));
  fs.writeFileSync(path.join(context, 'Dockerfile'), 'FROM scratch\nCOPY app /app\nENTRYPOINT ["/app"]\n');
  fs.writeFileSync(path.join(context, 'app'), 'x');
  // As `cdk synth` does, record construct paths in the template.
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
  const web = new Stack(app, 'Web');
  const one = new ecs.FargateTaskDefinition(web, 'Task');
  one.addContainer('app', { image: ecs.ContainerImage.fromAsset(context, { buildArgs: { MODE: 'dev' }, target: 'final' }) });
  one.addContainer('side', { image: ecs.ContainerImage.fromRegistry('busybox:1.36'), essential: false });
  new ecs.FargateTaskDefinition(web, 'Other').addContainer('x', { image: ecs.ContainerImage.fromRegistry('busybox:1.36') });
  const stage = new Stage(app, 'Prod');
  new ecs.FargateTaskDefinition(new Stack(stage, 'Api'), 'Task').addContainer('x', { image: ecs.ContainerImage.fromRegistry('busybox:1.36') });
  app.synth();
  return outdir;
}

const outdir = synthesize();

describe('the task definitions of a cloud assembly', () => {
  test('every task definition is found, in stages too, with its construct path', () => {
    const tasks = findTasks(outdir);
    expect(tasks.map(t => [t.stack, t.constructPath])).toEqual([
      ['Prod/Api', 'Prod/Api/Task'], ['Web', 'Web/Task'], ['Web', 'Web/Other'],
    ]);
    expect(tasks[1].properties.ContainerDefinitions.map((c: any) => c.Name)).toEqual(['app', 'side']);
  });

  test('a task is named by construct path, Stack/LogicalId or logical id; the candidates are listed otherwise', () => {
    const tasks = findTasks(outdir);
    const web = tasks[1];
    expect(selectTask(tasks, 'Web/Task')).toBe(web);
    expect(selectTask(tasks, 'Web/Task/Resource')).toBe(web);
    expect(selectTask(tasks, `Web/${web.logicalId}`)).toBe(web);
    expect(selectTask(tasks, tasks[2].logicalId)).toBe(tasks[2]);
    expect(selectTask(tasks, 'Prod/Api/Task').stack).toBe('Prod/Api');
    expect(() => selectTask(tasks, undefined)).toThrow(/the cloud assembly has 3 task definitions; name one:\n {2}Prod\/Api\/Task {2}\(stack Prod\/Api, logical id Task\w+\)\n {2}Web\/Task /);
    expect(() => selectTask(tasks, 'Web/Nope')).toThrow(/no task definition 'Web\/Nope' in the cloud assembly; its task definitions:\n.*Web\/Other/s);
    // Web/Task and Prod/Api/Task have the same logical id: the id alone is ambiguous.
    expect(tasks[0].logicalId).toBe(web.logicalId);
    expect(() => selectTask(tasks, web.logicalId)).toThrow(/'Task\w+' names 2 task definitions; name one by its path:\n {2}Prod\/Api\/Task .*\n {2}Web\/Task /);
    expect(selectTask([web], undefined)).toBe(web);
  });

  test('an image asset is found in the asset manifest and built as cdk deploy would', () => {
    const web = selectTask(findTasks(outdir), 'Web/Task');
    const assets = imageAssets(web);
    expect(Object.keys(assets)).toEqual(['app']);
    const asset = assets.app;
    expect(asset.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(path.join(asset.directory, 'Dockerfile'), 'utf8')).toContain('FROM scratch');
    expect(buildArgs(asset, 'localhost/t:1')).toEqual([
      'build', '-t', 'localhost/t:1', '-f', path.join(asset.directory, 'Dockerfile'), '--build-arg', 'MODE=dev', '--target', 'final', asset.directory,
    ]);
  });

  test('a missing or malformed assembly fails with one line naming the file', () => {
    expect(() => findTasks(path.join(tmp, 'none'))).toThrow(AssemblyError);
    expect(() => findTasks(path.join(tmp, 'none'))).toThrow(/manifest.json: not found; synthesize first \('npx cdk synth'\) or point --cdk-out/);
    const bad = fs.mkdtempSync(path.join(tmp, 'bad-'));
    fs.writeFileSync(path.join(bad, 'manifest.json'), '{"artifacts":');
    expect(() => findTasks(bad)).toThrow(/manifest.json: not valid JSON/);
    fs.writeFileSync(path.join(bad, 'manifest.json'), JSON.stringify({ artifacts: { S: { type: 'aws:cloudformation:stack', properties: { templateFile: '../../etc/passwd' } } } }));
    expect(() => findTasks(bad)).toThrow(/artifact S templateFile "..\/..\/etc\/passwd" points outside the assembly/);
    const empty = fs.mkdtempSync(path.join(tmp, 'empty-'));
    fs.writeFileSync(path.join(empty, 'manifest.json'), JSON.stringify({ artifacts: {} }));
    expect(() => selectTask(findTasks(empty), undefined)).toThrow(/the cloud assembly has no AWS::ECS::TaskDefinition/);
  });

  test('an image asset that run cannot build asks for --image', () => {
    const web = selectTask(findTasks(outdir), 'Web/Task');
    const manifest = JSON.parse(fs.readFileSync(web.assetManifests[0], 'utf8'));
    const hash = Object.keys(manifest.dockerImages)[0];
    manifest.dockerImages[hash].source = { executable: ['build.sh'] };
    const file = path.join(tmp, 'exec.assets.json');
    fs.writeFileSync(file, JSON.stringify(manifest));
    expect(() => imageAssets({ ...web, assetManifests: [file] })).toThrow(/container 'app': image asset \w+ is built by a program \(executable\), which run does not do; build it yourself and give it with --image app=REF/);
  });
});
