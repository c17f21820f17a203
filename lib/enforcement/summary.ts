/**
 * The coverage summary of a stack after synthesis: which task definitions the enforcement
 * protected, which containers it excluded (with reasons) and which tasks are exempt (with
 * reasons). Written twice into the cloud assembly, from the same data:
 *
 * - for people: an info annotation on the stack (`cdk synth` prints it), one line;
 * - for tools: a metadata entry of type `cdk-enforced-fargate:coverage` on the stack (in
 *   cdk.out/manifest.json, under the stack's artifact), whose data is `CoverageReport` as JSON.
 */
import { Annotations, Stack } from 'aws-cdk-lib';
import { TaskCoverage } from './l2';

/** The metadata type of the machine-readable summary. */
export const COVERAGE_METADATA_TYPE = 'cdk-enforced-fargate:coverage';

/** The summary of one stack. */
export interface CoverageReport {
  readonly version: 1;
  readonly stack: string;
  readonly totals: {
    readonly tasks: number;
    readonly enforcedTasks: number;
    readonly exemptTasks: number;
    readonly protectedContainers: number;
    readonly excludedContainers: number;
  };
  readonly tasks: TaskCoverage[];
}

/** The report of a stack's tasks. Pure. */
export function coverageReport(stack: string, tasks: TaskCoverage[]): CoverageReport {
  const exempt = tasks.filter(t => t.exempt !== undefined);
  const enforced = tasks.filter(t => t.exempt === undefined);
  return {
    version: 1,
    stack,
    totals: {
      tasks: tasks.length,
      enforcedTasks: enforced.length,
      exemptTasks: exempt.length,
      protectedContainers: enforced.reduce((n, t) => n + t.protected.length, 0),
      excludedContainers: enforced.reduce((n, t) => n + t.excluded.length, 0),
    },
    tasks: [...tasks].sort((a, b) => a.path.localeCompare(b.path)),
  };
}

/** The one line a person reads. Pure. */
export function coverageLine(report: CoverageReport): string {
  const t = report.totals;
  const excluded = report.tasks.flatMap(task => task.excluded.map(e => `${task.path}/${e.name} (${e.reason})`));
  const exempt = report.tasks.filter(task => task.exempt !== undefined).map(task => `${task.path} (${task.exempt})`);
  return `cdk-enforced-fargate coverage of ${report.stack}: ${t.enforcedTasks} task definition(s) enforced, ` +
    `${t.protectedContainers} container(s) protected, ${t.excludedContainers} excluded` +
    (excluded.length > 0 ? ` [${excluded.join('; ')}]` : '') +
    `, ${t.exemptTasks} task definition(s) exempt` +
    (exempt.length > 0 ? ` [${exempt.join('; ')}]` : '');
}

const REGISTERED = new WeakMap<Stack, (() => TaskCoverage)[]>();

/**
 * Adds a task to its stack's summary; the first task of a stack registers the validation that
 * writes the summary once all enforcement has run (validation comes after every Aspect).
 */
export function registerCoverage(stack: Stack, task: () => TaskCoverage): void {
  let list = REGISTERED.get(stack);
  if (list === undefined) {
    const tasks: (() => TaskCoverage)[] = [];
    list = tasks;
    REGISTERED.set(stack, tasks);
    let written = false;
    stack.node.addValidation({
      validate: () => {
        if (written) return [];
        written = true;
        const report = coverageReport(stack.node.path, tasks.map(t => t()));
        Annotations.of(stack).addInfo(coverageLine(report));
        stack.node.addMetadata(COVERAGE_METADATA_TYPE, report);
        return [];
      },
    });
  }
  list.push(task);
}
