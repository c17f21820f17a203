/**
 * Prisma Cloud's App-Embedded Defender for ECS Fargate.
 *
 * Shape taken from public task definitions that Prisma Cloud's console generates
 * (`POST /api/v<version>/defenders/fargate.json`, documented on pan.dev: "Generate a Protected JSON
 * Fargate Task Definition") and from public code that drives it (read 2026-11-30): protected
 * containers start as `["/var/lib/twistlock/fargate/defender", "fargate", "entrypoint", <original
 * argv>]` (older versions: `fargate_defender.sh`), mount volumes from the `TwistlockDefender`
 * sidecar, depend on it with `START`, get `SYS_PTRACE` and the variables `TW_IMAGE_NAME` (the
 * container's image), `TW_CONTAINER_NAME` (its name), `DEFENDER_TYPE=fargate`, `FARGATE_TASK`
 * (the task family), `WS_ADDRESS` (the console's websocket address) and `INSTALL_BUNDLE`.
 * Not confirmed by a public source, so left to the user: the defender image's `VOLUME` path (this
 * preset assumes the binary's directory), and whether the defender writes into its volume: the
 * generator mounts it read-write (`readOnly: false`), this preset read-only as the coverage rule
 * requires. `INSTALL_BUNDLE` carries credentials, so it is a secret here (the generator inlines it).
 */
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { EnforcerOptions, EnforcerProps } from '../enforcer';
import { dropUndefined, rejectReserved, requireImage, requireSecret, requireString } from './common';

/** Properties of `Enforcer.prismaCloudDefender()`. Every `EnforcerOptions` field overrides the preset. */
export interface PrismaCloudDefenderProps extends EnforcerOptions {
  /** The App-Embedded Defender image your console serves, pinned to a version. */
  readonly image: ecs.ContainerImage;

  /** The console's websocket address for Defenders (`WS_ADDRESS`, e.g. `wss://us-east1.cloud.twistlock.com:443`). */
  readonly consoleAddress: string;

  /** The Defender install bundle from the console (set as the secret `INSTALL_BUNDLE`, never as a plain variable). */
  readonly installBundle: ecs.Secret;

  /**
   * The Defender type (`DEFENDER_TYPE`).
   *
   * @default 'fargate'
   */
  readonly defenderType?: string;
}

const PRESET = 'prismaCloudDefender';

/** The `EnforcerProps` of the Prisma Cloud preset (internal; use `Enforcer.prismaCloudDefender`). */
export function prismaCloudDefenderEnforcerProps(props: PrismaCloudDefenderProps): EnforcerProps {
  const image = requireImage(PRESET, props?.image, 'registry-auth.twistlock.com/tw_<token>/twistlock/defender:defender_<version>');
  const consoleAddress = requireString(PRESET, 'consoleAddress', props.consoleAddress, "'wss://us-east1.cloud.twistlock.com:443'");
  const installBundle = requireSecret(PRESET, 'installBundle', props.installBundle, "the console's Defender install bundle");
  rejectReserved(PRESET, props, { WS_ADDRESS: 'consoleAddress', INSTALL_BUNDLE: 'installBundle', DEFENDER_TYPE: 'defenderType' });
  const { consoleAddress: _a, installBundle: _b, defenderType, image: _c, ...rest } = props;
  return {
    binaryPath: '/var/lib/twistlock/fargate/defender',
    binaryArgs: ['fargate', 'entrypoint'],
    containerName: 'TwistlockDefender',
    capabilities: [ecs.Capability.SYS_PTRACE],
    dependencyCondition: ecs.ContainerDependencyCondition.START,
    containerNameVariable: 'TW_CONTAINER_NAME',
    imageNameVariable: 'TW_IMAGE_NAME',
    taskFamilyVariable: 'FARGATE_TASK',
    ...dropUndefined(rest),
    image,
    environment: { ...props.environment, WS_ADDRESS: consoleAddress, DEFENDER_TYPE: defenderType ?? 'fargate' },
    secrets: { ...props.secrets, INSTALL_BUNDLE: installBundle },
  };
}
