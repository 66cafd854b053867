#!/usr/bin/env node
/**
 * `npm run demo`: installs what is missing and starts the demo — Backstage with the
 * GitOps suite (frontend on :3000, backend on :7007). State lives under `.demo/`.
 *
 * Options: --state-dir <dir>  --app-port <port>  --backend-port <port>  --reset
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureNodeModules } from './lib/install.mjs';
import { startProcess, stopAllOnExit } from './lib/processes.mjs';
import { log, portInUse, repoRoot, waitFor } from './lib/util.mjs';

const { values: options } = parseArgs({
  options: {
    'state-dir': { type: 'string', default: join(repoRoot, '.demo') },
    'app-port': { type: 'string', default: '3000' },
    'backend-port': { type: 'string', default: '7007' },
    reset: { type: 'boolean', default: false },
  },
});

const stateDir = resolve(options['state-dir']);
const appPort = Number(options['app-port']);
const backendPort = Number(options['backend-port']);
const appUrl = `http://localhost:${appPort}`;
const backendUrl = `http://localhost:${backendPort}`;

async function main() {
  ensureNodeModules();
  stopAllOnExit();
  if (options.reset) rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });

  for (const port of [appPort, backendPort]) {
    if (await portInUse(port)) {
      throw new Error(`Port ${port} is in use: stop what runs there, or pass --app-port/--backend-port.`);
    }
  }

  const demoConfig = join(stateDir, 'app-config.demo.yaml');
  writeFileSync(
    demoConfig,
    `# Written by scripts/demo.mjs for this demo run.
app:
  baseUrl: ${appUrl}
backend:
  baseUrl: ${backendUrl}
  listen:
    port: ${backendPort}
  cors:
    origin: ${appUrl}
  database:
    client: better-sqlite3
    connection:
      directory: ${join(stateDir, 'db')}
`,
  );
  mkdirSync(join(stateDir, 'db'), { recursive: true });

  log('Starting Backstage (the first start builds the frontend: about a minute)…');
  const backstage = startProcess(
    'backstage',
    process.execPath,
    [
      join(repoRoot, 'node_modules/@backstage/cli/bin/backstage-cli'),
      'repo',
      'start',
      '--config',
      join(repoRoot, 'app-config.yaml'),
      '--config',
      demoConfig,
    ],
    {
      cwd: repoRoot,
      logFile: join(stateDir, 'backstage.log'),
      // A NODE_ENV inherited from a test runner would select no browserslist environment.
      env: { NODE_ENV: 'development' },
    },
  );
  backstage.on('exit', code => {
    log(`Backstage exited (${code}); see ${join(stateDir, 'backstage.log')}`);
    process.exit(code ?? 1);
  });

  await waitFor('the backend', async () => (await fetch(`${backendUrl}/api/gitops/health`)).ok, {
    timeoutMs: 300_000,
  });
  await waitFor('the frontend', async () => (await fetch(appUrl)).ok, { timeoutMs: 600_000 });

  log('');
  log(`Demo ready. Open ${appUrl}`);
  log(`  Backend:      ${backendUrl} (GitOps API: ${backendUrl}/api/gitops/health)`);
  log(`  Logs:         ${join(stateDir, 'backstage.log')}`);
  log('Press Ctrl+C to stop.');
}

main().catch(error => {
  log(`Demo failed: ${error.message}`);
  process.exit(1);
});
