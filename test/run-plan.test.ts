/** lib/run/plan.ts: a task definition translated into a local run, and what it refuses. */
import { planTaskRun, RunPlanError } from '../lib/run/plan';

const enforcer = { Name: 'enforcer', Image: 'registry.example.com/enforcer:1', Essential: false, ReadonlyRootFilesystem: true, Cpu: 0 };
const app = {
  Name: 'app',
  Image: 'nginx:1.27',
  Essential: true,
  EntryPoint: ['/aqua/microenforcer', '/docker-entrypoint.sh'],
  Command: ['nginx', '-g', 'daemon off;'],
  Environment: [{ Name: 'MODE', Value: 'a b' }],
  Secrets: [{ Name: 'TOKEN', ValueFrom: { Ref: 'Secret' } }],
  VolumesFrom: [{ SourceContainer: 'enforcer', ReadOnly: true }],
  DependsOn: [{ ContainerName: 'enforcer', Condition: 'START' }],
  LinuxParameters: { Capabilities: { Add: ['SYS_PTRACE'] } },
  LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-group': { Ref: 'Logs' } } },
  Memory: 512,
};
const task = (containers: any[], extra: { [key: string]: any } = {}) => ({
  ContainerDefinitions: containers, NetworkMode: 'awsvpc', RequiresCompatibilities: ['FARGATE'], Cpu: '256', Memory: '512', ...extra,
});
const secrets = { TOKEN: 'local token' };

