/**
 * Stub enforcer images laid out like each vendor's (no vendor image is reachable here), an
 * application image, and the static programs they are made of (support/recorder.c). Used by the
 * delivery end-to-end test and the startup benchmark. Test support only.
 *
 * Layouts, after the vendors' public task definitions (sources in lib/presets/*.ts):
 * - Sysdig: `/opt/draios/bin/instrument` (the enforcer) and `/opt/draios/bin/logwriter` (the
 *   sidecar's own program) in the image VOLUME `/opt/draios`.
 * - Prisma Cloud: `/var/lib/twistlock/fargate/defender` (takes `fargate entrypoint`) in the VOLUME
 *   `/var/lib/twistlock/fargate`.
 * - Datadog: `/cws-instrumentation`, whose `setup --cws-volume-mount DIR` copies itself to DIR
 *   (no VOLUME: the init container copies it), and which takes `trace --`.
 * - CrowdStrike: `/bin`, `/etc`, `/lib64`, `/usr`, `/entrypoint-ecs.sh` copied by `/bin/bash -c`
 *   into `/tmp/CrowdStrike/rootfs`; the enforcer is `lib64/ld-linux-x86-64.so.2` taking
 *   `--library-path DIR bash entrypoint-ecs.sh`, and needs to write in `/tmp/CrowdStrike-private`.
 * - generic: `/opt/enforcer/bin/enforce` (takes `run --`) in the VOLUME `/opt/enforcer/bin`, with
 *   busybox for a copy command; and an empty-volume variant for the fail-closed cases.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Podman } from './podman-task';

/** The application image every scenario protects, and its own ENTRYPOINT/CMD. */
export const APP_IMAGE = 'registry.example.com/app:1';
export const APP_DEFAULTS = { entryPoint: ['/app'], command: ['serve'] };
export const BUSYBOX = '/bin/busybox';

export const VENDOR_IMAGES = {
  sysdig: 'quay.io/sysdig/workload-agent:stub',
  prisma: 'registry.example.com/twistlock/defender:stub',
  datadog: 'public.ecr.aws/datadog/cws-instrumentation:stub',
  crowdstrike: 'registry.example.com/falcon-container:stub',
  generic: 'registry.example.com/enforcer:stub',
  empty: 'registry.example.com/enforcer-empty:stub',
};

/** Static programs: the app, and stub enforcers by their defines. */
export class StubPrograms {
  private readonly built = new Map<string, string>();
  constructor(private readonly dir: string) {}

  /** Compiles support/recorder.c (or another support source) with the given defines; cached. */
  public program(defines: string[], source = 'recorder.c'): string {
    const key = `${source}:${defines.join(' ')}`;
    if (!this.built.has(key)) {
      const out = path.join(this.dir, `stub-${this.built.size}`);
      const r = spawnSync('gcc', ['-static', '-O2', ...defines, '-o', out, path.join(__dirname, source)], { encoding: 'utf8' });
      if (r.error || r.status !== 0) throw new Error(`gcc -static failed: ${r.error ?? r.stderr}`);
      this.built.set(key, out);
    }
    return this.built.get(key)!;
  }

  public get app(): string { return this.program([]); }
  public enforcer(fixedArgs: number, ...defines: string[]): string { return this.program([`-DENFORCER_ARGS=${fixedArgs}`, ...defines]); }
}

/** Builds the application image and every vendor's stub image in `podman`. */
export function buildVendorImages(podman: Podman, stubs: StubPrograms): void {
  podman.buildImage(APP_IMAGE, { files: { '/app': stubs.app }, entryPoint: APP_DEFAULTS.entryPoint, command: APP_DEFAULTS.command });
  podman.buildImage(VENDOR_IMAGES.sysdig, {
    files: { '/opt/draios/bin/instrument': stubs.enforcer(0), '/opt/draios/bin/logwriter': stubs.enforcer(0) },
    volume: '/opt/draios',
  });
  podman.buildImage(VENDOR_IMAGES.prisma, {
    files: { '/var/lib/twistlock/fargate/defender': stubs.enforcer(2) },
    volume: '/var/lib/twistlock/fargate', command: ['/var/lib/twistlock/fargate/defender'],
  });
  podman.buildImage(VENDOR_IMAGES.datadog, {
    files: { '/cws-instrumentation': stubs.enforcer(2, '-DSETUP_COPY="cws-instrumentation"') },
    entryPoint: ['/cws-instrumentation'],
  });
  podman.buildImage(VENDOR_IMAGES.crowdstrike, {
    files: {
      '/bin/busybox': BUSYBOX, '/bin/sh': BUSYBOX, '/bin/cp': BUSYBOX, '/bin/mkdir': BUSYBOX, '/bin/chmod': BUSYBOX,
      '/bin/bash': stubs.program([], 'bash-stand-in.c'),
      '/lib64/ld-linux-x86-64.so.2': stubs.enforcer(4, '-DWRITABLE_DIR="/tmp/CrowdStrike-private"'),
      '/entrypoint-ecs.sh': stubs.app,
      '/etc/falcon.conf': stubs.app,
      '/usr/share/falcon/README': stubs.app,
    },
    // The real image's ENTRYPOINT is its patching utility: the init container must not rely on it.
    entryPoint: ['/bin/false-entrypoint-never-used'],
  });
  podman.buildImage(VENDOR_IMAGES.generic, {
    files: { '/opt/enforcer/bin/enforce': stubs.enforcer(2), '/bin/busybox': BUSYBOX },
    volume: '/opt/enforcer/bin', command: ['/opt/enforcer/bin/enforce'],
  });
  podman.buildImage(VENDOR_IMAGES.empty, {
    files: { '/bin/busybox': BUSYBOX, '/bin/sidecar': stubs.enforcer(0) },
    directories: ['/opt/enforcer/bin'], volume: '/opt/enforcer/bin', command: ['/bin/sidecar'],
  });
}
