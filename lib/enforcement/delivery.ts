/**
 * Where a delivery mode plugs into the enforcement: how the enforcer's files reach a protected
 * container, and how the sidecar describes that in its labels. Pure.
 *
 * Today's mode is `volumes-from` (the sidecar image's VOLUME, mounted with `volumesFrom`). A
 * task-volume copy (an init container copies the files into a task volume that protected
 * containers mount) and a built-in mode (the enforcer layered into the image) add a
 * `DeliveryRule` here, and the adapters render whatever `Protection` the rule returns.
 */
import { ContainerModel, EnforcerSpec, LABEL_BINARY, LABEL_DELIVERY, LABEL_ROLE, Protection, ROLE_ENFORCER } from './model';

/** A delivery mode as the plan sees it. */
export interface DeliveryRule {
  /** The name in the label contract (`cdk-enforced-fargate.delivery`). */
  readonly name: string;
  /** The labels of the sidecar (or init container) that delivers the enforcer. */
  sidecarLabels(enforcer: EnforcerSpec): { [name: string]: string };
  /**
   * What a protected container needs to reach the enforcer's files, or a message when the
   * container already has something that contradicts it.
   */
  mount(container: ContainerModel, enforcer: EnforcerSpec): Pick<Protection, 'volumesFrom' | 'mountPoint'> | string;
}

/** The sidecar image's VOLUME, mounted with `volumesFrom` (read-only by default). */
export const VOLUMES_FROM: DeliveryRule = {
  name: 'volumes-from',
  sidecarLabels: enforcer => ({
    [LABEL_ROLE]: ROLE_ENFORCER,
    [LABEL_BINARY]: enforcer.binaryPath,
    [LABEL_DELIVERY]: 'volumes-from',
  }),
  mount(container, enforcer) {
    const existing = container.volumesFrom.find(v => v.sourceContainer === enforcer.containerName);
    if (existing && !!existing.readOnly !== enforcer.readOnly) {
      return `already mounts volumes from '${enforcer.containerName}' with readOnly ${!!existing.readOnly}, but the enforcer is configured with readOnly ${enforcer.readOnly}; remove the volumesFrom entry and let the enforcement add it`;
    }
    return existing ? {} : { volumesFrom: { sourceContainer: enforcer.containerName, readOnly: enforcer.readOnly } };
  },
};

const RULES: { [name: string]: DeliveryRule } = { [VOLUMES_FROM.name]: VOLUMES_FROM };

/** The rule of a delivery mode by its name. */
export function deliveryRule(name: string): DeliveryRule {
  const rule = RULES[name];
  if (rule === undefined) throw new Error(`unknown delivery mode '${name}'; known: ${Object.keys(RULES).join(', ')}`);
  return rule;
}
