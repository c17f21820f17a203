/**
 * Hostile and odd input through the public API: each case either gives a template in which every
 * protected container runs exactly the argv it would have run without the enforcer, under the
 * enforcer, or no template at all (an error naming the container or prop, the value and the fix).
 * One `describe` per class of issue 11's "The construct".
 */
import { App, Aspects, Aws, CfnCondition, Fn, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct, IConstruct } from 'constructs';
import { EnforceFargateTasks, EnforcedFargateTaskDefinition, EnforcedFargateTaskDefinitionProps, Enforcer } from '../lib';

const BINARY = '/aqua/microenforcer';
const APP_DEFAULTS = { entryPoint: ['/entry'], command: ['serve'] };

function fixture(props: Partial<EnforcedFargateTaskDefinitionProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const enforcer = new Enforcer({
    image: ecs.ContainerImage.fromRegistry('registry.example.com/microenforcer:2022.4'),
    environment: { AQUA_SERVER: 'gw:8443' },
  });
  const task = new EnforcedFargateTaskDefinition(stack, 'Task', { enforcer, imageDefaults: { 'app:1': APP_DEFAULTS }, ...props });
  return { app, stack, task };
}

function containers(stack: Stack): { [name: string]: any } {
  const [task] = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'));
  return Object.fromEntries(task.Properties.ContainerDefinitions.map((c: any) => [c.Name, c]));
}

/**
 * Runs `change` from an Aspect that aws-cdk-lib invokes after the task's enforcement: Aspects run
 * in tree order, so on a construct added to the stack after the task.
 */
function afterEnforcement(stack: Stack, change: () => void): void {
  const later = new Construct(stack, 'Later');
  let done = false;
  Aspects.of(stack).add({ visit: (node: IConstruct) => { if (node === later && !done) { done = true; change(); } } });
}

