module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  rules: {
    // Helpers named expect* assert too.
    'jest/expect-expect': ['warn', { assertFunctionNames: ['expect', 'expect*'] }],
  },
  overrides: [
    {
      // The benchmark is a development script run from the source tree, never bundled:
      // it reuses the test harness and finds the simulated cluster's CLI beside it.
      files: ['src/benchmark/**'],
      rules: { 'no-restricted-imports': 'off', 'no-restricted-syntax': 'off' },
    },
  ],
});
