export * from './enforcer';
export * from './enforced-fargate-task-definition';
export { ImageDefaults } from './image-defaults';