function errorsOf(stack: Stack): string {
  try {
    Template.fromStack(stack);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

const image = ecs.ContainerImage.fromRegistry('app:1');

describe('a command that is a list token, or holds elements that may vanish, with no entryPoint', () => {
  test('a Lazy.list command (which may resolve to []) is refused with the fix', () => {
    const { stack, task } = fixture();
    task.addContainer('app', { image, command: Lazy.list({ produce: () => [] }) });
    expect(errorsOf(stack)).toMatch(/container 'app': command is a list token .*give command as a list of elements .*or give the container an explicit entryPoint/);
  });

  test('a command element that is Fn::If with AWS::NoValue is refused with the fix', () => {
    const { stack, task } = fixture();
    const condition = new CfnCondition(stack, 'Debug', { expression: Fn.conditionEquals(Aws.REGION, 'eu-west-1') });
    task.addContainer('app', { image, command: [Fn.conditionIf(condition.logicalId, '--debug', Aws.NO_VALUE).toString()] });
    expect(errorsOf(stack)).toMatch(/container 'app': command\[0\] may resolve to AWS::NoValue .*or give the container an explicit entryPoint/);
  });

  test('with an explicit entryPoint the same command passes through unchanged (entryPoint + command either way)', () => {
    const { stack, task } = fixture();
    const command = Lazy.list({ produce: () => [] });
    task.addContainer('app', { image, entryPoint: ['/entry'], command });
    const app = containers(stack).app;
    expect(app.EntryPoint).toEqual([BINARY, '/entry']);
    expect(app.Command).toEqual([]);
  });

  test('an entryPoint holding a list token among its elements is refused', () => {
    const { stack, task } = fixture();
    task.addContainer('app', { image, entryPoint: ['/entry', ...Lazy.list({ produce: () => ['x'] })] });
    // aws-cdk-lib itself refuses to render such a list (before validation); the plan refuses it too.
    expect(errorsOf(stack)).toMatch(/Cannot add elements to list token|container 'app': entryPoint\[1\] holds a list token/);
  });
});

describe("a user's own addPropertyOverride on a protected container's EntryPoint or Command", () => {
  test('an EntryPoint override made before synthesis is honoured: what the user wrote is wrapped', () => {
    const { stack, task } = fixture();
    task.addContainer('app', { image, entryPoint: ['/entry'], command: ['serve'] });
    (task.node.defaultChild as ecs.CfnTaskDefinition).addPropertyOverride('ContainerDefinitions.1.EntryPoint', ['/custom', '--flag']);
    expect(containers(stack).app.EntryPoint).toEqual([BINARY, '/custom', '--flag']);
  });

  test('a Command override made before synthesis is honoured', () => {
    const { stack, task } = fixture();
    task.addContainer('app', { image });
    (task.node.defaultChild as ecs.CfnTaskDefinition).addPropertyOverride('ContainerDefinitions.1.Command', ['other']);
    const app = containers(stack).app;
    expect(app.EntryPoint).toEqual([BINARY, '/entry']);
    expect(app.Command).toEqual(['other']);
  });

  test('an override made after the enforcement ran (a later Aspect) is refused', () => {
    const { stack, task } = fixture();
    task.addContainer('app', { image, entryPoint: ['/entry'] });
    afterEnforcement(stack, () => (task.node.defaultChild as ecs.CfnTaskDefinition).addPropertyOverride('ContainerDefinitions.1.EntryPoint', ['/evil']));
    expect(errorsOf(stack)).toMatch(/container 'app': changed after the enforcement ran \(by a property override.*: its EntryPoint \["\/evil"\] does not start with the enforcer binary; make that change before synthesis/);
  });

  test('an L1 task: an override made after the Aspect protected it is refused', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const cfn = new ecs.CfnTaskDefinition(stack, 'Raw', {
      requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', networkMode: 'awsvpc',
      containerDefinitions: [{ name: 'app', image: 'app:1', entryPoint: ['/entry'] }],
    });
    Aspects.of(app).add(new EnforceFargateTasks({ enforcer: new Enforcer({ image: ecs.ContainerImage.fromRegistry('e:1') }) }));
    afterEnforcement(stack, () => cfn.addPropertyOverride('ContainerDefinitions.1.EntryPoint', ['/entry']));
    expect(errorsOf(stack)).toMatch(/task definition Stack\/Raw: container 'app': changed after the enforcement ran .*its EntryPoint \["\/entry"\] does not start with the enforcer binary/);
  });

  test('an override that replaces the whole container list is refused', () => {
    const { stack, task } = fixture();
    task.addContainer('app', { image, entryPoint: ['/entry'] });
    (task.node.defaultChild as ecs.CfnTaskDefinition).addPropertyOverride('ContainerDefinitions', [{ Name: 'app', Image: 'app:1' }]);
    expect(errorsOf(stack)).toMatch(/ContainerDefinitions.*override/);
  });
});

describe('app.synth({ skipValidation: true }) writes no unprotected container', () => {
  test('a container whose image defaults are unknown', () => {
    const { app, task } = fixture();
    task.addContainer('api', { image: ecs.ContainerImage.fromRegistry('registry.example.com/api:2') });
    expect(() => app.synth({ skipValidation: true })).toThrow(/container 'api': sets neither entryPoint nor command/);
  });

  test('a container added after the enforcement ran', () => {
    const { app, stack, task } = fixture();
    task.addContainer('app', { image, entryPoint: ['/entry'] });
    afterEnforcement(stack, () => task.addContainer('late', { image, entryPoint: ['/late'] }));
    expect(() => app.synth({ skipValidation: true })).toThrow(/container 'late' was added to the task after the enforcement ran/);
  });

  test('the Aspect: an L2 task with a container whose image defaults are unknown', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    new ecs.FargateTaskDefinition(stack, 'Plain').addContainer('api', { image: ecs.ContainerImage.fromRegistry('registry.example.com/api:2') });
    Aspects.of(app).add(new EnforceFargateTasks({ enforcer: new Enforcer({ image: ecs.ContainerImage.fromRegistry('e:1') }) }));
    expect(() => app.synth({ skipValidation: true })).toThrow(/Stack\/Plain is not written, because its enforcement failed[\s\S]*container 'api': sets neither entryPoint nor command/);
  });

  test('the Aspect: an L1 task with a container whose image defaults are unknown', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    new ecs.CfnTaskDefinition(stack, 'Raw', {
      requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', networkMode: 'awsvpc',
      containerDefinitions: [{ name: 'api', image: 'registry.example.com/api:2' }],
    });
    Aspects.of(app).add(new EnforceFargateTasks({ enforcer: new Enforcer({ image: ecs.ContainerImage.fromRegistry('e:1') }) }));
    expect(() => app.synth({ skipValidation: true })).toThrow(/Stack\/Raw is not written, because its enforcement failed[\s\S]*container 'api'/);
  });

  test('a task with nothing wrong synthesizes as before', () => {
    const { app, task } = fixture();
    task.addContainer('app', { image, entryPoint: ['/entry'] });
    const template = app.synth({ skipValidation: true }).getStackByName('Stack').template;
    const [definition] = Object.values(template.Resources as object).filter((r: any) => r.Type === 'AWS::ECS::TaskDefinition') as any[];
    expect(definition.Properties.ContainerDefinitions[1].EntryPoint).toEqual([BINARY, '/entry']);
  });
});

describe("a mount point that shadows the enforcer's volume", () => {
  test.each([['/aqua'], ['/aqua/'], ['/aqua/microenforcer'], ['/aqua/./']])('containerPath %s is refused', containerPath => {
    const { stack, task } = fixture();
    task.addVolume({ name: 'data' });
    task.addContainer('app', { image, entryPoint: ['/entry'] }).addMountPoints({ containerPath, sourceVolume: 'data', readOnly: false });
    expect(errorsOf(stack)).toMatch(new RegExp(`container 'app': mount point ${JSON.stringify(containerPath).replace(/[./]/g, '\\$&')} .*shadows the enforcer volume '/aqua'`));
  });

  test('a mount point beside or above the volume is fine', () => {
    const { stack, task } = fixture();
    task.addVolume({ name: 'data' });
    task.addContainer('app', { image, entryPoint: ['/entry'] }).addMountPoints(
      { containerPath: '/aquarium', sourceVolume: 'data', readOnly: false },
      { containerPath: '/data', sourceVolume: 'data', readOnly: false },
    );
    expect(containers(stack).app.EntryPoint).toEqual([BINARY, '/entry']);
  });
});

