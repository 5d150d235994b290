/**
 * Unit tests run alone; integration and e2e tests share one FerretDB started by the global setup
 * (each test file gets its own database) and start their own redis-server per file.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // 151002: ts-jest's advice to use isolatedModules with module node16; full type-aware
  // compilation is what keeps emitDecoratorMetadata (which type-graphql needs) exact.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }] },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  setupFiles: ['reflect-metadata'],
  testTimeout: 30_000,
  maxWorkers: 2,
  verbose: false,
};
