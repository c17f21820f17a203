/**
 * The audit's view of the coverage checker: one verdict per task definition, from the coverage
 * rule (the Guard rule's TypeScript twin). This file is the only place the audit meets the
 * checker, so the checker's own result types stay its business.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { checkTaskDefinition } from '../coverage';

/** What happened to one container, by the coverage rule. */
export type ContainerFate = 'sidecar' | 'protected' | 'excluded' | 'unprotected';

export interface ContainerVerdict {
  readonly name: string;
  readonly fate: ContainerFate;
  /** For 'excluded' the reason recorded in the definition; for 'unprotected' why. */
  readonly reason?: string;
}

/**
 * A task definition's verdict: 'unprotected' when any container is; 'excluded' when every
 * container that is not a sidecar is excluded; 'protected' otherwise; 'not-fargate' when the rule
 * does not apply (the definition cannot run on Fargate).
 */
export type TaskDefinitionVerdictKind = 'protected' | 'excluded' | 'unprotected' | 'not-fargate';

export interface TaskDefinitionVerdict {
  readonly verdict: TaskDefinitionVerdictKind;
  readonly containers: ContainerVerdict[];
}

/** Applies the coverage rule to a task definition as DescribeTaskDefinition returned it. */
export function judgeTaskDefinition(td: TaskDefinition): TaskDefinitionVerdict {
  let coverage;
  try {
    coverage = checkTaskDefinition(td, 'api');
  } catch (e) {
    // A checker that cannot read a definition must never make it look protected.
    return { verdict: 'unprotected', containers: [{ name: '*', fate: 'unprotected', reason: `the coverage checker could not read it: ${(e as Error).message}` }] };
  }
  if (coverage.status === 'not-fargate') return { verdict: 'not-fargate', containers: [] };
  if (coverage.containers.length === 0 || coverage.why.length > 0) {
    return { verdict: 'unprotected', containers: [{ name: '*', fate: 'unprotected', reason: coverage.why.join('; ') || 'no container definitions' }] };
  }
  const containers: ContainerVerdict[] = coverage.containers.map(c => {
    const reason = c.status === 'excluded' ? c.reason : c.status === 'unprotected' ? c.why.join('; ') : undefined;
    return { name: c.name, fate: c.status, ...(reason !== undefined ? { reason } : {}) };
  });
  return { verdict: summarize(containers), containers };
}

function summarize(containers: ContainerVerdict[]): TaskDefinitionVerdictKind {
  if (containers.length === 0 || containers.some(c => c.fate === 'unprotected')) return 'unprotected';
  const payload = containers.filter(c => c.fate !== 'sidecar');
  return payload.length > 0 && payload.every(c => c.fate === 'excluded') ? 'excluded' : 'protected';
}
