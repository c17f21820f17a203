/** Jest runs the TypeScript sources directly; `npm run typecheck` type-checks them (tsc). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Prefer .ts over the .js that jsii compiles beside it, so tests always run the sources.
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json', diagnostics: false }],
  },
  // Every task definition the tests synthesize is checked with AWS's models after the run.
  globalSetup: '<rootDir>/test/support/jest-global-setup.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/jest-record-templates.ts'],
  globalTeardown: '<rootDir>/test/support/jest-global-teardown.ts',
  testTimeout: 60000,
};
