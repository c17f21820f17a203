/**
 * CrowdStrike's Falcon container sensor for ECS Fargate.
 *
 * Shape taken from CrowdStrike's public samples (read 2026-11-30):
 * - CrowdStrike/Container-Security, aws-ecs/terraform/ecs_fargate.tf: an init container
 *   `crowdstrike-falcon-init-container` (`essential: false`, `user: "0:0"`) from the Falcon
 *   container image runs `/bin/bash -c "chmod u+rwx /tmp/CrowdStrike && mkdir
 *   /tmp/CrowdStrike/rootfs && cp -r /bin /etc /lib64 /usr /entrypoint-ecs.sh
 *   /tmp/CrowdStrike/rootfs && chmod -R a=rX /tmp/CrowdStrike ..."` into the task volume
 *   `crowdstrike-falcon-volume` at `/tmp/CrowdStrike`; protected containers mount it read-only,
 *   depend on the init container with `COMPLETE`, start as
 *   `["/tmp/CrowdStrike/rootfs/lib64/ld-linux-x86-64.so.2", "--library-path",
 *   "/tmp/CrowdStrike/rootfs/lib64", "/tmp/CrowdStrike/rootfs/bin/bash",
 *   "/tmp/CrowdStrike/rootfs/entrypoint-ecs.sh", <original argv>]`, get `SYS_PTRACE`,
 *   `FALCONCTL_OPTS=--cid=<CID>`, and a private writable volume at `/tmp/CrowdStrike-private`.
 * - TomRyan-321/crowdstrike-ecs-fargate-pipepline-demo (README): the same changes made by the
 *   sensor image's patching utility (`-ecs-spec-file`), which adds the private volume for a
 *   read-only root file system.
 * The prefix hard-codes the x86-64 dynamic loader: on ARM64 the loader has another name, which no
 * public CrowdStrike sample for Fargate shows, so this preset refuses ARM64 unless `binaryPath` is
 * given. The public samples put the CID in a plain variable; here `FALCONCTL_OPTS` is a secret.
 */
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { EnforcerDelivery } from '../delivery';
import { EnforcerOptions, EnforcerProps } from '../enforcer';
import { dropUndefined, rejectReserved, requireImage, requireSecret } from './common';

/** Properties of `Enforcer.crowdStrikeFalcon()`. Every `EnforcerOptions` field overrides the preset. */
export interface CrowdStrikeFalconProps extends EnforcerOptions {
  /** The Falcon container sensor image, mirrored to your registry and pinned to a version. */
  readonly image: ecs.ContainerImage;

  /**
   * The sensor's options with the customer ID, e.g. `--cid=<CID> --tags=web` (set as the secret
   * `FALCONCTL_OPTS`, never as a plain variable).
   */
  readonly falconctlOpts: ecs.Secret;
}

const PRESET = 'crowdStrikeFalcon';
const ROOT = '/tmp/CrowdStrike';

/** The `EnforcerProps` of the CrowdStrike preset (internal; use `Enforcer.crowdStrikeFalcon`). */
export function crowdStrikeFalconEnforcerProps(props: CrowdStrikeFalconProps): EnforcerProps {
  const image = requireImage(PRESET, props?.image, '123456789012.dkr.ecr.us-east-1.amazonaws.com/falcon-container:7.20.0');
  const falconctlOpts = requireSecret(PRESET, 'falconctlOpts', props.falconctlOpts, "the sensor's options with the customer ID, '--cid=<CID>'");
  rejectReserved(PRESET, props, { FALCONCTL_OPTS: 'falconctlOpts' });
  const arm = (props.cpuArchitectures ?? []).some(a => a._cpuArchitecture === ecs.CpuArchitecture.ARM64._cpuArchitecture);
  if (arm && props.binaryPath === undefined) {
    throw new Error(`Enforcer.${PRESET}: cpuArchitectures lists ARM64, but the preset's binaryPath is the x86-64 loader ${ROOT}/rootfs/lib64/ld-linux-x86-64.so.2, which does not exist in an ARM64 sensor image; give binaryPath (and binaryArgs) for your ARM64 sensor image, or use an X86_64 task`);
  }
  const { falconctlOpts: _f, image: _i, ...rest } = props;
  return {
    binaryPath: `${ROOT}/rootfs/lib64/ld-linux-x86-64.so.2`,
    binaryArgs: ['--library-path', `${ROOT}/rootfs/lib64`, `${ROOT}/rootfs/bin/bash`, `${ROOT}/rootfs/entrypoint-ecs.sh`],
    containerName: 'crowdstrike-falcon-init-container',
    capabilities: [ecs.Capability.SYS_PTRACE],
    dependencyCondition: ecs.ContainerDependencyCondition.COMPLETE,
    writableDirectory: `${ROOT}-private`,
    cpuArchitectures: [ecs.CpuArchitecture.X86_64],
    delivery: EnforcerDelivery.taskVolumeCopy({
      copyCommand: ['/bin/bash', '-c',
        `chmod u+rwx ${ROOT} && mkdir -p ${ROOT}/rootfs && cp -r /bin /etc /lib64 /usr /entrypoint-ecs.sh ${ROOT}/rootfs && chmod -R a=rX ${ROOT}`],
      mountPath: ROOT,
      volumeName: 'crowdstrike-falcon-volume',
      copyUser: '0:0',
    }),
    ...dropUndefined(rest),
    image,
    secrets: { ...props.secrets, FALCONCTL_OPTS: falconctlOpts },
  };
}
