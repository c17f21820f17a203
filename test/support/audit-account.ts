/**
 * Builds an emulated AWS account's ECS state in moto for the audit's tests and benchmark:
 * clusters, task definitions (the library's own output and hand-edited ones), services and
 * running tasks. Test support only.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { ApiTaskDefinition, withContainerMemory } from './api-task-definition';

/**
 * A default subnet of moto's EC2 (moto's RunTask for an awsvpc task makes a network interface in
 * a subnet that must exist). Asked with one EC2 Query call; moto does not check signatures.
 */
async function defaultSubnet(endpoint: string, region: string): Promise<string> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'authorization': `AWS4-HMAC-SHA256 Credential=AKIAAUDITTEST0000000/20260101/${region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: 'Action=DescribeSubnets&Version=2016-11-15',
  });
  const subnet = /<subnetId>([^<]+)<\/subnetId>/.exec(await response.text());
  if (!subnet) throw new Error(`moto's EC2 answered no default subnet (HTTP ${response.status})`);
  return subnet[1];
}

export class Account {
  private subnet?: string;
  constructor(public readonly ecs: ECSClient, private readonly endpoint: string, private readonly region = 'us-east-1') {}

  async cluster(name: string): Promise<string> {
    const r = await this.ecs.send(new CreateClusterCommand({ clusterName: name }));
    return r.cluster!.clusterArn!;
  }

  /** Registers a revision; moto's RunTask needs memory on every container, so it gets some. */
  async register(td: ApiTaskDefinition): Promise<string> {
    const r = await this.ecs.send(new RegisterTaskDefinitionCommand(withContainerMemory(td) as any));
    return r.taskDefinition!.taskDefinitionArn!;
  }

  async service(cluster: string, name: string, taskDefinitionArn: string, launchType: 'FARGATE' | 'EC2' = 'FARGATE'): Promise<string> {
    const r = await this.ecs.send(new CreateServiceCommand({ cluster, serviceName: name, taskDefinition: taskDefinitionArn, desiredCount: 1, launchType }));
    return r.service!.serviceArn!;
  }

  async updateService(cluster: string, name: string, taskDefinitionArn: string): Promise<void> {
    await this.ecs.send(new UpdateServiceCommand({ cluster, service: name, taskDefinition: taskDefinitionArn }));
  }

  /** Starts `count` Fargate tasks (in calls of at most 10, ECS's limit). */
  async run(cluster: string, taskDefinitionArn: string, count: number, group?: string): Promise<string[]> {
    this.subnet ??= await defaultSubnet(this.endpoint, this.region);
    const arns: string[] = [];
    for (let left = count; left > 0; left -= 10) {
      const r = await this.ecs.send(new RunTaskCommand({ cluster, taskDefinition: taskDefinitionArn, count: Math.min(10, left), launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: [this.subnet], securityGroups: [] } }, ...(group ? { group } : {}) }));
      arns.push(...(r.tasks ?? []).map(t => t.taskArn!));
    }
    return arns;
  }
}
