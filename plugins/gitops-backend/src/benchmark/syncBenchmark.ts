/**
 * Benchmark of the sync engine (`yarn bench` in plugins/gitops-backend; results go in the
 * package README, not in timed tests). It runs the gitops plugin in a Backstage test
 * backend (SQLite, the real scheduler) against the simulated cluster started as its own
 * process, with real git repositories, and measures what the sync engine's issue asks:
 *
 *  1. Applications × resources brought from nothing to Synced/Healthy;
 *  2. a push webhook to Synced for one 10-resource Application;
 *  3. a steady-state pass over every (unchanged) Application, with the API calls it made;
 *  4. the backend's RSS with all Applications;
 *  5. the REST list's first page.
 *
 * Options: --apps <n> (phase 1, default 1000), --scale <n> (phases 3–5, default 10000),
 * --resources <n> per Application (default 10), --apps-per-repo <n> (default 100).
 */
import type { Application } from '@gitops-suite/plugin-gitops-common';
import { KubeConfig } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { KubeClient } from '../cluster/KubeClient';
import { GitopsEngine } from '../GitopsEngine';
import { TestGitRepo } from '../__testUtils__/gitRepo';
import { application, startGitopsBackend, userAuth, WEBHOOK_SECRET, type GitopsBackend } from '../__testUtils__/harness';

const { values: argv } = parseArgs({
  options: {
    apps: { type: 'string', default: '1000' },
    scale: { type: 'string', default: '10000' },
    resources: { type: 'string', default: '10' },
    'apps-per-repo': { type: 'string', default: '100' },
  },
});
const APPS = Number(argv.apps);
const SCALE = Math.max(APPS, Number(argv.scale));
const RESOURCES = Math.max(2, Number(argv.resources));
const APPS_PER_REPO = Number(argv['apps-per-repo']);
const HOT = 'hot-app';

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

/** The simulated cluster as a separate process, so the backend's RSS is the backend's own. */
async function startSimProcess(dir: string): Promise<{ child: ChildProcess; kubeconfigPath: string; url: string }> {
  const kubeconfigPath = join(dir, 'kubeconfig');
  const bin = resolve(__dirname, '../../../../packages/cluster-sim/bin/cluster-sim');
  const child = spawn(process.execPath, [bin, '--port', '0', '--kubeconfig', kubeconfigPath, '--ready-delay', '200', '--request-rate', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', chunk => {
      out += chunk;
      const match = /ready at (\S+)/.exec(out);
      if (match) ok(match[1]);
    });
    child.on('exit', code => fail(new Error(`cluster-sim exited with ${code}: ${out}`)));
  });
  child.stdout!.resume();
  return { child, kubeconfigPath, url };
}

/** Sum of the simulated API server's request counters, by verb. */
async function apiRequests(simUrl: string): Promise<Map<string, number>> {
  const text = await fetchInsecure(`${simUrl}/metrics`);
  const byVerb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^apiserver_request_total\{.*verb="([^"]+)"\} (\d+)/.exec(line);
    if (m) byVerb.set(m[1], (byVerb.get(m[1]) ?? 0) + Number(m[2]));
  }
  return byVerb;
}

async function fetchInsecure(url: string): Promise<string> {
  const https = await import('node:https');
  return new Promise((ok, fail) => {
    https
      .get(url, { rejectUnauthorized: false }, res => {
        let body = '';
        res.on('data', c => (body += c));
        res.on('end', () => ok(body));
      })
      .on('error', fail);
  });
}

