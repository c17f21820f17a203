/**
 * Jest setup (setupFilesAfterEnv): every template a test synthesizes with `Template.fromStack`
 * that holds an AWS::ECS::TaskDefinition is written to the directory jest-global-setup.ts made,
 * so that jest-global-teardown.ts can check them all with AWS's models after the run.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';

const dir = process.env.CEF_COLLECTED_TEMPLATES;
if (dir) {
  const original = Template.fromStack.bind(Template);
  Template.fromStack = (...args: Parameters<typeof Template.fromStack>) => {
    const template = original(...args);
    const json = template.toJSON();
    if (Object.values(json.Resources ?? {}).some((r: any) => r.Type === 'AWS::ECS::TaskDefinition')) {
      const text = JSON.stringify(json);
      const testPath = path.relative(process.cwd(), expect.getState().testPath ?? 'unknown');
      const name = `${testPath.replace(/[^A-Za-z0-9]+/g, '_')}--${crypto.createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`;
      fs.writeFileSync(path.join(dir, name), text);
    }
    return template;
  };
}
