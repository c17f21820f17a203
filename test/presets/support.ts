import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { EnforcedFargateTaskDefinition, Enforcer } from '../../lib';

/** A stack, a secret in it, and a way to synthesize one protected container under an enforcer. */
export function presetStack() {
  const stack = new Stack(new App(), 'S');
  const secret = ecs.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'Token'));
  const synth = (enforcer: Enforcer, props: { readonlyRootFilesystem?: boolean } = {}) => {
    const task = new EnforcedFargateTaskDefinition(stack, 'Task', {
      enforcer, family: 'orders', imageDefaults: { 'registry.example.com/app:1': { entryPoint: ['/app'], command: ['serve'] } },
    });
    task.addContainer('app', { image: ecs.ContainerImage.fromRegistry('registry.example.com/app:1'), ...props });
    const resource = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'))[0] as any;
    const containers = Object.fromEntries(resource.Properties.ContainerDefinitions.map((c: any) => [c.Name, c])) as { [name: string]: any };
    return { containers, properties: resource.Properties, task };
  };
  return { stack, secret, synth };
}

/** `Environment` of a rendered container as a map. */
export function envOf(container: any): { [name: string]: unknown } {
  return Object.fromEntries((container.Environment ?? []).map((kv: any) => [kv.Name, kv.Value]));
}

/** `Secrets` names of a rendered container. */
export function secretNames(container: any): string[] {
  return (container.Secrets ?? []).map((s: any) => s.Name).sort();
}
