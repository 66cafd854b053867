/**
 * Jest config of the browser tests: one demo (started by globalSetup through the same
 * script `npm run demo` runs) shared by every test file, run one file at a time.
 */
const swc = require.resolve('@backstage/cli/config/jestSwcTransform.js');

module.exports = {
  rootDir: 'src',
  testMatch: ['**/*.e2e.ts'],
  testEnvironment: 'node',
  transform: { '\\.ts$': [swc, { jsc: { parser: { syntax: 'typescript' } } }] },
  globalSetup: '<rootDir>/setup/globalSetup.ts',
  globalTeardown: '<rootDir>/setup/globalTeardown.ts',
  testTimeout: 300_000,
  maxWorkers: 1,
};
