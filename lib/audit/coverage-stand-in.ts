/**
 * TEMPORARY stand-in for the coverage checker of lib/coverage/ (built on another branch), with the
 * interface agreed for it: `checkTaskDefinition(td, 'api')`. It implements the coverage rule of
 * the template markers (Docker labels) on the ECS API form only, so that the audit can be written
 * and tested before the real checker lands. Deleted when lib/coverage/ is merged; nothing but
 * ./verdict.ts imports it.
 */

export type StandInFate = 'sidecar' | 'protected' | 'excluded' | 'unprotected';

export interface StandInContainer {
  readonly name: string;
  readonly fate: StandInFate;
  /** The exclusion's reason, or why the container is unprotected. */
  readonly reason?: string;
}

export interface StandInTaskCoverage {
  /** False when the task definition cannot run on Fargate (the rule does not apply). */
  readonly applies: boolean;
  readonly containers: StandInContainer[];
}

const LABEL = 'cdk-enforced-fargate.';

interface Sidecar { name: string; binary: string; delivery: string; volume?: string }

/** The coverage rule on one task definition in the ECS API form (as DescribeTaskDefinition returns it). */
export function checkTaskDefinition(td: any, form: 'api'): StandInTaskCoverage {
  if (form !== 'api') throw new Error(`stand-in checker: form '${form}' not supported`);
  const compat: unknown[] = Array.isArray(td?.requiresCompatibilities) ? td.requiresCompatibilities : [];
  const containers: any[] = Array.isArray(td?.containerDefinitions) ? td.containerDefinitions : [];
  if (!compat.includes('FARGATE')) return { applies: false, containers: [] };
  const labels = (c: any): Record<string, unknown> => (c && typeof c.dockerLabels === 'object' && c.dockerLabels) || {};
  const sidecars: Sidecar[] = [];
  for (const c of containers) {
    const l = labels(c);
    if (l[`${LABEL}role`] === 'enforcer' && c.essential === false && typeof l[`${LABEL}binary`] === 'string') {
      sidecars.push({ name: c.name, binary: l[`${LABEL}binary`] as string, delivery: String(l[`${LABEL}delivery`] ?? 'volumes-from'), volume: l[`${LABEL}volume`] as string | undefined });
    }
  }
  return {
    applies: true,
    containers: containers.map((c): StandInContainer => {
      const l = labels(c);
      const name = String(c?.name);
      if (sidecars.some(s => s.name === name)) return { name, fate: 'sidecar' };
      if (l[`${LABEL}role`] === 'enforcer') return { name, fate: 'unprotected', reason: 'labelled as the enforcer but essential or without a binary label' };
      const excluded = l[`${LABEL}excluded`];
      if (typeof excluded === 'string' && excluded.trim() !== '') return { name, fate: 'excluded', reason: excluded };
      const entry0 = Array.isArray(c?.entryPoint) ? c.entryPoint[0] : undefined;
      if (l[`${LABEL}delivery`] === 'built-in') {
        return entry0 !== undefined && entry0 === l[`${LABEL}binary`]
          ? { name, fate: 'protected' }
          : { name, fate: 'unprotected', reason: 'built-in delivery but entryPoint does not start with its binary' };
      }
      const bySidecar = sidecars.filter(s => s.binary === entry0);
      if (bySidecar.length === 0) {
        return { name, fate: 'unprotected', reason: entry0 === undefined ? 'not wrapped: no entryPoint' : `not wrapped: entryPoint starts with '${entry0}', not an enforcer binary` };
      }
      const why: string[] = [];
      for (const s of bySidecar) {
        const mounted = s.delivery === 'task-volume'
          ? (c.mountPoints ?? []).some((m: any) => m.sourceVolume === s.volume && m.readOnly === true)
          : (c.volumesFrom ?? []).some((v: any) => v.sourceContainer === s.name && v.readOnly === true);
        const depends = (c.dependsOn ?? []).some((d: any) => d.containerName === s.name);
        if (mounted && depends) return { name, fate: 'protected' };
        if (!mounted) why.push(`no read-only ${s.delivery === 'task-volume' ? `mount of volume '${s.volume}'` : `volumesFrom '${s.name}'`}`);
        if (!depends) why.push(`no dependsOn '${s.name}'`);
      }
      return { name, fate: 'unprotected', reason: why.join('; ') };
    }),
  };
}
