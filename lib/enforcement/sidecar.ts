/**
 * The enforcer as the plan sees it (`EnforcerSpec`), and the enforcer sidecar's definition, so
 * that every adapter renders the same sidecar.
 */
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { deliveryRule, VOLUMES_FROM } from './delivery';
import { EnforcerSpec } from './model';
import { Enforcer } from '../enforcer';

/** The neutral view of an `Enforcer`; `secretValue` says what a secret's `valueFrom` is in the adapter's form. */
export function enforcerSpec(enforcer: Enforcer, secretValue: (secret: ecs.Secret) => unknown = s => s.arn): EnforcerSpec {
  return {
    containerName: enforcer.containerName,
    binaryPath: enforcer.binaryPath,
    prefix: enforcer.entryPointPrefix,
    readOnly: enforcer.readOnly,
    environment: { ...enforcer.environment },
    secrets: Object.fromEntries(Object.entries(enforcer.secrets).map(([k, s]) => [k, secretValue(s)])),
    capabilities: enforcer.capabilities.map(c => String(c)),
    dependencyCondition: String(enforcer.dependencyCondition),
    delivery: VOLUMES_FROM.name,
  };
}

/** The sidecar's settings apart from its image and log driver, which each adapter renders in its form. */
export interface SidecarSettings {
  readonly name: string;
  readonly essential: false;
  readonly readonlyRootFilesystem: true;
  readonly cpu: 0;
  readonly command?: string[];
  readonly dockerLabels: { [name: string]: string };
  /** The CloudWatch Logs stream prefix of the default log driver. */
  readonly streamPrefix: string;
}

/**
 * The sidecar: non-essential (it may exit once its volume is filled), a read-only root file
 * system, cpu 0 and no memory reservation (task size and cost unchanged), labelled with its role,
 * binary and delivery mode.
 */
export function sidecarSettings(enforcer: Enforcer, spec: EnforcerSpec = enforcerSpec(enforcer)): SidecarSettings {
  return {
    name: enforcer.containerName,
    essential: false,
    readonlyRootFilesystem: true,
    cpu: 0,
    command: enforcer.command,
    dockerLabels: deliveryRule(spec.delivery).sidecarLabels(spec),
    streamPrefix: enforcer.containerName,
  };
}

/** The sidecar's log driver: the enforcer's, or CloudWatch Logs. */
export function sidecarLogDriver(enforcer: Enforcer): ecs.LogDriver {
  return enforcer.logging ?? ecs.LogDrivers.awsLogs({ streamPrefix: enforcer.containerName });
}
