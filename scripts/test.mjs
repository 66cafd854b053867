#!/usr/bin/env node
/**
 * `npm test`: installs what is missing and runs every check — type-check, lint, all unit
 * and integration tests (jest over every workspace package) and the browser tests
 * against the running demo — then prints the totals on a last line
 * `tests: N passed, M failed[, K skipped]` and exits non-zero on any failure.
 *
 * `yarn test` (a contributor with yarn) keeps Backstage's usual behaviour: jest over
 * the workspace, with any arguments passed through.
 *
 * Options: --only <tsc|lint|unit|scripts|e2e> (repeatable), --skip <step> (repeatable).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureNodeModules, ensureSystemTools, TEST_TOOLS } from './lib/install.mjs';
import { log, repoRoot } from './lib/util.mjs';

const bin = name => join(repoRoot, 'node_modules/.bin', name);
const backstageCli = join(repoRoot, 'node_modules/@backstage/cli/bin/backstage-cli');

if ((process.env.npm_config_user_agent ?? '').startsWith('yarn')) {
  // Contributors' `yarn test`: Backstage's own test runner, arguments passed through.
  const result = spawnSync(process.execPath, [backstageCli, 'repo', 'test', ...process.argv.slice(2)], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}

const { values: options } = parseArgs({
  options: {
    only: { type: 'string', multiple: true, default: [] },
    skip: { type: 'string', multiple: true, default: [] },
  },
});
const STEPS = ['tsc', 'lint', 'unit', 'scripts', 'e2e'];
const selected = STEPS.filter(
  step => (options.only.length === 0 || options.only.includes(step)) && !options.skip.includes(step),
);

const outputDir = join(repoRoot, '.test-output');
mkdirSync(outputDir, { recursive: true });

function run(command, args, extraEnv = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...process.env, CI: 'true', FORCE_COLOR: '0', ...extraEnv },
  });
  return { ok: result.status === 0, seconds: Math.round((Date.now() - started) / 1000) };
}

/** Reads a jest --json result file into counts; a missing file means jest itself failed. */
function jestCounts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0, note: 'jest wrote no results' };
  const result = JSON.parse(readFileSync(file, 'utf8'));
  // Suites that failed to run (syntax errors, failing hooks) have no test results: count each.
  const brokenSuites = result.testResults.filter(
    suite => suite.status === 'failed' && suite.assertionResults.length === 0,
  ).length;
  return {
    passed: result.numPassedTests,
    failed: result.numFailedTests + brokenSuites,
    skipped: result.numPendingTests + result.numTodoTests,
  };
}

const results = [];

function main() {
  ensureNodeModules();
  ensureSystemTools(TEST_TOOLS);

  for (const step of selected) {
    log(`── ${step} ──`);
    if (step === 'tsc') {
      const r = run(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc')]);
      results.push({ step: 'type-check', ...r, passed: r.ok ? 1 : 0, failed: r.ok ? 0 : 1, skipped: 0 });
    } else if (step === 'lint') {
      const r = run(process.execPath, [backstageCli, 'repo', 'lint']);
      results.push({ step: 'lint', ...r, passed: r.ok ? 1 : 0, failed: r.ok ? 0 : 1, skipped: 0 });
    } else if (step === 'unit') {
      const file = join(outputDir, 'unit.json');
      rmSync(file, { force: true });
      const r = run(process.execPath, [
        backstageCli, 'repo', 'test', '--ci', '--maxWorkers=2', '--json', '--outputFile', file,
      ]);
      results.push({ step: 'unit and integration tests', ...r, ...jestCounts(file) });
    } else if (step === 'scripts') {
      // The repository's own scripts (plain Node) test with node's built-in runner.
      const started = Date.now();
      const result = spawnSync(process.execPath, ['--test', '--test-reporter=tap', 'scripts/lib/'], {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, FORCE_COLOR: '0' },
      });
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr);
      const count = key => Number((new RegExp(`^# ${key} (\\d+)$`, 'm').exec(result.stdout) ?? [])[1] ?? 0);
      const failed = count('fail') + (result.status !== 0 && count('fail') === 0 ? 1 : 0);
      results.push({
        step: 'script tests',
        ok: result.status === 0,
        seconds: Math.round((Date.now() - started) / 1000),
        passed: count('pass'),
        failed,
        skipped: count('skipped') + count('todo'),
      });
    } else if (step === 'e2e') {
      const file = join(outputDir, 'e2e.json');
      rmSync(file, { force: true });
      const r = run(bin('jest'), [
        '--config', join(repoRoot, 'packages/e2e-tests/jest.config.js'), '--ci', '--json', '--outputFile', file,
      ]);
      results.push({ step: 'browser tests', ...r, ...jestCounts(file) });
    }
  }
}

try {
  main();
} catch (error) {
  log(`Setup failed: ${error.message}`);
  results.push({ step: 'setup', ok: false, passed: 0, failed: 1, skipped: 0, seconds: 0 });
}

log('');
log('Summary');
for (const r of results) {
  const counts = `${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`;
  log(`  ${r.ok && r.failed === 0 ? 'ok  ' : 'FAIL'} ${r.step.padEnd(28)} ${counts.padEnd(32)} ${r.seconds}s${r.note ? ` (${r.note})` : ''}`);
}
const total = key => results.reduce((sum, r) => sum + r[key], 0);
const failed = total('failed') + results.filter(r => !r.ok && r.failed === 0).length;
const skipped = total('skipped');
// A skipped test is not a passing one: CI counts it as a failure.
const ok = failed === 0 && skipped === 0;
console.log(`tests: ${total('passed')} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(ok ? 0 : 1);
