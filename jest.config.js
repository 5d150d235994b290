/**
 * Three projects, one per layer of promises: `unit` (pure logic and in-memory fakes of the ports;
 * no datastore, runs in seconds: `npm run test:unit`), `e2e` (real servers, a real Redis and a
 * MongoDB-compatible server over loopback) and `browser` (headless Chromium against a running
 * system). `npm test` runs all three. Only e2e and browser start FerretDB, once for the whole run
 * (each test file gets its own database); files start their own redis-server.
 * @type {import('jest').Config}
 */
const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  // 151002: ts-jest's advice to use isolatedModules with module node16; full type-aware
  // compilation is what keeps emitDecoratorMetadata (which type-graphql needs) exact.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }] },
  setupFiles: ['reflect-metadata'],
};

const withDatastores = {
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
};

module.exports = {
  maxWorkers: 2,
  testTimeout: 30_000,
  verbose: false,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      roots: ['<rootDir>/test/unit'],
      globalSetup: '<rootDir>/test/helpers/build-setup.ts',
    },
    { ...shared, ...withDatastores, displayName: 'e2e', roots: ['<rootDir>/test/e2e'] },
    { ...shared, ...withDatastores, displayName: 'browser', roots: ['<rootDir>/test/browser'] },
  ],
};
