import * as fs from 'fs';
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { EnforcedFargateTaskDefinition, EnforceFargateTasks, Enforcer, EnforcerDelivery } from '../lib';

const ENFORCER_IMAGE = ecs.ContainerImage.fromRegistry('registry.example.com/enforcer:1.0');
const APP = 'registry.example.com/app:2.0';
const APP_DEFAULTS = { entryPoint: ['/usr/bin/app'], command: ['serve', '--port', '8080'] };

function copyEnforcer(extra: Partial<ConstructorParameters<typeof Enforcer>[0]> = {}, options: Partial<Parameters<typeof EnforcerDelivery.taskVolumeCopy>[0]> = {}) {
  return new Enforcer({
    image: ENFORCER_IMAGE,
    binaryPath: '/enforcer-files/bin/enforce',
    binaryArgs: ['run', '--'],
    delivery: EnforcerDelivery.taskVolumeCopy({ copyCommand: ['/install', '--to', '/enforcer-files'], mountPath: '/enforcer-files', ...options }),
    ...extra,
  });
}

function synth(enforcer: Enforcer, build: (task: EnforcedFargateTaskDefinition) => void, props: Partial<ConstructorParameters<typeof EnforcedFargateTaskDefinition>[2]> = {}) {
  const stack = new Stack(new App(), 'S');
  const task = new EnforcedFargateTaskDefinition(stack, 'Task', { enforcer, imageDefaults: { [APP]: APP_DEFAULTS }, ...props });
  build(task);
  const template = Template.fromStack(stack);
  const resource = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0] as any;
  const byName = Object.fromEntries(resource.Properties.ContainerDefinitions.map((c: any) => [c.Name, c]));
  return { stack, task, template, properties: resource.Properties, containers: byName as { [name: string]: any } };
}