/** One Application's manifests: a Deployment, a Service and ConfigMaps up to `RESOURCES`. */
function manifests(app: string, version: number): string {
  const docs: object[] = [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: app },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app } },
        template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'main', image: 'example/app:1.0.0' }] } },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: app }, spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] } },
  ];
  for (let i = 0; docs.length < RESOURCES; i++) {
    docs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${app}-config-${i}` }, data: { version: String(version), index: String(i) } });
  }
  return docs.map(d => JSON.stringify(d)).join('\n---\n');
}

/** An Application of the benchmark: automated sync with prune and self-heal. */
function benchApplication(name: string, repoURL: string, namespace: string) {
  return application(name, {
    repoURL,
    path: `apps/${name}`,
    namespace,
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
  });
}

/** Runs `job` over `items` with `concurrency` in flight. */
async function pool<T>(items: T[], concurrency: number, job: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await job(items[next++]);
    }),
  );
}

/** The highest RSS and JS heap seen, sampled twice a second. */
const peak = { rss: 0, heapUsed: 0 };
setInterval(() => {
  const m = process.memoryUsage();
  peak.rss = Math.max(peak.rss, m.rss);
  peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
}, 500).unref();

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'gitops-bench-'));
  const repos: TestGitRepo[] = [];
  let backend: GitopsBackend | undefined;
  let sim: { child: ChildProcess; kubeconfigPath: string; url: string } | undefined;
  const results: Array<[string, string, string]> = [];
  try {
    sim = await startSimProcess(work);
    const kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    // The engine's own client: keep-alive connections, so creating Applications costs little.
    const k8s = new KubeClient(kc);

    // The engine instance, for the pass trigger: spied on, as a test would.
    let engine: GitopsEngine | undefined;
    const create = GitopsEngine.create.bind(GitopsEngine);
    GitopsEngine.create = async options => (engine = await create(options));
    backend = await startGitopsBackend({
      kubeconfigPath: sim.kubeconfigPath,
      database: { client: 'better-sqlite3', connection: ':memory:' },
      gitCacheDir: join(work, 'git-cache'),
      gitops: { reconciliation: { pollingInterval: '120s', pollingJitter: '60s' } },
    });
    const server = backend.server;
    const auth = userAuth();
    const counts = async () => (await server.get('/api/gitops/applications?limit=1').set('Authorization', auth)).body.counts;

    // Git: Applications spread over repositories of `APPS_PER_REPO`, plus one for the webhook test.
    const hotRepo = new TestGitRepo();
    repos.push(hotRepo);
    hotRepo.commit({ [`apps/${HOT}/resources.yaml`]: manifests(HOT, 0) });
    const names = Array.from({ length: SCALE - 1 }, (_, i) => `svc-${String(i).padStart(5, '0')}`);
    const repoOf = new Map<string, TestGitRepo>();
    const namespaces = new Map<string, string>();
    log(`writing ${names.length} Applications' manifests to ${Math.ceil(names.length / APPS_PER_REPO)} repositories`);
    for (let i = 0; i < names.length; i += APPS_PER_REPO) {
      const repo = new TestGitRepo();
      repos.push(repo);
      const chunk = names.slice(i, i + APPS_PER_REPO);
      repo.commit(Object.fromEntries(chunk.map(n => [`apps/${n}/resources.yaml`, manifests(n, 0)])));
      for (const n of chunk) repoOf.set(n, repo);
      for (const n of chunk) namespaces.set(n, `bench-${i / APPS_PER_REPO}`);
    }

    // Wait for the engine to have installed its CRDs.
    const exists = (path: string) => k8s.request('GET', path).then(() => true, () => false);
    while (!(await exists('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/applications.argoproj.io')) || !(await exists('/api/v1/namespaces/argocd'))) {
      await sleep(100);
    }
    await sleep(1000);

    const createApps = async (batch: string[]) =>
      pool(batch, 16, async name => {
        const repo = name === HOT ? hotRepo : repoOf.get(name)!;
        await k8s.request('POST', '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications', {
          body: benchApplication(name, repo.url, name === HOT ? 'bench-hot' : namespaces.get(name)!),
        });
      });
    const waitAllSynced = async (total: number, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const c = await counts();
        if ((c.sync.Synced ?? 0) === total && (c.health.Healthy ?? 0) === total) return;
        if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(c)}`);
        await sleep(250);
      }
    };

    // 1. From nothing to Synced/Healthy.
    const first = [HOT, ...names.slice(0, APPS - 1)];
    log(`phase 1: ${first.length} Applications × ${RESOURCES} resources from nothing`);
    let started = Date.now();
    await createApps(first);
    await waitAllSynced(first.length, 30 * 60_000);
    const phase1 = (Date.now() - started) / 1000;
    results.push([
      `${first.length} Applications × ${RESOURCES} resources, created → all Synced/Healthy`,
      `${first.length * RESOURCES} resources (+ ReplicaSets, Pods, Endpoints)`,
      `${phase1.toFixed(1)} s`,
    ]);

    // 2. Push webhook → Synced, for the 10-resource Application in its own repository.
    log('phase 2: push webhook → Synced');
    const latencies: number[] = [];
    for (let trial = 1; trial <= 5; trial++) {
      await engine!.controller!.idle();
      const sha = hotRepo.commit({ [`apps/${HOT}/resources.yaml`]: manifests(HOT, trial) });
      const body = JSON.stringify({ ref: 'refs/heads/main', after: sha, repository: { clone_url: hotRepo.url, html_url: hotRepo.url } });
      started = Date.now();
      const response = await server
        .post('/api/gitops/webhook')
        .set('Content-Type', 'application/json')
        .set('X-GitHub-Event', 'push')
        .set('X-Hub-Signature-256', `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`)
        .send(body);
      if (response.status !== 200 && response.status !== 202) throw new Error(`webhook answered ${response.status}`);
      for (;;) {
        const app = (await server.get(`/api/gitops/applications/${HOT}`).set('Authorization', auth)).body.application as Application;
        const op = app.status?.operationState;
        if (app.status?.sync?.status === 'Synced' && app.status.sync.revision === sha && op?.phase === 'Succeeded' && op.syncResult?.revision === sha) break;
        if (Date.now() - started > 60_000) throw new Error(`webhook trial ${trial} timed out: ${JSON.stringify(app.status?.sync)}`);
        await sleep(10);
      }
      latencies.push(Date.now() - started);
      await sleep(500);
    }
    latencies.sort((a, b) => a - b);
    results.push([
      `Push webhook → Synced (${RESOURCES}-resource Application, ${first.length} Applications managed)`,
      '5 pushes',
      `median ${latencies[2]} ms, max ${latencies[4]} ms`,
    ]);

    // 3. Up to SCALE Applications, then a steady-state pass over all of them.
    if (SCALE > first.length) {
      log(`phase 3: adding ${SCALE - first.length} Applications`);
      started = Date.now();
      await createApps(names.slice(APPS - 1));
      await waitAllSynced(SCALE, 60 * 60_000);
      const seconds = (Date.now() - started) / 1000;
      results.push([
        `${SCALE - first.length} more Applications → all ${SCALE} Synced/Healthy`,
        `${(SCALE - first.length) * RESOURCES} resources`,
        `${seconds.toFixed(1)} s (${Math.round((SCALE - first.length) / seconds)} Applications/s)`,
      ]);
    }
    await engine!.controller!.idle();
    await sleep(3000);
    await engine!.controller!.idle();

    const before = await apiRequests(sim.url);
    started = Date.now();
    engine!.controller!.enqueueAll();
    await engine!.controller!.idle();
    const passMs = Date.now() - started;
    const after = await apiRequests(sim.url);
    const calls = [...after].map(([verb, n]) => [verb, n - (before.get(verb) ?? 0)] as const).filter(([, n]) => n > 0);
    results.push([
      `Steady-state pass over ${SCALE} unchanged Applications`,
      `${SCALE} reconciliations`,
      `${(passMs / 1000).toFixed(2)} s, ${calls.reduce((s, [, n]) => s + n, 0)} API calls${calls.length ? ` (${calls.map(([v, n]) => `${v} ${n}`).join(', ')})` : ''}`,
    ]);

    // 4. Memory with every Application managed.
    (global as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    if (process.env.BENCH_HEAP_SNAPSHOT) log(`heap snapshot: ${writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT)}`);
    results.push([`Backend RSS with ${SCALE} Applications (${SCALE * RESOURCES} resources)`, 'after the pass', `${mib(memory.rss)} (JS heap ${mib(memory.heapUsed)} used of ${mib(memory.heapTotal)}); peak during the run ${mib(peak.rss)} (JS heap ${mib(peak.heapUsed)})`]);

    // 5. The REST list's first page.
    const listTimes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = Date.now();
      const res = await server.get('/api/gitops/applications?limit=50').set('Authorization', auth);
      if (res.status !== 200 || res.body.items.length !== Math.min(50, SCALE)) throw new Error(`list answered ${res.status}`);
      listTimes.push(Date.now() - t);
    }
    results.push([`GET /api/gitops/applications?limit=50 at ${SCALE} Applications`, '10 requests', `first ${listTimes[0]} ms, median ${[...listTimes].sort((a, b) => a - b)[5]} ms`]);
  } finally {
    await backend?.stop().catch(() => undefined);
    sim?.child.kill('SIGTERM');
    for (const repo of repos) repo.remove();
    rmSync(work, { recursive: true, force: true });
  }

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    [
      `Machine: ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
      '',
      '| Benchmark | Size | Result |',
      '| --- | --- | --- |',
      ...results.map(r => `| ${r.join(' | ')} |`),
      '',
    ].join('\n'),
  );
  // The test backend leaves timers behind (scheduler, git polls): the benchmark is over.
  process.exit(0);
}

main().catch(error => {
  process.stderr.write(`benchmark failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
