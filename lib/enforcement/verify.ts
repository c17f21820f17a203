/**
 * The last phase of the enforcement: verify the rendered result. Pure.
 *
 * Between the enforcement and the template, other code may still change a task: an Aspect or a
 * validation that runs after the enforcement, or a property override on the L1 resource (which
 * aws-cdk-lib applies last, over everything). The rendered container definitions (CloudFormation
 * casing, resolved, overrides applied) are therefore read back into the model and planned again:
 * a protected container must come out protected with nothing left to add, so that no template is
 * written in which it would run unprotected or with an environment that clashes with the enforcer's.
 */
import { ContainerModel, LABEL_ROLE, PlanContext, ROLE_ENFORCER } from './model';
import { planContainer } from './plan';

/** A rendered container definition (an element of `ContainerDefinitions`). */
export type RenderedContainer = { readonly [key: string]: any };

const CHANGED = 'changed after the enforcement ran (by a property override on the task definition, or by an Aspect or validation that runs after the enforcement)';
const FIX = 'make that change before synthesis, through the container\'s props or methods (an override of EntryPoint or Command made before synthesis is wrapped)';

/** A rendered container as the plan sees it. */
export function modelOfRendered(c: RenderedContainer, isSidecar: boolean): ContainerModel {
  const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
  return {
    name: c.Name,
    image: c.Image,
    entryPoint: c.EntryPoint,
    command: c.Command,
    environment: list(c.Environment).map(kv => ({ name: kv?.Name, value: kv?.Value })),
    secrets: list(c.Secrets).map(s => ({ name: s?.Name, valueFrom: s?.ValueFrom })),
    volumesFrom: list(c.VolumesFrom).map(v => ({ sourceContainer: v?.SourceContainer, readOnly: v?.ReadOnly })),
    mountPoints: list(c.MountPoints).map(m => ({ sourceVolume: m?.SourceVolume, containerPath: m?.ContainerPath, readOnly: m?.ReadOnly })),
    dependsOn: list(c.DependsOn).map(d => ({ containerName: d?.ContainerName, condition: d?.Condition })),
    droppedCapabilities: c.LinuxParameters?.Capabilities?.Drop,
    essential: c.Essential,
    labels: c.DockerLabels ?? {},
    isSidecar,
  };
}

/**
 * Messages for every protected container whose rendered definition is not protected any more,
 * and for a sidecar that disappeared. `protectedNames`: the containers the enforcement protected.
 */
export function verifyRendered(rendered: unknown, protectedNames: string[], ctx: PlanContext): string[] {
  const enforcer = ctx.enforcer;
  if (!Array.isArray(rendered)) {
    return [`the rendered ContainerDefinitions are ${JSON.stringify(rendered)}, not a list: a property override replaced them, so the enforcement cannot vouch for any container; override single properties instead (e.g. 'ContainerDefinitions.1.Ulimits')`];
  }
  const errors: string[] = [];
  const sidecars = rendered.filter(c => c?.Name === enforcer.containerName && c?.DockerLabels?.[LABEL_ROLE] === ROLE_ENFORCER);
  if (sidecars.length !== 1) {
    errors.push(`the rendered ContainerDefinitions hold ${sidecars.length} enforcer sidecars named '${enforcer.containerName}' instead of 1: a property override on ContainerDefinitions, or code that runs after the enforcement, changed them; ${FIX}`);
  }
  const verifyCtx: PlanContext = { ...ctx, excluded: {}, imageDefaultsOf: () => undefined };
  for (const name of protectedNames) {
    const found = rendered.filter(c => c?.Name === name);
    if (found.length !== 1) {
      errors.push(`container '${name}': ${found.length === 0 ? 'is not in the rendered task definition under that name any more' : `appears ${found.length} times in the rendered task definition`}, ${CHANGED} (e.g. an override of ContainerDefinitions or of its Name); ${FIX}`);
      continue;
    }
    const c = found[0];
    if (c.EntryPoint === undefined || c.EntryPoint === null) {
      errors.push(`container '${name}': ${CHANGED}: its EntryPoint was removed, so it would start without the enforcer; ${FIX}`);
      continue;
    }
    const fate = planContainer(modelOfRendered(c, false), verifyCtx);
    const where = `container '${name}'`;
    if (fate.kind === 'error') {
      const cause = fate.message.startsWith(`${where}: `) ? fate.message.slice(where.length + 2) : fate.message;
      errors.push(`${where}: ${CHANGED}, so that it is not protected any more: it ${cause}`);
      continue;
    }
    if (fate.kind !== 'protected') continue;
    const p = fate.protection;
    const missing: string[] = [];
    if (p.entryPoint !== undefined) missing.push(`its EntryPoint ${ctx.show(c.EntryPoint)} does not start with the enforcer binary`);
    if (p.volumesFrom !== undefined) missing.push(`its volumesFrom lacks '${enforcer.containerName}'`);
    if (p.mountPoint !== undefined) missing.push(`its mount points lack the enforcer volume '${p.mountPoint.sourceVolume}'`);
    if (p.dependsOn !== undefined) missing.push(`its dependsOn lacks '${enforcer.containerName}'`);
    if (p.environment.length > 0) missing.push(`its environment lacks ${p.environment.map(e => `'${e.name}'`).join(', ')}`);
    if (p.secrets.length > 0) missing.push(`its secrets lack ${p.secrets.map(s => `'${s}'`).join(', ')}`);
    const added = c.LinuxParameters?.Capabilities?.Add;
    const lacking = enforcer.capabilities.filter(cap => !(Array.isArray(added) && added.includes(cap)));
    if (lacking.length > 0) missing.push(`its linuxParameters do not add ${lacking.join(', ')}`);
    if (missing.length > 0) errors.push(`${where}: ${CHANGED}: ${missing.join('; ')}; ${FIX}`);
  }
  return errors;
}
