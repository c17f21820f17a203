export * from './enforcer';
export * from './delivery';
export * from './enforced-fargate-task-definition';
export * from './enforce-fargate-tasks';
export type { ImageDefaults } from './image-defaults';
export type { SysdigWorkloadAgentProps } from './presets/sysdig';
export type { PrismaCloudDefenderProps } from './presets/prisma-cloud';
export type { DatadogCwsProps } from './presets/datadog';
export type { CrowdStrikeFalconProps } from './presets/crowdstrike';
