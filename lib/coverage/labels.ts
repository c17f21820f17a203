/**
 * The Docker labels by which a task definition describes its own enforcement (the label
 * contract). The enforcement writes them; the coverage checker (check.ts), the Guard rule
 * (rules/enforced-fargate-tasks.guard) and `audit` read them.
 */

/** On the enforcer sidecar (or the init container of the task-volume delivery): `enforcer`. */
export const LABEL_ROLE = 'cdk-enforced-fargate.role';
/** The value of {@link LABEL_ROLE} on the sidecar. */
export const ROLE_ENFORCER = 'enforcer';
/** The enforcer binary's path: on the sidecar, and on a container whose image has it built in. */
export const LABEL_BINARY = 'cdk-enforced-fargate.binary';
/** How the binary reaches the protected containers: one of {@link DELIVERIES}. */
export const LABEL_DELIVERY = 'cdk-enforced-fargate.delivery';
/** For the `task-volume` delivery, on the sidecar: the task volume's name. */
export const LABEL_VOLUME = 'cdk-enforced-fargate.volume';
/** On an excluded container (and on every container of an exempted task): the reason, not empty. */
export const LABEL_EXCLUDED = 'cdk-enforced-fargate.excluded';

/** The binary comes from the sidecar image's VOLUME, mounted with `volumesFrom`. */
export const DELIVERY_VOLUMES_FROM = 'volumes-from';
/** An init container copies the binary into a task volume that protected containers mount. */
export const DELIVERY_TASK_VOLUME = 'task-volume';
/** The protected container's own image has the binary built in (no sidecar). */
export const DELIVERY_BUILT_IN = 'built-in';
/** Every value of {@link LABEL_DELIVERY}. */
export const DELIVERIES = [DELIVERY_VOLUMES_FROM, DELIVERY_TASK_VOLUME, DELIVERY_BUILT_IN] as const;