describe('an entry point element that is a token resolving to the enforcer binary', () => {
  test('is recognised as already wrapped, not wrapped twice', () => {
    const { stack, task } = fixture();
    task.addContainer('app', { image, entryPoint: [Lazy.string({ produce: () => BINARY }), '/entry'] });
    expect(containers(stack).app.EntryPoint).toEqual([BINARY, '/entry']);
  });
});

describe('an Aspect that runs after the enforcement', () => {
  test("changing a protected container's environment into a clash is refused", () => {
    const { stack, task } = fixture();
    const app = task.addContainer('app', { image, entryPoint: ['/entry'] });
    afterEnforcement(stack, () => app.addEnvironment('AQUA_SERVER', 'evil:1'));
    expect(errorsOf(stack)).toMatch(/container 'app': changed after the enforcement ran .*so that it is not protected any more: it sets environment 'AQUA_SERVER' to "evil:1", but the enforcer needs "gw:8443"/);
  });

  test('removing the volume the enforcement added is refused', () => {
    const { stack, task } = fixture();
    const app = task.addContainer('app', { image, entryPoint: ['/entry'] });
    afterEnforcement(stack, () => app.volumesFrom.splice(0));
    expect(errorsOf(stack)).toMatch(/container 'app': changed after the enforcement ran .*: its volumesFrom lacks 'enforcer'/);
  });
});

describe('container names', () => {
  test("a lazy containerName equal to the enforcer's is refused", () => {
    const { stack, task } = fixture();
    task.addContainer('app', { image, entryPoint: ['/entry'], containerName: Lazy.string({ produce: () => 'enforcer' }) });
    expect(errorsOf(stack)).toMatch(/container 'enforcer' \(construct Stack\/Task\/app\) has the enforcer sidecar's name/);
  });

  test('two containers of one name are refused', () => {
    const { stack, task } = fixture();
    task.addContainer('a', { image, entryPoint: ['/entry'], containerName: 'web' });
    task.addContainer('b', { image, entryPoint: ['/entry'], containerName: 'web' });
    expect(errorsOf(stack)).toMatch(/2 containers are named 'web' \(Stack\/Task\/a, Stack\/Task\/b\)/);
  });
});

describe('excludedContainers', () => {
  test('a list token is refused at once, naming the prop', () => {
    const stack = new Stack(new App(), 'Stack');
    const enforcer = new Enforcer({ image: ecs.ContainerImage.fromRegistry('e:1') });
    expect(() => new EnforcedFargateTaskDefinition(stack, 'Task', { enforcer, excludedContainers: Lazy.list({ produce: () => ['x'] }) }))
      .toThrow(/'excludedContainers' is \(or holds\) a list token .*give the container names as plain strings/);
  });

  test('null is read as absent', () => {
    const { stack, task } = fixture({ excludedContainers: null as any, imageDefaults: { 'app:1': APP_DEFAULTS } });
    task.addContainer('app', { image, entryPoint: ['/entry'] });
    expect(containers(stack).app.EntryPoint).toEqual([BINARY, '/entry']);
  });
});

describe('props changed by the caller after construction', () => {
  test('imageDefaults and excludedContainers are copied: later changes to them change nothing', () => {
    const imageDefaults = { 'app:1': { entryPoint: ['/entry'], command: ['serve'] } };
    const excludedContainers = ['side'];
    const { stack, task } = fixture({ imageDefaults, excludedContainers });
    task.addContainer('app', { image });
    task.addContainer('side', { image, entryPoint: ['/side'] });
    imageDefaults['app:1'].entryPoint.splice(0, 1, '/evil');
    imageDefaults['app:1'].command.push(null as any);
    excludedContainers.push('app');
    const all = containers(stack);
    expect(all.app.EntryPoint).toEqual([BINARY, '/entry']);
    expect(all.app.Command).toEqual(['serve']);
    expect(all.side.EntryPoint).toEqual(['/side']);
  });
});

describe("JS null for a container's entryPoint or command", () => {
  test('is read as absent, not a TypeError', () => {
    const { stack, task } = fixture();
    task.addContainer('app', { image, entryPoint: null as any, command: null as any });
    const app = containers(stack).app;
    expect(app.EntryPoint).toEqual([BINARY, '/entry']);
    expect(app.Command).toEqual(['serve']);
  });
});

describe('the FireLens router aws-cdk-lib adds by itself', () => {
  test('gets a message saying so, offering excludedContainers beside declaring its defaults', () => {
    const { stack, task } = fixture();
    task.addContainer('app', { image, entryPoint: ['/entry'], logging: ecs.LogDrivers.firelens({}) });
    const errors = errorsOf(stack);
    expect(errors).toMatch(/container 'log-router': is the FireLens log router that aws-cdk-lib adds by itself \(for the awsfirelens log driver of container 'app'\)/);
    expect(errors).toMatch(/excludedContainers: \['log-router'\]/);
    expect(errors).toMatch(/imageDefaults: \{ 'log-router': /);
  });
});