describe('EnforcerDelivery', () => {
  test('volumesFrom() is the default mode', () => {
    const enforcer = new Enforcer({ image: ENFORCER_IMAGE });
    expect(enforcer.delivery.mode).toBe('volumes-from');
    expect(enforcer.delivery.isVolumesFrom).toBe(true);
    expect(enforcer.dependencyCondition).toBe(ecs.ContainerDependencyCondition.START);
    expect(enforcer.filesDirectory).toBe('/aqua');
  });

  test('taskVolumeCopy() defaults: volume name, mount path = the binary directory, SUCCESS', () => {
    const delivery = EnforcerDelivery.taskVolumeCopy({ copyCommand: ['/copy'] });
    expect(delivery.mode).toBe('task-volume');
    expect(delivery.volumeName).toBe('enforcer-files');
    const enforcer = new Enforcer({ image: ENFORCER_IMAGE, binaryPath: '/opt/e/bin/e', delivery });
    expect(enforcer.filesDirectory).toBe('/opt/e/bin');
    expect(enforcer.dependencyCondition).toBe(ecs.ContainerDependencyCondition.SUCCESS);
  });

  test('taskVolumeCopy() does not keep the caller array', () => {
    const argv = ['/copy', 'a'];
    const delivery = EnforcerDelivery.taskVolumeCopy({ copyCommand: argv });
    argv.push('changed');
    expect(delivery.copyCommand).toEqual(['/copy', 'a']);
  });

  describe('bad input', () => {
    test.each([
      [() => EnforcerDelivery.taskVolumeCopy({ copyCommand: [] }), /'copyCommand' is required/],
      [() => EnforcerDelivery.taskVolumeCopy(undefined as any), /'copyCommand' is required/],
      [() => EnforcerDelivery.taskVolumeCopy({ copyCommand: ['/c'], mountPath: 'relative' }), /'mountPath' must be an absolute directory other than '\/', got "relative"/],
      [() => EnforcerDelivery.taskVolumeCopy({ copyCommand: ['/c'], mountPath: '/' }), /'mountPath' must be an absolute directory/],
      [() => EnforcerDelivery.taskVolumeCopy({ copyCommand: ['/c'], volumeName: 'has space' }), /'volumeName' must be 1-255 letters.*"has space"/],
      [() => EnforcerDelivery.builtIn({ sourceDirectory: 'x' }), /'sourceDirectory' must be an absolute directory/],
    ])('%#', (make, message) => {
      expect(make).toThrow(message);
    });

    test('the binary outside the task volume', () => {
      expect(() => new Enforcer({
        image: ENFORCER_IMAGE, binaryPath: '/opt/e/enforce',
        delivery: EnforcerDelivery.taskVolumeCopy({ copyCommand: ['/c'], mountPath: '/elsewhere' }),
      })).toThrow(/'binaryPath' "\/opt\/e\/enforce" is not inside the task-volume delivery's mountPath "\/elsewhere"; give a mountPath that contains the binary/);
    });

    test('START with the task-volume copy', () => {
      expect(() => copyEnforcer({ dependencyCondition: ecs.ContainerDependencyCondition.START }))
        .toThrow(/START with the task-volume copy would start protected containers before the copy has finished; use SUCCESS \(the default\) or COMPLETE/);
    });

    test("'command' with a mode that has no volumesFrom sidecar", () => {
      expect(() => copyEnforcer({ command: ['/x'] })).toThrow(/'command' is the volumesFrom sidecar's own command, but the delivery is task-volume; give the init container's argv as the delivery's 'copyCommand'/);
      expect(() => new Enforcer({ image: ENFORCER_IMAGE, delivery: EnforcerDelivery.builtIn(), command: ['/x'] }))
        .toThrow(/the built-in mode has no sidecar: remove it/);
    });

    test('writableDirectory inside the enforcer files, or relative', () => {
      expect(() => copyEnforcer({ writableDirectory: '/enforcer-files/tmp' })).toThrow(/'writableDirectory' "\/enforcer-files\/tmp" overlaps the enforcer's read-only files at "\/enforcer-files"/);
      expect(() => copyEnforcer({ writableDirectory: 'tmp' })).toThrow(/'writableDirectory' must be an absolute directory/);
    });

    test('per-container variable names', () => {
      expect(() => copyEnforcer({ containerNameVariable: '1BAD' })).toThrow(/variable name "1BAD"/);
      expect(() => copyEnforcer({ containerNameVariable: 'X', environment: { X: '1' } })).toThrow(/'X' is set per container .* and also elsewhere; keep one/);
      expect(() => copyEnforcer({ containerNameVariable: 'X', imageNameVariable: 'X' })).toThrow(/'X' is set per container/);
    });
  });
});

describe('task-volume copy', () => {
  test('an init container copies the files into a task volume; protected containers mount it read-only and wait with SUCCESS', () => {
    // WHEN
    const { containers, properties, task } = synth(copyEnforcer(), t => {
      t.addContainer('app', { image: ecs.ContainerImage.fromRegistry(APP), command: ['serve'] });
    });
    // THEN
    expect(properties.Volumes).toEqual([{ Name: 'enforcer-files' }]);
    const init = containers.enforcer;
    expect(init).toMatchObject({
      Essential: false,
      ReadonlyRootFilesystem: true,
      Cpu: 0,
      EntryPoint: ['/install', '--to', '/enforcer-files'],
      MountPoints: [{ SourceVolume: 'enforcer-files', ContainerPath: '/enforcer-files', ReadOnly: false }],
      DockerLabels: {
        'cdk-enforced-fargate.role': 'enforcer',
        'cdk-enforced-fargate.binary': '/enforcer-files/bin/enforce',
        'cdk-enforced-fargate.delivery': 'task-volume',
        'cdk-enforced-fargate.volume': 'enforcer-files',
      },
    });
    expect(init.Command).toBeUndefined();
    expect(init.VolumesFrom).toBeUndefined();
    const app = containers.app;
    expect(app.EntryPoint).toEqual(['/enforcer-files/bin/enforce', 'run', '--', '/usr/bin/app']);
    expect(app.Command).toEqual(['serve']);
    expect(app.MountPoints).toEqual([{ SourceVolume: 'enforcer-files', ContainerPath: '/enforcer-files', ReadOnly: true }]);
    expect(app.DependsOn).toEqual([{ ContainerName: 'enforcer', Condition: 'SUCCESS' }]);
    expect(app.VolumesFrom).toBeUndefined();
    expect(task.enforcerContainer!.essential).toBe(false);
  });

  test('COMPLETE and the init container user are passed through', () => {
    const { containers } = synth(copyEnforcer({ dependencyCondition: ecs.ContainerDependencyCondition.COMPLETE }, { copyUser: '0:0', volumeName: 'files' }), t => {
      t.addContainer('app', { image: ecs.ContainerImage.fromRegistry(APP) });
    });
    expect(containers.enforcer.User).toBe('0:0');
    expect(containers.app.DependsOn).toEqual([{ ContainerName: 'enforcer', Condition: 'COMPLETE' }]);
    expect(containers.app.MountPoints).toEqual([{ SourceVolume: 'files', ContainerPath: '/enforcer-files', ReadOnly: true }]);
  });

  test('a user mount at the enforcer path is an error that names it', () => {
    expect(() => synth(copyEnforcer(), t => {
      t.addVolume({ name: 'mine' });
      t.addContainer('app', { image: ecs.ContainerImage.fromRegistry(APP) })
        .addMountPoints({ sourceVolume: 'mine', containerPath: '/enforcer-files', readOnly: true });
    })).toThrow(/container 'app': mount point "\/enforcer-files" \(volume 'mine'\) shadows the enforcer volume '\/enforcer-files'/);
  });

  test("a task volume with the delivery's volume name is an error", () => {
    expect(() => synth(copyEnforcer(), t => {
      t.addVolume({ name: 'enforcer-files' });
      t.addContainer('app', { image: ecs.ContainerImage.fromRegistry(APP) });
    })).toThrow(/more than one volume named 'enforcer-files'/);
  });

  test('a Windows task is refused with the reason of the mode', () => {
    expect(() => new EnforcedFargateTaskDefinition(new Stack(), 'T', {
      enforcer: copyEnforcer(),
      runtimePlatform: { operatingSystemFamily: ecs.OperatingSystemFamily.WINDOWS_SERVER_2022_CORE, cpuArchitecture: ecs.CpuArchitecture.X86_64 },
      cpu: 1024, memoryLimitMiB: 2048,
    })).toThrow(/the task-volume delivery runs a Linux enforcer binary inside each container; use a Linux task/);
  });
});

describe('writable directory and per-container values', () => {
  test('each protected container gets a private writable volume and its own name, image and family', () => {
    const enforcer = copyEnforcer({
      writableDirectory: '/tmp/enforcer-private',
      containerNameVariable: 'E_CONTAINER', imageNameVariable: 'E_IMAGE', taskFamilyVariable: 'E_TASK',
    });
    const { containers, properties } = synth(enforcer, t => {
      t.addContainer('app', { image: ecs.ContainerImage.fromRegistry(APP), readonlyRootFilesystem: true });
      t.addContainer('worker', { image: ecs.ContainerImage.fromRegistry(APP), command: ['work'] });
    }, { family: 'orders' });
    expect(properties.Volumes).toEqual([
      { Name: 'enforcer-files' }, { Name: 'enforcer-writable-app' }, { Name: 'enforcer-writable-worker' },
    ]);
    expect(containers.app.MountPoints).toEqual([
      { SourceVolume: 'enforcer-files', ContainerPath: '/enforcer-files', ReadOnly: true },
      { SourceVolume: 'enforcer-writable-app', ContainerPath: '/tmp/enforcer-private', ReadOnly: false },
    ]);
    expect(containers.worker.MountPoints[1]).toEqual({ SourceVolume: 'enforcer-writable-worker', ContainerPath: '/tmp/enforcer-private', ReadOnly: false });
    expect(containers.app.Environment).toEqual(expect.arrayContaining([
      { Name: 'E_CONTAINER', Value: 'app' }, { Name: 'E_IMAGE', Value: APP }, { Name: 'E_TASK', Value: 'orders' },
    ]));
    expect(containers.worker.Environment).toEqual(expect.arrayContaining([{ Name: 'E_CONTAINER', Value: 'worker' }]));
    expect(containers.enforcer.Environment).toBeUndefined();
  });

  test('a user mount at the writable directory is an error', () => {
    expect(() => synth(copyEnforcer({ writableDirectory: '/scratch' }), t => {
      t.addVolume({ name: 'mine' });
      t.addContainer('app', { image: ecs.ContainerImage.fromRegistry(APP) }).addMountPoints({ sourceVolume: 'mine', containerPath: '/scratch', readOnly: false });
    })).toThrow(/container 'app': already mounts 'mine' at \/scratch, where the enforcer needs its private writable volume/);
  });
});

describe('built in', () => {
  const builtIn = (extra = {}) => new Enforcer({
    image: ENFORCER_IMAGE, binaryPath: '/opt/enforcer/bin/enforce', binaryArgs: ['run', '--'], delivery: EnforcerDelivery.builtIn(), ...extra,
  });

  test('no sidecar; the image becomes an asset whose Dockerfile is readable; EntryPoint explicit; labels', () => {
    // WHEN
    const { containers, task, stack, template } = synth(builtIn(), t => {
      t.addContainer('app', { image: ecs.ContainerImage.fromRegistry(APP), command: ['serve', 'a b'] });
    });
    // THEN
    expect(task.enforcerContainer).toBeUndefined();
    expect(Object.keys(containers)).toEqual(['app']);
    const app = containers.app;
    expect(app.EntryPoint).toEqual(['/opt/enforcer/bin/enforce', 'run', '--', '/usr/bin/app']);
    expect(app.Command).toEqual(['serve', 'a b']);
    expect(app.DockerLabels).toEqual({ 'cdk-enforced-fargate.delivery': 'built-in', 'cdk-enforced-fargate.binary': '/opt/enforcer/bin/enforce' });
    expect(app.DependsOn).toBeUndefined();
    expect(app.VolumesFrom).toBeUndefined();
    expect(JSON.stringify(app.Image)).toMatch(/cdk-hnb659fds-container-assets/);
    // The execution role may pull the derived image.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['ecr:BatchGetImage']) })]) },
    });
    // The Dockerfile is part of the asset.
    const assembly = (stack.node.root as App).synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'S.assets.json'), 'utf8'));
    const images = Object.values(manifest.dockerImages) as any[];
    expect(images).toHaveLength(1);
    expect(images[0].source.platform).toBe('linux/amd64');
    const dockerfile = fs.readFileSync(path.join(assembly.directory, images[0].source.directory, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('FROM registry.example.com/enforcer:1.0 AS enforcer\n');
    expect(dockerfile).toContain(`FROM ${APP}\n`);
    expect(dockerfile).toContain('COPY --from=enforcer ["/opt/enforcer/bin","/opt/enforcer/bin"]\n');
    expect(dockerfile).toContain('ENTRYPOINT ["/opt/enforcer/bin/enforce","run","--","/usr/bin/app"]\n');
    expect(dockerfile).toContain('CMD ["serve","--port","8080"]\n');
  });

  test('ARM64 tasks get an ARM64 image', () => {
    const { stack } = synth(builtIn({ cpuArchitectures: [ecs.CpuArchitecture.ARM64] }), t => {
      t.addContainer('app', { image: ecs.ContainerImage.fromRegistry(APP) });
    }, { runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64 } });
    const assembly = (stack.node.root as App).synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'S.assets.json'), 'utf8'));
    expect((Object.values(manifest.dockerImages)[0] as any).source.platform).toBe('linux/arm64');
  });

  test('unknown image defaults are an error naming the fix, even when the task sets entryPoint', () => {
    expect(() => synth(builtIn(), t => {
      t.addContainer('other', { image: ecs.ContainerImage.fromRegistry('registry.example.com/other:1'), entryPoint: ['/bin/other'] });
    })).toThrow(/container 'other': the built-in delivery writes the derived image's ENTRYPOINT and CMD, so the ENTRYPOINT and CMD of image 'registry.example.com\/other:1' must be known; run `npx cdk-enforced-fargate lookup .*registry.example.com\/other:1` .* or declare them with imageDefaults/);
  });

  test('an asset application image is an error naming the fix', () => {
    expect(() => synth(builtIn(), t => {
      t.addContainer('app', {
        image: ecs.ContainerImage.fromAsset(path.join(__dirname, 'fixtures', 'dockerfiles', 'shell')),
      });
    })).toThrow(/container 'app': uses an image whose name is a token .* use a registry image \(ecs.ContainerImage.fromRegistry\), or another delivery/);
  });

  test('an enforcer image without binaries for the task architecture', () => {
    expect(() => new EnforcedFargateTaskDefinition(new Stack(), 'T', {
      enforcer: builtIn(), runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64 },
    })).toThrow(/the task's CPU architecture is ARM64 but the enforcer ships binaries for X86_64 only/);
  });
});

