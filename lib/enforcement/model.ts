/**
 * The neutral model the enforcement works on. Every input form (an L2 task definition, an L1
 * `CfnTaskDefinition` such as one from `CfnInclude`, a task definition JSON in the ECS API form)
 * is read into this model by its adapter, the pure plan (plan.ts) is computed on it, and the
 * adapter writes the plan back in its own form.
 *
 * Field names follow the ECS API / the L1 property names (camelCase). Values are opaque: they may
 * be CloudFormation tokens; only the adapter knows how to compare them (`PlanContext.same`).
 */

/** The labels that make a template describe its own enforcement (the shared label contract). */
export const LABEL_ROLE = 'cdk-enforced-fargate.role';
export const LABEL_BINARY = 'cdk-enforced-fargate.binary';
export const LABEL_DELIVERY = 'cdk-enforced-fargate.delivery';
export const LABEL_VOLUME = 'cdk-enforced-fargate.volume';
export const LABEL_EXCLUDED = 'cdk-enforced-fargate.excluded';
/** The value of `LABEL_ROLE` on an enforcer sidecar. */
export const ROLE_ENFORCER = 'enforcer';

/** The ECS limit of containers in one task definition (not adjustable). */
export const MAX_CONTAINERS = 10;

/** A container of a task, as the enforcement sees it. */
export interface ContainerModel {
  readonly name: string;
  /** The image as written; a token string when it is known only at deployment. */
  readonly image: string;
  /** `undefined`: not set. May be a whole-list token (an opaque value standing for a list). */
  readonly entryPoint?: string[];
  readonly command?: string[];
  readonly environment: ReadonlyArray<{ readonly name: string; readonly value: unknown }>;
  readonly secrets: ReadonlyArray<{ readonly name: string; readonly valueFrom: unknown }>;
  readonly volumesFrom: ReadonlyArray<{ readonly sourceContainer: string; readonly readOnly?: boolean }>;
  readonly mountPoints: ReadonlyArray<{ readonly sourceVolume?: string; readonly containerPath?: string; readonly readOnly?: boolean }>;
  /** `condition` undefined means ECS's default, HEALTHY. */
  readonly dependsOn: ReadonlyArray<{ readonly containerName: string; readonly condition?: string }>;
  /** The capabilities the container drops (resolved), where the enforcer adds any. */
  readonly droppedCapabilities?: unknown;
  readonly essential?: boolean;
  readonly labels: { readonly [name: string]: unknown };
  /** This container is the enforcer sidecar the adapter itself added (not a user's namesake). */
  readonly isSidecar?: boolean;
  /**
   * Who added this container when the user did not write it (e.g. the FireLens log router
   * aws-cdk-lib adds), as messages should say it.
   */
  readonly addedBy?: string;
}

/** What the enforcer needs, independent of the input form. */
export interface EnforcerSpec {
  /** The sidecar's container name. */
  readonly containerName: string;
  /** The binary path. */
  readonly binaryPath: string;
  /** The argv prefix: the binary, then its fixed arguments. */
  readonly prefix: string[];
  readonly readOnly: boolean;
  readonly environment: { readonly [name: string]: string };
  /** Secret name → the value the container's `valueFrom` must have (compared with `same`). */
  readonly secrets: { readonly [name: string]: unknown };
  readonly capabilities: string[];
  /** START, COMPLETE or SUCCESS. */
  readonly dependencyCondition: string;
  /** The delivery mode's name, as in the label contract. */
  readonly delivery: string;
}

/** Image defaults as found for one container (see container-image-defaults.ts). */
export interface FoundDefaults {
  readonly defaults: { readonly entryPoint?: string[]; readonly command?: string[] };
  readonly source: string;
  /** The registry image `lookup` can read what is still unknown from. */
  readonly lookupReference?: string;
  /** The platform a context entry was looked up for (`linux/amd64`), when it records one. */
  readonly platform?: string;
  /** The image name that entry is filed under. */
  readonly imageName?: string;
}

/** What the plan needs from the adapter besides the containers. */
export interface PlanContext {
  readonly enforcer: EnforcerSpec;
  /** Container names never protected, with the reason each is excluded. */
  readonly excluded: { readonly [name: string]: string };
  /** Finds a container's image defaults: found, a message (malformed source), or unknown. */
  readonly imageDefaultsOf: (container: ContainerModel) => FoundDefaults | string | undefined;
  /** Whether two opaque values are the same (tokens resolved by the adapter). */
  readonly same: (a: unknown, b: unknown) => boolean;
  /** A value as messages show it. */
  readonly show: (value: unknown) => string;
  /**
   * A value as far as the adapter can resolve it (CloudFormation intrinsics stay objects), to
   * see what a token may become. Default: the value itself.
   */
  readonly resolve?: (value: unknown) => unknown;
  /** `linux/amd64` or `linux/arm64`: the platform `lookup` reads images for. */
  readonly lookupPlatform: string;
}

/** What to change on a protected container. Absent fields: nothing to change. */
export interface Protection {
  /** Write this EntryPoint. */
  readonly entryPoint?: string[];
  /** Write this Command. */
  readonly command?: string[];
  /** Add this volumesFrom entry (volumes-from delivery). */
  readonly volumesFrom?: { readonly sourceContainer: string; readonly readOnly: boolean };
  /** Add this mount point (task-volume delivery). */
  readonly mountPoint?: { readonly sourceVolume: string; readonly containerPath: string; readonly readOnly: boolean };
  /** Add this dependency. */
  readonly dependsOn?: { readonly containerName: string; readonly condition: string };
  /** Environment variables of the enforcer to add (those the container does not set already). */
  readonly environment: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  /** Names of the enforcer's secrets to add. */
  readonly secrets: string[];
  /** Capabilities to add (merged with the container's own). */
  readonly capabilities: string[];
}

/** A container's fate. */
export type ContainerFate =
  | { readonly kind: 'sidecar' }
  | { readonly kind: 'excluded'; readonly reason: string }
  | { readonly kind: 'protected'; readonly protection: Protection }
  /** `message` names the container, the value and the fix. */
  | { readonly kind: 'error'; readonly message: string };

/** The whole plan of a task. */
export interface TaskPlan {
  readonly containers: ReadonlyArray<{ readonly name: string; readonly fate: ContainerFate }>;
  /** Task-level and container errors, each naming the fix. */
  readonly errors: string[];
  /** Warnings with their ids. */
  readonly warnings: ReadonlyArray<{ readonly id: string; readonly message: string }>;
}
