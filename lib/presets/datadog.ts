/**
 * Datadog's CWS instrumentation (Workload Protection on AWS Fargate).
 *
 * Shape taken from Datadog's public docs and code (read 2026-11-30):
 * - docs.datadoghq.com/security/workload_protection/setup/fargate/ (its task definition
 *   `datadog-agent-cws-ecs-fargate.json`): an init container `cws-instrumentation-init`
 *   (`essential: false`, `user: "0"`) runs `/cws-instrumentation setup --cws-volume-mount
 *   /cws-instrumentation-volume` with the task volume `cws-instrumentation-volume` mounted
 *   read-write; application containers mount it read-only, start as
 *   `["/cws-instrumentation-volume/cws-instrumentation", "trace", "--", <original argv>]`, get
 *   `SYS_PTRACE`, and the task sets `pidMode: task`.
 * - DataDog/datadog-cdk-constructs, src/ecs/fargate/constants.ts: `EntryPointPrefixCWS` and the
 *   container name `cws-instrumentation-init`.
 * The dependency condition on the init container: Datadog's docs use `SUCCESS`; this preset too.
 * The Datadog Agent sidecar that receives the events (and holds the API key) is not part of the
 * enforcer: add it to the task yourself (or with Datadog's construct) and exclude it.
 */
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { EnforcerDelivery } from '../delivery';
import { EnforcerOptions, EnforcerProps } from '../enforcer';
import { dropUndefined, requireImage } from './common';

/** Properties of `Enforcer.datadogCws()`. Every `EnforcerOptions` field overrides the preset. */
export interface DatadogCwsProps extends EnforcerOptions {
  /** The cws-instrumentation image (e.g. `public.ecr.aws/datadog/cws-instrumentation:<version>`), pinned to a version. */
  readonly image: ecs.ContainerImage;
}

/** Where Datadog mounts the CWS volume. */
const CWS_MOUNT = '/cws-instrumentation-volume';

/** The `EnforcerProps` of the Datadog preset (internal; use `Enforcer.datadogCws`). */
export function datadogCwsEnforcerProps(props: DatadogCwsProps): EnforcerProps {
  const image = requireImage('datadogCws', props?.image, 'public.ecr.aws/datadog/cws-instrumentation:7.62.0');
  const { image: _i, ...rest } = props;
  return {
    binaryPath: `${CWS_MOUNT}/cws-instrumentation`,
    binaryArgs: ['trace', '--'],
    containerName: 'cws-instrumentation-init',
    capabilities: [ecs.Capability.SYS_PTRACE],
    dependencyCondition: ecs.ContainerDependencyCondition.SUCCESS,
    delivery: EnforcerDelivery.taskVolumeCopy({
      copyCommand: ['/cws-instrumentation', 'setup', '--cws-volume-mount', CWS_MOUNT],
      mountPath: CWS_MOUNT,
      volumeName: 'cws-instrumentation-volume',
      copyUser: '0',
    }),
    ...dropUndefined(rest),
    image,
  };
}
