/** The test helper that translates a task definition into podman runs (support/podman-task.ts, on lib/run/plan.ts). */
import { planTask } from './support/podman-task';

const enforcer = { Name: 'enforcer', Image: 'registry.example.com/enforcer:1', Essential: false, ReadonlyRootFilesystem: true, Cpu: 0 };
const app = {
  Name: 'app',
  Image: 'nginx:1.27',
  EntryPoint: ['/aqua/microenforcer', '/docker-entrypoint.sh'],
  Command: ['nginx', '-g', 'daemon off;'],
  Environment: [{ Name: 'MODE', Value: 'a b' }],
  Secrets: [{ Name: 'TOKEN', ValueFrom: { Ref: 'Secret' } }],
  VolumesFrom: [{ SourceContainer: 'enforcer', ReadOnly: true }],
  DependsOn: [{ ContainerName: 'enforcer', Condition: 'START' }],
  LinuxParameters: { Capabilities: { Add: ['SYS_PTRACE'] } },
  LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-group': { Ref: 'Logs' } } },
};

describe('planTask', () => {
  test('translates a protected container as ECS passes it', () => {
    // GIVEN the app listed before the container it depends on
    const plan = planTask([app, enforcer], { namePrefix: 't', secretValues: { TOKEN: 'fake' } });
    // THEN the dependency starts first
    expect(plan.map(p => p.name)).toEqual(['enforcer', 'app']);
    expect(plan[0].runArgs).toEqual(['-d', '--name', 't-enforcer', '--network', 'none', '--pull=never',
      '--read-only', '--read-only-tmpfs=false', 'registry.example.com/enforcer:1']);
    expect(plan[1].runArgs).toEqual(['-d', '--name', 't-app', '--network', 'none', '--pull=never',
      '--volumes-from', 't-enforcer:ro', '-e', 'MODE=a b', '-e', 'TOKEN=fake', '--cap-add', 'SYS_PTRACE',
      '--entrypoint', '["/aqua/microenforcer","/docker-entrypoint.sh"]', 'nginx:1.27', 'nginx', '-g', 'daemon off;']);
    expect(plan[1].waitFor).toEqual([{ name: 'enforcer', condition: 'START' }]);
  });

  test('a volume source is an implicit START dependency, and images can be mapped', () => {
    const plan = planTask([{ ...app, DependsOn: undefined, Secrets: undefined, VolumesFrom: [{ SourceContainer: 'enforcer', ReadOnly: false }] }, enforcer],
      { namePrefix: 't', images: { 'nginx:1.27': 'localhost/nginx:test' } });
    expect(plan[1].waitFor).toEqual([{ name: 'enforcer', condition: 'START' }]);
    expect(plan[1].runArgs).toEqual(expect.arrayContaining(['--volumes-from', 't-enforcer:rw', 'localhost/nginx:test']));
  });

  test('refuses what it cannot run faithfully', () => {
    expect(() => planTask([app, enforcer], { namePrefix: 't' })).toThrow(/secret TOKEN has no local value/);
    expect(() => planTask([{ ...enforcer, Essential: true, HealthCheck: { Command: ['NONE'] } }], { namePrefix: 't' })).toThrow(/HealthCheck.Command \["NONE"\] cannot be reproduced/);
    expect(() => planTask([{ ...app, DependsOn: [{ ContainerName: 'enforcer', Condition: 'HEALTHY' }] }, enforcer], { namePrefix: 't', secretValues: { TOKEN: 'x' } }))
      .toThrow(/HEALTHY on 'enforcer' is not supported/);
    expect(() => planTask([{ ...app, Command: [{ Ref: 'X' }] }, enforcer], { namePrefix: 't', secretValues: { TOKEN: 'x' } })).toThrow(/not a plain value/);
    expect(() => planTask([app], { namePrefix: 't', secretValues: { TOKEN: 'x' } })).toThrow(/depends on 'enforcer', which is not in the task/);
    expect(() => planTask([{ ...enforcer, DependsOn: [{ ContainerName: 'app', Condition: 'START' }] }, app], { namePrefix: 't', secretValues: { TOKEN: 'x' } }))
      .toThrow(/dependency cycle/);
  });
});

describe('planTask with task volumes', () => {
  test('a mount point of a task volume is a volume of its own, empty at first, read-only where the definition says so', () => {
    const init = { Name: 'init', Image: 'i', Essential: false, MountPoints: [{ SourceVolume: 'bin', ContainerPath: '/out', ReadOnly: false }] };
    const main = { Name: 'main', Image: 'm', DependsOn: [{ ContainerName: 'init', Condition: 'SUCCESS' }], MountPoints: [{ SourceVolume: 'bin', ContainerPath: '/in', ReadOnly: true }] };
    const plan = planTask([main, init], { namePrefix: 't', volumes: ['bin'] });
    expect(plan[0].runArgs).toEqual(expect.arrayContaining(['-v', 't-volume-bin:/out:rw,nocopy']));
    expect(plan[1].runArgs).toEqual(expect.arrayContaining(['-v', 't-volume-bin:/in:ro,nocopy']));
    expect(() => planTask([main, init], { namePrefix: 't' })).toThrow(/mount point of volume 'bin', which is not a volume of the task/);
  });
});
