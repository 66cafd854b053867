#!/usr/bin/env node
/**
 * `npm run demo`: installs what is missing and starts the demo — the simulated cluster,
 * a sample GitOps repository whose apps deploy to it, and Backstage with the GitOps suite
 * (frontend on :3000, backend on :7007). State lives under `.demo/`: the cluster's
 * kubeconfig (`.demo/kubeconfig`), the repository (`.demo/repos/gitops.git`, with a clone
 * to edit in `.demo/gitops`), the database and logs.
 *
 * Options: --state-dir <dir>  --app-port <port>  --backend-port <port>  --cluster-port <port>  --reset
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureNodeModules } from './lib/install.mjs';
import { startProcess, stopAllOnExit } from './lib/processes.mjs';
import { seedDemoRepo } from './lib/demo-repo.mjs';
import { freePort, log, portInUse, repoRoot, waitFor } from './lib/util.mjs';

const { values: options } = parseArgs({
  options: {
    'state-dir': { type: 'string', default: join(repoRoot, '.demo') },
    'app-port': { type: 'string', default: '3000' },
    'backend-port': { type: 'string', default: '7007' },
    'cluster-port': { type: 'string', default: '6443' },
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

  // 1. The simulated cluster, as its own process: it outlives backend restarts, and its
  //    state persists in the state directory.
  let clusterPort = Number(options['cluster-port']);
  if (await portInUse(clusterPort)) clusterPort = await freePort();
  const kubeconfig = join(stateDir, 'kubeconfig');
  log(`Starting the simulated cluster on port ${clusterPort}…`);
  await new Promise((resolve, reject) => {
    const sim = startProcess(
      'cluster-sim',
      process.execPath,
      [
        join(repoRoot, 'packages/cluster-sim/bin/cluster-sim'),
        '--port', String(clusterPort),
        '--kubeconfig', kubeconfig,
        '--data', join(stateDir, 'cluster'),
      ],
      {
        cwd: repoRoot,
        logFile: join(stateDir, 'cluster-sim.log'),
        onLine: line => line.includes('ready') && resolve(),
      },
    );
    sim.on('exit', code => {
      const message = `the simulated cluster exited (${code}); see ${join(stateDir, 'cluster-sim.log')}`;
      reject(new Error(message));
      log(message);
      process.exit(code ?? 1);
    });
  });

  // 2. The sample GitOps repository; its post-receive hook calls the engine's webhook.
  const webhookSecret = randomBytes(24).toString('hex');
  const repo = await seedDemoRepo({
    stateDir,
    webhookUrl: `${backendUrl}/api/gitops/webhook`,
    webhookSecret,
    log,
  });

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
gitops:
  clusters:
    - name: in-cluster
      kubeconfigPath: ${kubeconfig}
      inCluster: true
      labels:
        environment: demo
  reconciliation:
    # The demo repository announces pushes through its post-receive hook; polling is the fallback.
    pollingInterval: 15s
    pollingJitter: 3s
  git:
    cacheDir: ${join(stateDir, 'git-cache')}
  webhook:
    github:
      secret: ${webhookSecret}
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

  // 3. Register the app-of-apps root once the engine has installed its CRDs.
  const kubectl = (...args) => promisify(execFile)('kubectl', ['--kubeconfig', kubeconfig, ...args]);
  await waitFor('the engine to install its CRDs', async () => {
    await kubectl('get', 'crd', 'applications.argoproj.io');
    await kubectl('get', 'namespace', 'argocd');
    return true;
  }, { timeoutMs: 120_000 });
  await waitFor('the Application kind to be served', async () => (await kubectl('apply', '-f', repo.rootApplicationPath), true), {
    timeoutMs: 60_000,
  });

  log('');
  log(`Demo ready. Open ${appUrl}`);
  log(`  Backend:      ${backendUrl} (GitOps API: ${backendUrl}/api/gitops/health)`);
  log(`  Cluster:      export KUBECONFIG=${kubeconfig}   (then: kubectl get applications -n argocd)`);
  log(`  GitOps repo:  ${repo.repoURL} — edit and push from ${repo.workDir}`);
  log(`  Logs:         ${join(stateDir, 'backstage.log')}, ${join(stateDir, 'cluster-sim.log')}`);
  log('Press Ctrl+C to stop.');
}

main().catch(error => {
  log(`Demo failed: ${error.message}`);
  process.exit(1);
});
