/**
 * Sysdig's serverless workload agent for ECS on Fargate.
 *
 * Shape taken from Sysdig's own injectors (public code, read 2026-11-30):
 * - sysdiglabs/terraform-provider-sysdig, sysdig/data_source_sysdig_fargate_workload_agent.go: the
 *   kilt recipe it runs (sysdiglabs/agent-kilt) sets `entry_point: ["/opt/draios/bin/instrument"]`
 *   followed by the original entry point and command, the variables `SYSDIG_COLLECTOR`,
 *   `SYSDIG_COLLECTOR_PORT`, `SYSDIG_ORCHESTRATOR`, `SYSDIG_ORCHESTRATOR_PORT`, `SYSDIG_ACCESS_KEY`,
 *   `SYSDIG_LOGGING`, `SYSDIG_SIDECAR`, the capability `SYS_PTRACE`, and a sidecar named
 *   `SysdigInstrumentation` from the workload agent image whose volume `/opt/draios` is mounted
 *   with volumesFrom; the sidecar's entry point is `/opt/draios/bin/logwriter`.
 * - Sysdig's documentation of the serverless patcher (docs.sysdig.com, "Serverless Patcher"):
 *   sidecar exposing a volume, volumesFrom in each workload container, entry point rewritten,
 *   SYS_PTRACE, Sysdig environment variables.
 * Not confirmed by a public source, so left to the user: whether the sidecar image has its own
 * ENTRYPOINT (kilt overrides the entry point; this preset sets the sidecar's command), and whether
 * `pidMode: task` is required (Sysdig's docs for recent agents mention it; set it on the task).
 * kilt passes the access key as a plain variable; here it is a secret.
 */
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { EnforcerOptions, EnforcerProps } from '../enforcer';
import { dropUndefined, rejectReserved, requireImage, requireSecret } from './common';

/** Properties of `Enforcer.sysdigWorkloadAgent()`. Every `EnforcerOptions` field overrides the preset. */
export interface SysdigWorkloadAgentProps extends EnforcerOptions {
  /** The workload agent image (e.g. `quay.io/sysdig/workload-agent:<version>`), pinned to a version. */
  readonly image: ecs.ContainerImage;

  /** The Sysdig agent access key (set as the secret `SYSDIG_ACCESS_KEY`, never as a plain variable). */
  readonly accessKey: ecs.Secret;

  /**
   * The Sysdig collector host (`SYSDIG_COLLECTOR`). Give it, or `orchestratorHost`, or both.
   *
   * @default - none: the agent reaches Sysdig through the orchestrator agent
   */
  readonly collectorHost?: string;

  /**
   * The collector port (`SYSDIG_COLLECTOR_PORT`).
   *
   * @default '6443' when `collectorHost` is given
   */
  readonly collectorPort?: string;

  /**
   * The orchestrator agent host (`SYSDIG_ORCHESTRATOR`), for the setup that proxies through it.
   *
   * @default - none
   */
  readonly orchestratorHost?: string;

  /**
   * The orchestrator agent port (`SYSDIG_ORCHESTRATOR_PORT`).
   *
   * @default '6667' when `orchestratorHost` is given
   */
  readonly orchestratorPort?: string;

  /**
   * The instrumentation's log level (`SYSDIG_LOGGING`).
   *
   * @default - not set (the agent's default)
   */
  readonly logLevel?: string;
}

const PRESET = 'sysdigWorkloadAgent';

/** The `EnforcerProps` of the Sysdig preset (internal; use `Enforcer.sysdigWorkloadAgent`). */
export function sysdigWorkloadAgentEnforcerProps(props: SysdigWorkloadAgentProps): EnforcerProps {
  const image = requireImage(PRESET, props?.image, 'quay.io/sysdig/workload-agent:5.3.0');
  const accessKey = requireSecret(PRESET, 'accessKey', props.accessKey, 'the Sysdig agent access key');
  rejectReserved(PRESET, props, {
    SYSDIG_ACCESS_KEY: 'accessKey', SYSDIG_COLLECTOR: 'collectorHost', SYSDIG_COLLECTOR_PORT: 'collectorPort',
    SYSDIG_ORCHESTRATOR: 'orchestratorHost', SYSDIG_ORCHESTRATOR_PORT: 'orchestratorPort', SYSDIG_LOGGING: 'logLevel',
  });
  if (!props.collectorHost && !props.orchestratorHost) {
    throw new Error(`Enforcer.${PRESET}: give 'collectorHost' (e.g. 'ingest-us1.app.sysdig.com') or 'orchestratorHost' (the orchestrator agent), or both; the agent has nowhere to send its events otherwise`);
  }
  const environment: { [name: string]: string } = {};
  if (props.collectorHost) {
    environment.SYSDIG_COLLECTOR = props.collectorHost;
    environment.SYSDIG_COLLECTOR_PORT = props.collectorPort ?? '6443';
  }
  if (props.orchestratorHost) {
    environment.SYSDIG_ORCHESTRATOR = props.orchestratorHost;
    environment.SYSDIG_ORCHESTRATOR_PORT = props.orchestratorPort ?? '6667';
  }
  if (props.logLevel) environment.SYSDIG_LOGGING = props.logLevel;
  return {
    binaryPath: '/opt/draios/bin/instrument',
    containerName: 'SysdigInstrumentation',
    command: ['/opt/draios/bin/logwriter'],
    capabilities: [ecs.Capability.SYS_PTRACE],
    ...withoutPresetProps(props),
    image,
    environment: { ...environment, ...props.environment },
    secrets: { ...props.secrets, SYSDIG_ACCESS_KEY: accessKey },
  };
}

function withoutPresetProps(props: SysdigWorkloadAgentProps): EnforcerOptions {
  const { accessKey, collectorHost, collectorPort, orchestratorHost, orchestratorPort, logLevel, image, ...rest } = props;
  return dropUndefined(rest);
}

