/** Simulated traffic: splits by replicas and route weights, counters over time, exposition format. */
import { spawnSync } from 'node:child_process';
import type { KubeObject } from '../store/types';
import { FakeClock } from '../controllers/clock';
import { deployment, Harness, startHarness, waitFor } from '../controllers/__testUtils__/harness';
import { latencyCdf } from './latency';
import { imageTag } from './model';
import { resolveHost } from './routes';

// Real-time waits: leave room for a loaded CI machine.
jest.setTimeout(20_000);

let h: Harness;
let clock: FakeClock;
afterEach(async () => {
  await h?.stop();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format strictly enough to catch malformed output. */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad line: ${line}`);
    const labels: Record<string, string> = {};
    for (const lm of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]] = lm[2];
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

function sum(samples: Sample[], name: string, match: Record<string, string | RegExp> = {}): number {
  return samples
    .filter(s => s.name === name && Object.entries(match).every(([k, v]) => (typeof v === 'string' ? s.labels[k] === v : v.test(s.labels[k] ?? ''))))
    .reduce((n, s) => n + s.value, 0);
}

function service(name: string, selector: Record<string, string>, annotations: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop', annotations }, spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };
}

function app(name: string, replicas: number, labels: Record<string, string>, annotations: Record<string, string> = {}, image = 'shop/api:1.0'): KubeObject {
  const d = deployment(name, { replicas, namespace: 'shop', annotations, image });
  d.spec.selector.matchLabels = labels;
  d.spec.template.metadata.labels = labels;
  return d;
}

async function ready(count: number, labelSelector: string): Promise<void> {
  await waitFor(() => {
    const pods = h.client.list('v1', 'Pod', { namespace: 'shop', labelSelector });
    return pods.length === count && pods.every(p => p.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'));
  });
  // A scrape makes the traffic model take the latest pods into account.
  h.sim.metrics();
}

function start(options = {}): void {
  clock = new FakeClock();
  h = startHarness({ readyDelayMs: 0, requestRate: 10, tickMs: 1000, ...options }, clock);
}

describe('traffic simulation', () => {
  it('splits a Service\'s requests equally between its ready pods, exactly over time', async () => {
    start();
    h.client.create(service('api', { app: 'api' }));
    h.client.create(app('api', 3, { app: 'api' }));
    await ready(3, 'app=api');
    const before = parse(h.sim.metrics());
    clock.advance(30_000);
    const after = parse(h.sim.metrics());
    const total = sum(after, 'http_requests_total', { service: 'api' }) - sum(before, 'http_requests_total', { service: 'api' });
    expect(total).toBeGreaterThanOrEqual(297);
    expect(total).toBeLessThanOrEqual(300);
    const perPod = after.filter(s => s.name === 'http_requests_total' && s.labels.status === '200' && s.labels.service === 'api');
    expect(perPod).toHaveLength(3);
    for (const s of perPod) {
      expect(s.labels).toMatchObject({ namespace: 'shop', service: 'api', job: 'api', version: '1.0' });
      expect(Number.isInteger(s.value)).toBe(true);
    }
    const values = perPod.map(s => s.value);
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
    expect(sum(after, 'http_requests_total', { service: 'api', status: '500' })).toBe(0);
  });

  it('answers a fraction of requests with 500 and shapes latency by pod annotations', async () => {
    start({ requestRate: 100 });
    h.client.create(service('slow', { app: 'slow' }));
    h.client.create(app('slow', 2, { app: 'slow', version: 'v2' }, { 'sim.gitops-suite.io/error-rate': '0.3', 'sim.gitops-suite.io/latency-ms': '300' }));
    await ready(2, 'app=slow');
    clock.advance(10_000);
    const s = parse(h.sim.metrics());
    const total = sum(s, 'http_requests_total', { service: 'slow' });
    const errors = sum(s, 'http_requests_total', { service: 'slow', status: '500' });
    expect(total).toBeGreaterThanOrEqual(995);
    expect(errors / total).toBeCloseTo(0.3, 2);
    expect(s.find(x => x.name === 'http_requests_total')!.labels.version).toBe('v2');
    // Histogram: cumulative buckets, +Inf equals count, mean from _sum/_count.
    for (const pod of new Set(s.filter(x => x.labels.service === 'slow').map(x => x.labels.pod))) {
      const buckets = s.filter(x => x.name === 'http_request_duration_seconds_bucket' && x.labels.pod === pod);
      const count = sum(s, 'http_request_duration_seconds_count', { pod });
      expect(buckets.at(-1)!.labels.le).toBe('+Inf');
      expect(buckets.at(-1)!.value).toBe(count);
      for (let i = 1; i < buckets.length; i++) expect(buckets[i].value).toBeGreaterThanOrEqual(buckets[i - 1].value);
      expect(sum(s, 'http_request_duration_seconds_sum', { pod }) / count).toBeCloseTo(0.3, 5);
      expect(sum(s, 'http_request_duration_milliseconds_sum', { pod }) / count).toBeCloseTo(300, 2);
      const ms = s.filter(x => x.name === 'http_request_duration_milliseconds_bucket' && x.labels.pod === pod);
      expect(ms.map(x => x.value)).toEqual(buckets.map(x => x.value));
      expect(ms.map(x => x.labels.le).slice(0, 3)).toEqual(['5', '10', '25']);
      // About half the requests of a 300 ms log-normal are under 250 ms... and nearly none under 100 ms.
      expect(buckets.find(b => b.labels.le === '0.1')!.value / count).toBeLessThan(0.01);
      expect(buckets.find(b => b.labels.le === '1')!.value / count).toBeGreaterThan(0.99);
    }
  });

  it('follows VirtualService weights (with DestinationRule subsets) and weight changes within a tick', async () => {
    start({ requestRate: 100 });
    h.client.create(service('shop-stable', { app: 'shop', track: 'stable' }));
    h.client.create(service('shop-canary', { app: 'shop', track: 'canary' }));
    h.client.create(app('shop-stable', 4, { app: 'shop', track: 'stable' }));
    h.client.create(app('shop-canary', 1, { app: 'shop', track: 'canary' }, {}, 'shop/api:2.0'));
    h.client.create({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'shop', namespace: 'shop', annotations: { 'sim.gitops-suite.io/request-rate': '50' } },
      spec: {
        hosts: ['shop'],
        http: [{ name: 'primary', route: [{ destination: { host: 'shop-stable' }, weight: 80 }, { destination: { host: 'shop-canary.shop.svc.cluster.local' }, weight: 20 }] }],
      },
    });
    await ready(5, 'app=shop');
    let base = parse(h.sim.metrics());
    clock.advance(100_000);
    let s = parse(h.sim.metrics());
    const delta = (svc: string, from: Sample[], to: Sample[]) => sum(to, 'http_requests_total', { service: svc }) - sum(from, 'http_requests_total', { service: svc });
    // 50 req/s through the route only: no direct traffic to either Service on top.
    expect(delta('shop-stable', base, s)).toBeGreaterThanOrEqual(3995);
    expect(delta('shop-stable', base, s)).toBeLessThanOrEqual(4000);
    expect(delta('shop-canary', base, s)).toBeGreaterThanOrEqual(999);
    expect(delta('shop-canary', base, s)).toBeLessThanOrEqual(1000);
    expect(s.find(x => x.labels.service === 'shop-canary')!.labels.version).toBe('2.0');
    // The rollout engine shifts weight: the split follows from the next tick.
    h.client.patch('networking.istio.io/v1beta1', 'VirtualService', 'shop', 'shop', 'json', [
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 50 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 50 },
    ]);
    await waitFor(() => h.sim.metrics() !== '' && true);
    await new Promise(r => setTimeout(r, 20));
    clock.advance(1000);
    base = parse(h.sim.metrics());
    clock.advance(100_000);
    s = parse(h.sim.metrics());
    expect(delta('shop-stable', base, s)).toBeGreaterThanOrEqual(2495);
    expect(delta('shop-stable', base, s)).toBeLessThanOrEqual(2500);
    expect(delta('shop-canary', base, s)).toBeGreaterThanOrEqual(2495);
    // A subset route picks pods by the DestinationRule's labels.
    h.client.create({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'DestinationRule',
      metadata: { name: 'shop', namespace: 'shop' },
      spec: { host: 'shop-all', subsets: [{ name: 'v2', labels: { track: 'canary' } }, { name: 'v1', labels: { track: 'stable' } }] },
    });
    h.client.create(service('shop-all', { app: 'shop' }));
    h.client.create({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'all', namespace: 'shop', annotations: { 'sim.gitops-suite.io/request-rate': '10' } },
      spec: { hosts: ['shop-all'], http: [{ route: [{ destination: { host: 'shop-all', subset: 'v1' }, weight: 10 }, { destination: { host: 'shop-all', subset: 'v2' }, weight: 90 }] }] },
    });
    await new Promise(r => setTimeout(r, 20));
    clock.advance(1000);
    base = parse(h.sim.metrics());
    clock.advance(100_000);
    s = parse(h.sim.metrics());
    const canaryPod = h.client.list('v1', 'Pod', { namespace: 'shop', labelSelector: 'track=canary' })[0].metadata.name!;
    const viaAll = (pod: string | RegExp) => sum(s, 'http_requests_total', { service: 'shop-all', pod }) - sum(base, 'http_requests_total', { service: 'shop-all', pod });
    expect(viaAll(canaryPod)).toBeGreaterThanOrEqual(899);
    expect(viaAll(canaryPod)).toBeLessThanOrEqual(900);
    expect(viaAll(/./)).toBeGreaterThanOrEqual(995);
  });

  it('follows HTTPRoute backendRef weights and TraefikService weights', async () => {
    start({ requestRate: 20 });
    h.client.create(service('blue', { app: 'blue' }));
    h.client.create(service('green', { app: 'green' }));
    h.client.create(app('blue', 1, { app: 'blue' }));
    h.client.create(app('green', 2, { app: 'green' }));
    h.client.create({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'blue', port: 80, weight: 3 }, { name: 'green', port: 80, weight: 1 }] }] },
    });
    await ready(1, 'app=blue');
    await ready(2, 'app=green');
    const base = parse(h.sim.metrics());
    clock.advance(100_000);
    const s = parse(h.sim.metrics());
    const d = (svc: string) => sum(s, 'http_requests_total', { service: svc }) - sum(base, 'http_requests_total', { service: svc });
    expect(d('blue')).toBeGreaterThanOrEqual(1499);
    expect(d('blue')).toBeLessThanOrEqual(1500);
    expect(d('green')).toBeGreaterThanOrEqual(498);
    expect(d('green')).toBeLessThanOrEqual(500);
    h.client.delete('gateway.networking.k8s.io/v1', 'HTTPRoute', 'shop', 'web');
    h.client.create({
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'TraefikService',
      metadata: { name: 'wrr', namespace: 'shop' },
      spec: { weighted: { services: [{ name: 'blue', port: 80, weight: 1 }, { name: 'green', port: 80, weight: 4 }] } },
    });
    await new Promise(r => setTimeout(r, 20));
    clock.advance(1000);
    const b2 = parse(h.sim.metrics());
    clock.advance(100_000);
    const s2 = parse(h.sim.metrics());
    const d2 = (svc: string) => sum(s2, 'http_requests_total', { service: svc }) - sum(b2, 'http_requests_total', { service: svc });
    expect(d2('blue')).toBeGreaterThanOrEqual(399);
    expect(d2('blue')).toBeLessThanOrEqual(400);
    expect(d2('green')).toBeGreaterThanOrEqual(1598);
  });

  it('drops the series of deleted pods and reports kube-state-style metrics', async () => {
    start();
    h.client.create(service('api', { app: 'api' }));
    h.client.create(app('api', 2, { app: 'api' }));
    h.client.create(app('crash', 1, { app: 'crash' }, { 'sim.gitops-suite.io/failure': 'CrashLoop', 'sim.gitops-suite.io/restart-interval': '1s' }));
    await ready(2, 'app=api');
    clock.advance(3500);
    await waitFor(() => (h.client.list('v1', 'Pod', { namespace: 'shop', labelSelector: 'app=crash' })[0]?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 3);
    await waitFor(() => h.client.get('apps/v1', 'Deployment', 'shop', 'api')?.status?.availableReplicas === 2);
    let s = parse(h.sim.metrics());
    const crashPod = h.client.list('v1', 'Pod', { namespace: 'shop', labelSelector: 'app=crash' })[0].metadata.name!;
    expect(sum(s, 'kube_pod_container_status_restarts_total', { pod: crashPod, container: 'app' })).toBeGreaterThanOrEqual(3);
    expect(sum(s, 'kube_pod_status_ready', { pod: crashPod, condition: 'false' })).toBe(1);
    expect(sum(s, 'kube_deployment_status_replicas_available', { deployment: 'api', namespace: 'shop' })).toBe(2);
    const pods = new Set(s.filter(x => x.name === 'http_requests_total').map(x => x.labels.pod));
    expect(pods.size).toBe(2);
    h.client.patch('apps/v1', 'Deployment', 'shop', 'api', 'merge', { spec: { replicas: 1 } });
    await waitFor(() => h.client.list('v1', 'Pod', { namespace: 'shop', labelSelector: 'app=api' }).length === 1);
    await new Promise(r => setTimeout(r, 20));
    clock.advance(1000);
    s = parse(h.sim.metrics());
    expect(new Set(s.filter(x => x.name === 'http_requests_total').map(x => x.labels.pod)).size).toBe(1);
    expect(s.some(x => x.labels.pod && !h.client.get('v1', 'Pod', 'shop', x.labels.pod))).toBe(false);
  });

  it('produces text that promtool accepts', async () => {
    start();
    h.client.create(service('api', { app: 'api' }, { 'sim.gitops-suite.io/request-rate': '5' }));
    h.client.create(app('api', 2, { app: 'api', version: 'we"ird\\v' }));
    await ready(2, 'app=api');
    clock.advance(5000);
    const text = h.sim.metrics();
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    // The only lint finding allowed: the millisecond histogram, kept because existing
    // analysis templates query http_request_duration_milliseconds_bucket.
    const findings = (r.stderr + r.stdout).split('\n').filter(Boolean);
    expect(findings).toEqual(['http_request_duration_milliseconds use base unit "seconds" instead of "milliseconds"']);
    expect(r.status).not.toBe(1);
    expect(text).toContain('version="we\\"ird\\\\v"');
  });
});

describe('traffic helpers', () => {
  it('resolves Istio hosts and image tags', () => {
    expect(resolveHost('svc', 'ns')).toEqual({ namespace: 'ns', service: 'svc' });
    expect(resolveHost('svc.other', 'ns')).toEqual({ namespace: 'other', service: 'svc' });
    expect(resolveHost('svc.other.svc.cluster.local', 'ns')).toEqual({ namespace: 'other', service: 'svc' });
    expect(resolveHost('api.example.com', 'ns')).toBeUndefined();
    expect(imageTag('nginx:1.25')).toBe('1.25');
    expect(imageTag('registry:5000/team/app')).toBe('latest');
    expect(imageTag('registry:5000/team/app:v2')).toBe('v2');
    expect(imageTag('app@sha256:abc')).toBe('sha256:abc');
  });

  it('log-normal latency CDF has the configured mean', () => {
    // Numerical mean from the CDF: ∫ (1 - F(x)) dx.
    let mean = 0;
    for (let x = 0; x < 2000; x += 0.5) mean += (1 - latencyCdf(x + 0.25, 120)) * 0.5;
    expect(mean).toBeGreaterThan(118);
    expect(mean).toBeLessThan(122);
    expect(latencyCdf(120, 120)).toBeGreaterThan(0.5);
  });
});
