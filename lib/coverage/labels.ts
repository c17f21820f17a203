/**
 * The Docker labels by which a task definition describes its own enforcement (the label
 * contract). The enforcement writes them; the coverage checker (check.ts), the Guard rule
 * (rules/enforced-fargate-tasks.guard) and `audit` read them.
 */

// The label names are those the enforcement writes (one definition, in the core's model):
// LABEL_ROLE (= ROLE_ENFORCER on the sidecar or init container), LABEL_BINARY (the binary's path),
// LABEL_DELIVERY (one of DELIVERIES), LABEL_VOLUME (task-volume: the volume's name) and
// LABEL_EXCLUDED (the reason, not empty).
export { LABEL_BINARY, LABEL_DELIVERY, LABEL_EXCLUDED, LABEL_ROLE, LABEL_VOLUME, ROLE_ENFORCER } from '../enforcement/model';

/** The binary comes from the sidecar image's VOLUME, mounted with `volumesFrom`. */
export const DELIVERY_VOLUMES_FROM = 'volumes-from';
/** An init container copies the binary into a task volume that protected containers mount. */
export const DELIVERY_TASK_VOLUME = 'task-volume';
/** The protected container's own image has the binary built in (no sidecar). */
export const DELIVERY_BUILT_IN = 'built-in';
/** Every value of {@link LABEL_DELIVERY}. */
export const DELIVERIES = [DELIVERY_VOLUMES_FROM, DELIVERY_TASK_VOLUME, DELIVERY_BUILT_IN] as const;
