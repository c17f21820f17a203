/**
 * Task definitions for the audit's tests, in the ECS API form (RegisterTaskDefinition's input):
 * synthesized with the library's own constructs and converted from CloudFormation (PascalCase,
 * intrinsics) to the API (camelCase, literal strings), as a pipeline that registers them outside
 * CloudFormation would. Hand-edited variants are made from these by the tests.
 *
 * Test support only.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { EnforcedFargateTaskDefinition, Enforcer } from '../../lib';

/** Keys whose value is a map of user keys, which keep their spelling. */
const MAPS = new Set(['DockerLabels', 'Options', 'SystemControls']);

function isIntrinsic(v: any): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/** CloudFormation properties to the API's input: keys camelCased, intrinsics made literal. */
export function cfnToApi(value: any, placeholder = 'resolved-at-deploy-time'): any {
  if (isIntrinsic(value)) return placeholder;
  if (Array.isArray(value)) return value.map(v => cfnToApi(v, placeholder));
  if (value === null || typeof value !== 'object') return value;
  const out: any = {};
  for (const [k, v] of Object.entries(value)) {
    const key = k.charAt(0).toLowerCase() + k.slice(1);
    if (MAPS.has(k) && v && typeof v === 'object' && !isIntrinsic(v)) {
      out[key] = Object.fromEntries(Object.entries(v as object).map(([mk, mv]) => [mk, cfnToApi(mv, placeholder)]));
    } else {
      out[key] = cfnToApi(v, placeholder);
    }
  }
  return out;
}

export interface ApiTaskDefinition {
  readonly family: string;
  readonly containerDefinitions: any[];
  readonly requiresCompatibilities?: string[];
  readonly networkMode?: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly volumes?: any[];
}

/** The one task definition of a stack in the API form, under `family`. */
export function apiTaskDefinitionOf(stack: Stack, family: string): ApiTaskDefinition {
  const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition')) as any[];
  const p = resource.Properties;
  const containers = cfnToApi(p.ContainerDefinitions).map((c: any) => ({ ...c, image: typeof c.image === 'string' && c.image !== 'resolved-at-deploy-time' ? c.image : '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1' }));
  return {
    family,
    containerDefinitions: containers,
    ...(p.RequiresCompatibilities ? { requiresCompatibilities: p.RequiresCompatibilities } : {}),
    ...(p.NetworkMode ? { networkMode: p.NetworkMode } : {}),
    ...(p.Cpu ? { cpu: String(p.Cpu) } : {}),
    ...(p.Memory ? { memory: String(p.Memory) } : {}),
    ...(p.Volumes ? { volumes: cfnToApi(p.Volumes) } : {}),
  };
}

const NGINX = 'nginx:1.27';
const NGINX_DEFAULTS = { entryPoint: ['/docker-entrypoint.sh'], command: ['nginx', '-g', 'daemon off;'] };

/**
 * A task definition protected by the library: nginx under the Aqua MicroEnforcer, plus, when
 * asked, a container excluded by name.
 */
export function enforcedTaskDefinition(family: string, options: { excluded?: boolean } = {}): ApiTaskDefinition {
  const app = new App();
  const stack = new Stack(app, 'AuditFixture');
  const token = new secretsmanager.Secret(stack, 'Token');
  const enforcer = Enforcer.aquaMicroEnforcer({
    image: ecs.ContainerImage.fromRegistry('registry.example.com/microenforcer:2022.4'),
    server: 'aqua-gateway.internal:8443',
    token: ecs.Secret.fromSecretsManager(token),
  });
  const task = new EnforcedFargateTaskDefinition(stack, 'Task', {
    cpu: 512,
    memoryLimitMiB: 1024,
    enforcer,
    imageDefaults: { [NGINX]: NGINX_DEFAULTS },
    ...(options.excluded ? { excludedContainers: ['metrics'] } : {}),
  });
  task.addContainer('web', { image: ecs.ContainerImage.fromRegistry(NGINX), command: ['nginx', '-g', 'daemon off;'] });
  if (options.excluded) task.addContainer('metrics', { image: ecs.ContainerImage.fromRegistry('registry.example.com/metrics:3'), command: ['metrics'], essential: false });
  return apiTaskDefinitionOf(stack, family);
}

/** A Fargate task definition without enforcement (what a console user registers). */
export function plainTaskDefinition(family: string): ApiTaskDefinition {
  const app = new App();
  const stack = new Stack(app, 'AuditFixture');
  const task = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 256, memoryLimitMiB: 512 });
  task.addContainer('web', { image: ecs.ContainerImage.fromRegistry(NGINX), command: ['nginx', '-g', 'daemon off;'] });
  return apiTaskDefinitionOf(stack, family);
}

/** moto's RunTask needs memory on every container (ECS does not on Fargate): give it some. */
export function withContainerMemory(td: ApiTaskDefinition): ApiTaskDefinition {
  return { ...td, containerDefinitions: td.containerDefinitions.map(c => (c.memory ?? c.memoryReservation) === undefined ? { ...c, memoryReservation: 32 } : c) };
}
