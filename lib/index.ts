export * from './enforcer';
export * from './enforced-fargate-task-definition';
export * from './enforce-fargate-tasks';
export type { ImageDefaults } from './image-defaults';
export * from './coverage-rule';