describe('planTaskRun', () => {
  describe('When the task is one ECS can run on Fargate', () => {
    test('containers come in start order, each with the engine options ECS implies', () => {
      // GIVEN the app listed before the container it depends on
      const plan = planTaskRun(task([app, enforcer], { TaskRoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } }), { namePrefix: 'p', secretValues: secrets });
      // THEN
      expect(plan.containers.map(c => c.name)).toEqual(['enforcer', 'app']);
      expect(plan.containers[0]).toEqual({
        name: 'enforcer', podmanName: 'p-enforcer', waitFor: [], essential: false, startTimeout: undefined, stopTimeout: 30,
        image: 'registry.example.com/enforcer:1', options: ['--read-only', '--read-only-tmpfs=false'], command: [],
      });
      expect(plan.containers[1]).toMatchObject({
        essential: true,
        waitFor: [{ name: 'enforcer', condition: 'START' }],
        // The secret's value is not on the command line: the engine reads it from its environment.
        options: ['--volumes-from', 'p-enforcer:ro', '-e', 'MODE=a b', '-e', 'TOKEN', '--cap-add', 'SYS_PTRACE',
          '--entrypoint', '["/aqua/microenforcer","/docker-entrypoint.sh"]'],
        image: 'nginx:1.27',
        command: ['nginx', '-g', 'daemon off;'],
      });
      expect(plan.secretEnvironment).toEqual({ TOKEN: 'local token' });
      // What is knowingly not reproduced is said, once per setting (cpu 0 of the sidecar is not worth a line).
      expect(plan.notReproduced).toEqual([
        'the task metadata endpoint and the variables the ECS agent adds (ECS_CONTAINER_METADATA_URI_V4, AWS_REGION, AWS_EXECUTION_ENV...)',
        'task role: the containers get no AWS credentials from it',
        'LogConfiguration of app: the logs are printed here instead',
        'Memory of app: no memory limit is applied',
      ]);
    });

    test('task volumes, mount points, init process, labels, ulimits, user, workdir, timeouts', () => {
      const plan = planTaskRun(task([
        { Name: 'init', Image: 'i', Essential: false, StartTimeout: 30, MountPoints: [{ SourceVolume: 'bin', ContainerPath: '/out', ReadOnly: false }] },
        {
          Name: 'app', Image: 'a', StopTimeout: 5, User: '1000:1000', WorkingDirectory: '/srv',
          DependsOn: [{ ContainerName: 'init', Condition: 'SUCCESS' }],
          MountPoints: [{ SourceVolume: 'bin', ContainerPath: '/cws', ReadOnly: true }],
          LinuxParameters: { InitProcessEnabled: true, Capabilities: { Drop: ['NET_RAW'] } },
          DockerLabels: { 'cdk-enforced-fargate.excluded': 'log router' },
          Ulimits: [{ Name: 'nofile', SoftLimit: 1024, HardLimit: 2048 }],
        },
      ], { Volumes: [{ Name: 'bin' }], PidMode: 'task' }), { namePrefix: 'p' });
      expect(plan.volumes).toEqual(['p-volume-bin']);
      expect(plan.sharedPidNamespace).toBe(true);
      expect(plan.containers[0]).toMatchObject({ startTimeout: 30, options: ['-v', 'p-volume-bin:/out:rw,nocopy'] });
      expect(plan.containers[1]).toMatchObject({
        stopTimeout: 5,
        waitFor: [{ name: 'init', condition: 'SUCCESS' }],
        options: ['-v', 'p-volume-bin:/cws:ro,nocopy', '--cap-drop', 'NET_RAW', '--init', '--user', '1000:1000', '--workdir', '/srv',
          '--label', 'cdk-enforced-fargate.excluded=log router', '--ulimit', 'nofile=1024:2048'],
      });
    });

    test('a volume source is an implicit START dependency; images and expressions can be given', () => {
      const plan = planTaskRun(task([
        { ...app, DependsOn: undefined, Secrets: undefined, Image: { 'Fn::GetAtt': ['Repo', 'Uri'] },
          Environment: [{ Name: 'QUEUE', Value: { Ref: 'Queue' } }], VolumesFrom: [{ SourceContainer: 'enforcer', ReadOnly: false }] },
        enforcer,
      ]), { namePrefix: 'p', images: { 'app': 'localhost/app:dev', 'registry.example.com/enforcer:1': 'localhost/enf:dev' }, environment: { QUEUE: 'local-queue' } });
      expect(plan.containers[1].waitFor).toEqual([{ name: 'enforcer', condition: 'START' }]);
      expect(plan.containers[1].options).toEqual(expect.arrayContaining(['--volumes-from', 'p-enforcer:rw', '-e', 'QUEUE=local-queue']));
      expect(plan.containers.map(c => c.image)).toEqual(['localhost/enf:dev', 'localhost/app:dev']);
    });

    test('--without leaves a container out; a FireLens router can run as a plain container', () => {
      const router = { Name: 'log-router', Image: 'fluent-bit', Essential: true, FirelensConfiguration: { Type: 'fluentbit' } };
      const withoutRouter = planTaskRun(task([enforcer, { ...app, Secrets: undefined }, router]), { namePrefix: 'p', without: ['log-router'] });
      expect(withoutRouter.containers.map(c => c.name)).toEqual(['enforcer', 'app']);
      const plain = planTaskRun(task([router]), { namePrefix: 'p', firelensRouterAsContainer: true });
      expect(plain.containers.map(c => c.name)).toEqual(['log-router']);
    });

    test('a health check runs in the engine with ECS\'s defaults; podman is asked to run it by the runner', () => {
      const db = { Name: 'db', Image: 'db', HealthCheck: { Command: ['CMD-SHELL', 'pg_isready -U "app user"'] } };
      const api = { Name: 'api', Image: 'api', DependsOn: [{ ContainerName: 'db', Condition: 'HEALTHY' }] };
      const plan = planTaskRun(task([api, db]), { namePrefix: 'p' });
      expect(plan.containers[0]).toMatchObject({
        name: 'db', healthCheckInterval: 30,
        options: ['--health-cmd', 'pg_isready -U "app user"', '--health-interval', 'disable', '--health-timeout', '5s', '--health-retries', '3', '--health-start-period', '0s'],
      });
      expect(plan.containers[1].waitFor).toEqual([{ name: 'db', condition: 'HEALTHY' }]);
      const exec = planTaskRun(task([{ ...db, HealthCheck: { Command: ['CMD', '/bin/check', 'a b'], Interval: 5, Timeout: 2, Retries: 1, StartPeriod: 10 } }]), { namePrefix: 'p' });
      expect(exec.containers[0].options).toEqual(['--health-cmd', '["/bin/check","a b"]', '--health-interval', 'disable', '--health-timeout', '2s', '--health-retries', '1', '--health-start-period', '10s']);
      const docker = planTaskRun(task([db]), { namePrefix: 'p', engine: 'docker' });
      expect(docker.containers[0].options).toEqual(expect.arrayContaining(['--health-interval', '30s']));
    });

    test("the task's CPU architecture chooses the image variant", () => {
      const arm = planTaskRun(task([{ Name: 'a', Image: 'a' }], { RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' } }), { namePrefix: 'p' });
      expect(arm.containers[0].options).toEqual(['--platform', 'linux/arm64']);
      const chosen = planTaskRun(task([{ Name: 'a', Image: 'a' }], { RuntimePlatform: { CpuArchitecture: 'ARM64' } }), { namePrefix: 'p', platform: 'linux/amd64' });
      expect(chosen.containers[0].options).toEqual(['--platform', 'linux/amd64']);
      expect(chosen.notReproduced).toContain('CPU architecture ARM64: the linux/amd64 variants of the images run instead (--platform)');
      const unset = planTaskRun(task([{ Name: 'a', Image: 'a' }]), { namePrefix: 'p' });
      expect(unset.containers[0].options).toEqual([]);
      expect(() => planTaskRun(task([{ Name: 'a', Image: 'a' }], { RuntimePlatform: { CpuArchitecture: 'MIPS' } }), { namePrefix: 'p' }))
        .toThrow(/task RuntimePlatform.CpuArchitecture "MIPS": expected X86_64 or ARM64/);
    });

    test('secret values can be put on the command line for callers that want them there', () => {
      const plan = planTaskRun(task([enforcer, app]), { namePrefix: 'p', secretValues: secrets, inlineSecretValues: true });
      expect(plan.containers[1].options).toEqual(expect.arrayContaining(['-e', 'TOKEN=local token']));
      expect(plan.secretEnvironment).toEqual({});
    });
  });

  describe('When the task has settings a local run cannot reproduce', () => {
    const refusals: [string, () => unknown, RegExp][] = [
      ['a secret with no local value', () => planTaskRun(task([enforcer, app]), { namePrefix: 'p' }),
        /container 'app': secret TOKEN has no local value; give it with --secret TOKEN .*--secrets-file FILE \(run never fetches secrets\)/],
      ['a health check of another form', () => planTaskRun(task([{ ...app, Secrets: undefined, HealthCheck: { Command: ['NONE'] } }, enforcer]), { namePrefix: 'p' }),
        /container 'app': HealthCheck.Command \["NONE"\] cannot be reproduced locally; expected \["CMD-SHELL", "command"\] or \["CMD", "program", ...\]/],
      ['a CMD-form health check for Docker', () => planTaskRun(task([{ Name: 'a', Image: 'a', HealthCheck: { Command: ['CMD', 'true'] } }]), { namePrefix: 'p', engine: 'docker' }),
        /container 'a': HealthCheck.Command in the CMD form cannot be given to Docker's command line .*--engine podman, or write it as \["CMD-SHELL", "..."\]/],
      ['a HEALTHY dependency on a container without health check', () => planTaskRun(task([{ ...app, Secrets: undefined, DependsOn: [{ ContainerName: 'enforcer', Condition: 'HEALTHY' }] }, enforcer]), { namePrefix: 'p' }),
        /container 'app': dependency condition HEALTHY on 'enforcer' is not supported: 'enforcer' has no HealthCheck, so it never becomes healthy/],
      ['a FireLens router', () => planTaskRun(task([{ Name: 'log-router', Image: 'fb', FirelensConfiguration: { Type: 'fluentbit' } }]), { namePrefix: 'p' }),
        /container 'log-router': FirelensConfiguration cannot be reproduced locally: .*--without <its name>/],
      ['linuxParameters beyond capabilities and init', () => planTaskRun(task([{ Name: 'a', Image: 'a', LinuxParameters: { SharedMemorySize: 64 } }]), { namePrefix: 'p' }),
        /container 'a': LinuxParameters.SharedMemorySize cannot be reproduced locally/],
      ['environment files', () => planTaskRun(task([{ Name: 'a', Image: 'a', EnvironmentFiles: [{ Type: 's3', Value: 'arn' }] }]), { namePrefix: 'p' }),
        /container 'a': EnvironmentFiles cannot be reproduced locally \(environment files live in S3/],
      ['an unknown container setting', () => planTaskRun(task([{ Name: 'a', Image: 'a', Privileged: true }]), { namePrefix: 'p' }),
        /container 'a': Privileged cannot be reproduced locally \(Fargate does not allow it\)/],
      ['an App Mesh proxy configuration', () => planTaskRun(task([{ Name: 'a', Image: 'a' }], { ProxyConfiguration: { ContainerName: 'envoy' } }), { namePrefix: 'p' }),
        /task setting ProxyConfiguration cannot be reproduced locally/],
      ['bridge networking', () => planTaskRun(task([{ Name: 'a', Image: 'a' }], { NetworkMode: 'bridge' }), { namePrefix: 'p' }),
        /task NetworkMode "bridge" cannot be reproduced; run reproduces awsvpc/],
      ['Windows', () => planTaskRun(task([{ Name: 'a', Image: 'a' }], { RuntimePlatform: { OperatingSystemFamily: 'WINDOWS_SERVER_2022_CORE' } }), { namePrefix: 'p' }),
        /OperatingSystemFamily "WINDOWS_SERVER_2022_CORE": run starts Linux containers only/],
      ['an EFS volume', () => planTaskRun(task([{ Name: 'a', Image: 'a' }], { Volumes: [{ Name: 'data', EFSVolumeConfiguration: { FilesystemId: 'fs' } }] }), { namePrefix: 'p' }),
        /task volume 'data': EFSVolumeConfiguration cannot be reproduced/],
      ['an image that is a CloudFormation expression', () => planTaskRun(task([{ Name: 'a', Image: { 'Fn::GetAtt': ['Repo', 'Uri'] } }]), { namePrefix: 'p' }),
        /container 'a': its image .* is a CloudFormation expression; give a local image with --image a=REF/],
      ['an environment value that is a CloudFormation expression', () => planTaskRun(task([{ Name: 'a', Image: 'a', Environment: [{ Name: 'Q', Value: { Ref: 'Queue' } }] }]), { namePrefix: 'p' }),
        /container 'a' Environment Q: .* is not a plain value .*give it with --env Q=VALUE/],
      ['a COMPLETE dependency on an essential container', () => planTaskRun(task([{ Name: 'a', Image: 'a', DependsOn: [{ ContainerName: 'b', Condition: 'COMPLETE' }] }, { Name: 'b', Image: 'b' }]), { namePrefix: 'p' }),
        /a dependency with condition COMPLETE on 'b' requires 'b' to be non-essential/],
      ['no essential container', () => planTaskRun(task([enforcer]), { namePrefix: 'p' }), /no essential container left to run/],
      ['--without a container others depend on', () => planTaskRun(task([enforcer, app]), { namePrefix: 'p', secretValues: secrets, without: ['enforcer'] }),
        /--without enforcer: container 'app' depends on it/],
      ['--without an unknown container', () => planTaskRun(task([enforcer, app]), { namePrefix: 'p', secretValues: secrets, without: ['nope'] }),
        /--without nope: the task has no container 'nope'; its containers: enforcer, app/],
      ['a missing dependency', () => planTaskRun(task([app]), { namePrefix: 'p', secretValues: secrets }), /container 'app' depends on 'enforcer', which is not in the task/],
      ['a dependency cycle', () => planTaskRun(task([{ ...enforcer, DependsOn: [{ ContainerName: 'app', Condition: 'START' }] }, app]), { namePrefix: 'p', secretValues: secrets }),
        /dependency cycle: enforcer -> app -> enforcer/],
      ['an image that looks like an engine option', () => planTaskRun(task([{ Name: 'a', Image: '--privileged' }]), { namePrefix: 'p' }),
        /container 'a' Image: "--privileged" is not an image reference/],
      ['a container name ECS would not accept', () => planTaskRun(task([{ Name: 'a b', Image: 'a' }]), { namePrefix: 'p' }),
        /container Name: "a b" is not a container name/],
      ['a mount path with mount syntax', () => planTaskRun(task([{ Name: 'a', Image: 'a', MountPoints: [{ SourceVolume: 'v', ContainerPath: '/x:/etc' }] }], { Volumes: [{ Name: 'v' }] }), { namePrefix: 'p' }),
        /container 'a' MountPoints ContainerPath: "\/x:\/etc" is not an absolute path without : or ,/],
      ['a volume name with mount syntax', () => planTaskRun(task([{ Name: 'a', Image: 'a' }], { Volumes: [{ Name: 'v:/etc' }] }), { namePrefix: 'p' }),
        /task volume Name: "v:\/etc" is not a volume name/],
      ['a mount point of no task volume', () => planTaskRun(task([{ Name: 'a', Image: 'a', MountPoints: [{ SourceVolume: 'x', ContainerPath: '/x' }] }]), { namePrefix: 'p' }),
        /container 'a': mount point of volume 'x', which is not a volume of the task/],
    ];
    test.each(refusals)('%s is refused with a message naming it and the fix', (_what, plan, message) => {
      expect(plan).toThrow(RunPlanError);
      expect(plan).toThrow(message);
    });
  });
});

describe('planTaskRun for Docker', () => {
  test('the entry point is its first element and the rest go before the command: the same argv', () => {
    const plan = planTaskRun(task([enforcer, app]), { namePrefix: 'p', secretValues: secrets, engine: 'docker' });
    expect(plan.containers[0].options).toEqual(['--read-only']);
    expect(plan.containers[1].options).toEqual(expect.arrayContaining(['--entrypoint', '/aqua/microenforcer']));
    expect(plan.containers[1].command).toEqual(['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;']);
    const empty = planTaskRun(task([{ Name: 'a', Image: 'a', EntryPoint: [], Command: ['x'] }]), { namePrefix: 'p', engine: 'docker' });
    expect(empty.containers[0]).toMatchObject({ options: ['--entrypoint', ''], command: ['x'] });
  });
});