describe('whole apps (EnforceFargateTasks) and L1 templates', () => {
  function aspectTask(enforcer: Enforcer) {
    const app = new App();
    const stack = new Stack(app, 'S');
    const task = new ecs.FargateTaskDefinition(stack, 'Plain');
    task.addContainer('app', { image: ecs.ContainerImage.fromRegistry(APP), command: ['serve'] });
    Aspects.of(app).add(new EnforceFargateTasks({ enforcer, imageDefaults: { [APP]: APP_DEFAULTS } }));
    const resource = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'))[0] as any;
    return Object.fromEntries(resource.Properties.ContainerDefinitions.map((c: any) => [c.Name, c])) as { [name: string]: any };
  }

  test('the Aspect protects an L2 task with the task-volume copy', () => {
    const containers = aspectTask(copyEnforcer());
    expect(containers.enforcer.DockerLabels['cdk-enforced-fargate.delivery']).toBe('task-volume');
    expect(containers.app.MountPoints).toEqual([{ SourceVolume: 'enforcer-files', ContainerPath: '/enforcer-files', ReadOnly: true }]);
    expect(containers.app.DependsOn).toEqual([{ ContainerName: 'enforcer', Condition: 'SUCCESS' }]);
  });

  test('the Aspect protects an L2 task with the built-in image (no sidecar)', () => {
    const containers = aspectTask(new Enforcer({ image: ENFORCER_IMAGE, binaryPath: '/opt/e/bin/e', delivery: EnforcerDelivery.builtIn() }));
    expect(Object.keys(containers)).toEqual(['app']);
    expect(containers.app.EntryPoint).toEqual(['/opt/e/bin/e', '/usr/bin/app']);
    expect(containers.app.DockerLabels).toEqual({ 'cdk-enforced-fargate.delivery': 'built-in', 'cdk-enforced-fargate.binary': '/opt/e/bin/e' });
    expect(JSON.stringify(containers.app.Image)).toMatch(/container-assets/);
  });

  test('an L1 task under a task-volume enforcer is an error naming the fix', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    new ecs.CfnTaskDefinition(stack, 'L1', {
      requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512', networkMode: 'awsvpc',
      containerDefinitions: [{ name: 'app', image: APP, entryPoint: ['/usr/bin/app'] }],
    });
    Aspects.of(app).add(new EnforceFargateTasks({ enforcer: copyEnforcer() }));
    expect(() => app.synth()).toThrow(/the enforcer's task-volume delivery is supported on L2 task definitions .* use EnforcerDelivery.volumesFrom\(\) here, or define the task with the L2 construct/);
  });
});

describe('the coverage rule (lib/coverage) reads every mode as protected', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { checkTemplate, unprotectedFindings } = require('../lib/coverage/check');
  test.each([
    ['volumes-from', () => new Enforcer({ image: ENFORCER_IMAGE, binaryPath: '/opt/e/bin/e' })],
    ['task-volume', () => copyEnforcer({ writableDirectory: '/tmp/private' })],
    ['built-in', () => new Enforcer({ image: ENFORCER_IMAGE, binaryPath: '/opt/e/bin/e', delivery: EnforcerDelivery.builtIn() })],
  ])('%s', (_mode, enforcer) => {
    const { template } = synth(enforcer(), t => {
      t.addContainer('app', { image: ecs.ContainerImage.fromRegistry(APP), command: ['serve'], readonlyRootFilesystem: true });
    });
    const coverage = checkTemplate(template.toJSON());
    expect(unprotectedFindings(coverage)).toEqual([]);
    expect(coverage.status).toBe('protected');
  });
});
