/** The coverage rule in TypeScript (internal to the package: not part of the jsii API). */
export * from './check';
export * from './labels';
