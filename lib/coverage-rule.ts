import * as fs from 'fs';
import * as path from 'path';

/** The file name of the Guard rule, in the package's `rules/` directory. */
const GUARD_FILE = path.join('rules', 'enforced-fargate-tasks.guard');

/**
 * The coverage rule of this library, for checks that do not trust the library: every container
 * of every Fargate task definition runs under an enforcer (a read-only binary from a
 * non-essential sidecar of the same task, started first) or is labelled excluded with a reason.
 *
 * The rule reads only the template (the Docker labels the enforcement writes and the containers'
 * settings), so it judges templates made without this library too.
 */
export class CoverageRule {
  /**
   * The absolute path of the AWS CloudFormation Guard rule file shipped in this package
   * (`rules/enforced-fargate-tasks.guard`), e.g. for a synthesis-time check with
   * `@cdklabs/cdk-validator-cfnguard`:
   * `new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [CoverageRule.guardFile()] })`.
   */
  public static guardFile(): string {
    const file = path.join(__dirname, '..', GUARD_FILE);
    if (!fs.existsSync(file)) {
      throw new Error(`the Guard rule file ${file} is missing from the cdk-enforced-fargate package; reinstall the package`);
    }
    return file;
  }

  private constructor() {}
}
