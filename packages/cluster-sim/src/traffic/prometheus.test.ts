/**
 * A real Prometheus scraping the simulated cluster's /metrics (https, bearer token) answers
 * the queries analysis templates use: canary vs stable error rate, latency quantiles, the
 * VirtualService's 80/20 split, and restarts of a crash-looping pod.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startTestCluster, TestCluster } from '../__testUtils__/harness';

// Prometheus scrapes in real time: leave room for a loaded CI machine.
jest.setTimeout(60_000);

let c: TestCluster;
let prom: ChildProcess | undefined;
let promUrl = '';
let promLog = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  if (body.status !== 'success') throw new Error(`query failed: ${JSON.stringify(body)}`);
  return body.data.result;
}

async function scalar(promql: string): Promise<number> {
  const r = await query(promql);
  return r.length ? Number(r[0].value[1]) : NaN;
}

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${what} ${last ? String(last) : ''}\n${promLog.slice(-2000)}`);
    await new Promise(r => setTimeout(r, 250));
  }
}

const manifests = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: my-app-stable, namespace: shop}
spec:
  replicas: 4
  selector: {matchLabels: {app: my-app, track: stable}}
  template:
    metadata:
      labels: {app: my-app, track: stable}
      annotations: {sim.gitops-suite.io/latency-ms: "20"}
    spec: {containers: [{name: app, image: "shop/my-app:1.0"}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: my-app-canary, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: my-app, track: canary}}
  template:
    metadata:
      labels: {app: my-app, track: canary}
      annotations: {sim.gitops-suite.io/error-rate: "0.3", sim.gitops-suite.io/latency-ms: "300"}
    spec: {containers: [{name: app, image: "shop/my-app:2.0"}]}
---
apiVersion: v1
kind: Service
metadata: {name: my-app-stable, namespace: shop}
spec: {selector: {app: my-app, track: stable}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: my-app-canary, namespace: shop}
spec: {selector: {app: my-app, track: canary}, ports: [{port: 80}]}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: my-app-vsvc, namespace: shop, annotations: {sim.gitops-suite.io/request-rate: "100"}}
spec:
  hosts: [my-app]
  http:
    - name: primary
      route:
        - {destination: {host: my-app-stable}, weight: 80}
        - {destination: {host: my-app-canary}, weight: 20}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: crasher, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: crasher}}
  template:
    metadata:
      labels: {app: crasher}
      annotations: {sim.gitops-suite.io/failure: CrashLoop, sim.gitops-suite.io/restart-interval: 1s}
    spec: {containers: [{name: main, image: "busybox:1"}]}
`;

const vsCrd = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: virtualservices.networking.istio.io}
spec:
  group: networking.istio.io
  scope: Namespaced
  names: {plural: virtualservices, singular: virtualservice, kind: VirtualService, shortNames: [vs]}
  versions:
    - {name: v1beta1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
    - {name: v1, served: true, storage: false, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
`;

beforeAll(async () => {
  c = await startTestCluster({ controllerOptions: { readyDelayMs: 30, tickMs: 500 } });
  await c.kubectlOk(['apply', '-f', '-'], { input: vsCrd });
  await c.kubectlOk(['wait', '--for=condition=Established', 'crd/virtualservices.networking.istio.io', '--timeout=20s']);
  await c.kubectlOk(['apply', '-f', '-'], { input: manifests });
  await c.kubectlOk(['-n', 'shop', 'rollout', 'status', 'deployment/my-app-stable', '--timeout=30s']);
  await c.kubectlOk(['-n', 'shop', 'rollout', 'status', 'deployment/my-app-canary', '--timeout=30s']);

  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  const target = new URL(c.sim.url);
  fs.writeFileSync(
    path.join(c.dir, 'prometheus.yml'),
    [
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      'scrape_configs:',
      '  - job_name: cluster-sim',
      '    honor_labels: true',
      `    scheme: ${target.protocol.replace(':', '')}`,
      '    tls_config: {insecure_skip_verify: true}',
      `    authorization: {type: Bearer, credentials: "${c.sim.token}"}`,
      `    static_configs: [{targets: ["${target.host}"]}]`,
      '',
    ].join('\n'),
  );
  prom = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${path.join(c.dir, 'prometheus.yml')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${path.join(c.dir, 'tsdb')}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prom.stdout?.on('data', d => (promLog += d));
  prom.stderr?.on('data', d => (promLog += d));
  await eventually(async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined), 30_000, 'prometheus ready');
  // rate() needs a few samples of every series.
  await eventually(
    async () => ((await scalar('count(count_over_time(http_requests_total{service="my-app-canary"}[1m]) >= 4)')) >= 2 ? true : undefined),
    30_000,
    'samples scraped',
  );
}, 90_000);

afterAll(async () => {
  if (prom && prom.exitCode === null) {
    const exited = new Promise(r => prom!.once('exit', r));
    prom.kill('SIGTERM');
    await Promise.race([exited, new Promise(r => setTimeout(r, 5000))]);
    if (prom.exitCode === null) prom.kill('SIGKILL');
  }
  await c?.stop();
});

describe('Prometheus scraping the simulated cluster', () => {
  it('sees the canary error rate from its annotation and stable near zero', async () => {
    const q = (svc: string) =>
      `sum(rate(http_requests_total{service="${svc}",status=~"5.."}[1m])) / sum(rate(http_requests_total{service="${svc}"}[1m]))`;
    const canary = await scalar(q('my-app-canary'));
    const stable = await scalar(q('my-app-stable'));
    expect(canary).toBeGreaterThan(0.25);
    expect(canary).toBeLessThan(0.35);
    expect(stable).toBe(0);
    // The job label is the Service name, as the seeds' templates query it.
    const byJob = await scalar('sum(rate(http_requests_total{job="my-app-canary",status!~"5.."}[1m])) / sum(rate(http_requests_total{job="my-app-canary"}[1m]))');
    expect(byJob).toBeGreaterThan(0.65);
    expect(byJob).toBeLessThan(0.75);
  });

  it('splits the route 80/20 between stable and canary', async () => {
    const share = await scalar(
      'sum(rate(http_requests_total{service="my-app-canary"}[1m])) / sum(rate(http_requests_total{service=~"my-app-(stable|canary)"}[1m]))',
    );
    expect(share).toBeGreaterThan(0.17);
    expect(share).toBeLessThan(0.23);
    // rate() over [1m] spreads the few seconds of data over the minute; irate shows the current rate.
    const total = await scalar('sum(irate(http_requests_total{namespace="shop",service=~"my-app-.*"}[1m]))');
    expect(total).toBeGreaterThan(80);
    expect(total).toBeLessThan(120);
    const perPod = await query('sum by (pod) (rate(http_requests_total{service="my-app-stable"}[1m]))');
    expect(perPod).toHaveLength(4);
  });

  it('reflects the latency annotations in histogram quantiles (seconds and milliseconds)', async () => {
    const p95 = (svc: string, unit = 'seconds') =>
      scalar(`histogram_quantile(0.95, sum(rate(http_request_duration_${unit}_bucket{service="${svc}"}[1m])) by (le))`);
    const canary = await p95('my-app-canary');
    const stable = await p95('my-app-stable');
    expect(canary).toBeGreaterThan(0.25);
    expect(canary).toBeLessThan(1);
    expect(stable).toBeGreaterThan(0.01);
    expect(stable).toBeLessThan(0.06);
    const canaryMs = await p95('my-app-canary', 'milliseconds');
    expect(canaryMs / 1000).toBeCloseTo(canary, 1);
  });

  it('counts restarts of a crash-looping pod', async () => {
    const restarts = await eventually(
      async () => {
        const v = await scalar('sum(increase(kube_pod_container_status_restarts_total{namespace="shop",pod=~"crasher-.*"}[2m]))');
        return v > 0 ? v : undefined;
      },
      20_000,
      'restarts increase',
    );
    expect(restarts).toBeGreaterThan(0);
    const healthy = await scalar('sum(increase(kube_pod_container_status_restarts_total{namespace="shop",pod=~"my-app-.*"}[2m]))');
    expect(healthy).toBe(0);
  });
});
