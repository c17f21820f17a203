/**
 * Where a delivery mode plugs into the enforcement: how the enforcer's files reach a protected
 * container, and how the sidecar describes that in its labels. Pure.
 *
 * - `volumes-from`: the sidecar image's VOLUME, mounted with `volumesFrom` (read-only by default).
 * - `task-volume`: an init container copies the files into a task volume, which protected
 *   containers mount (read-only) once the copy has finished.
 * - `built-in`: no sidecar; the files are layered into a derived image (the adapter builds it from
 *   the plan's `Protection.builtIn`), so nothing is mounted.
 */
import { ContainerModel, EnforcerSpec, LABEL_BINARY, LABEL_DELIVERY, LABEL_ROLE, LABEL_VOLUME, Protection, ROLE_ENFORCER } from './model';

/** A delivery mode as the plan sees it. */
export interface DeliveryRule {
  /** The name in the label contract (`cdk-enforced-fargate.delivery`). */
  readonly name: string;
  /** Whether the mode has a sidecar (or init container) that protected containers depend on. */
  readonly sidecar: boolean;
  /** The labels of the sidecar (or init container) that delivers the enforcer. */
  sidecarLabels(enforcer: EnforcerSpec): { [name: string]: string };
  /**
   * What a protected container needs to reach the enforcer's files, or a message when the
   * container already has something that contradicts it.
   */
  mount(container: ContainerModel, enforcer: EnforcerSpec): Pick<Protection, 'volumesFrom' | 'mountPoint'> | string;
}

function labels(enforcer: EnforcerSpec, delivery: string): { [name: string]: string } {
  return { [LABEL_ROLE]: ROLE_ENFORCER, [LABEL_BINARY]: enforcer.binaryPath, [LABEL_DELIVERY]: delivery };
}

/** The sidecar image's VOLUME, mounted with `volumesFrom` (read-only by default). */
export const VOLUMES_FROM: DeliveryRule = {
  name: 'volumes-from',
  sidecar: true,
  sidecarLabels: enforcer => labels(enforcer, 'volumes-from'),
  mount(container, enforcer) {
    const existing = container.volumesFrom.find(v => v.sourceContainer === enforcer.containerName);
    if (existing && !!existing.readOnly !== enforcer.readOnly) {
      return `already mounts volumes from '${enforcer.containerName}' with readOnly ${!!existing.readOnly}, but the enforcer is configured with readOnly ${enforcer.readOnly}; remove the volumesFrom entry and let the enforcement add it`;
    }
    return existing ? {} : { volumesFrom: { sourceContainer: enforcer.containerName, readOnly: enforcer.readOnly } };
  },
};

/** A task volume the init container fills, mounted at the files directory (read-only by default). */
export const TASK_VOLUME: DeliveryRule = {
  name: 'task-volume',
  sidecar: true,
  sidecarLabels: enforcer => ({ ...labels(enforcer, 'task-volume'), [LABEL_VOLUME]: enforcer.volumeName! }),
  mount(container, enforcer) {
    const path = enforcer.filesDirectory!;
    const existing = container.mountPoints.find(m => m.containerPath === path);
    if (existing && (existing.sourceVolume !== enforcer.volumeName || !!existing.readOnly !== enforcer.readOnly)) {
      return `already mounts '${existing.sourceVolume}' (readOnly ${!!existing.readOnly}) at ${path}, where the enforcer's task volume '${enforcer.volumeName}' is mounted (readOnly ${enforcer.readOnly}); remove that mount point and let the enforcement add it`;
    }
    return existing ? {} : { mountPoint: { sourceVolume: enforcer.volumeName!, containerPath: path, readOnly: enforcer.readOnly } };
  },
};

/** The enforcer layered into a derived image: nothing to mount, no sidecar. */
export const BUILT_IN: DeliveryRule = {
  name: 'built-in',
  sidecar: false,
  sidecarLabels: () => ({}),
  mount: () => ({}),
};

const RULES: { [name: string]: DeliveryRule } = {
  [VOLUMES_FROM.name]: VOLUMES_FROM,
  [TASK_VOLUME.name]: TASK_VOLUME,
  [BUILT_IN.name]: BUILT_IN,
};

/** The rule of a delivery mode by its name. */
export function deliveryRule(name: string): DeliveryRule {
  const rule = RULES[name];
  if (rule === undefined) throw new Error(`unknown delivery mode '${name}'; known: ${Object.keys(RULES).join(', ')}`);
  return rule;
}
