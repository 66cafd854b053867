/**
 * Simulated traffic and its Prometheus metrics. Request rates per (Service, pod) come from
 * the model (routes, Services, Ready pods, read from the cluster through watches, so weight
 * changes take effect within a tick); counters advance with elapsed time on every tick and
 * scrape, keeping the fractional remainder so they stay integers and exact over time.
 * `metrics()` renders http_requests_total, the request-duration histograms in seconds and
 * milliseconds, and kube-state-metrics-style pod and Deployment series.
 */
import type { KubeObject } from '../store/types';
import type { TimerHandle } from '../controllers/clock';
import { podsSelectedBy, SimContext } from '../controllers/context';
import type { Informer } from '../controllers/informer';
import type { DeploymentSpec, DeploymentStatus } from '../controllers/kubeTypes';
import { findCondition, intField, podStatus } from '../controllers/objects';
import { ExpositionWriter, LabelSet } from './exposition';
import { bucketShares, BUCKETS_MILLISECONDS, BUCKETS_SECONDS } from './latency';
import { computeFlows, Flow } from './model';
import { destinationRuleLookup, httpRouteEntry, RouteEntry, traefikEntries, virtualServiceEntry } from './routes';

export { computeFlows, imageTag, podVersion } from './model';
export type { Flow } from './model';

interface Series {
  namespace: string;
  service: string;
  pod: string;
  podUid: string;
  version: string;
  /** Requests not yet counted (fraction of one). */
  carry: number;
  count: number;
  errors: number;
  buckets: number[];
  sumSeconds: number;
  flow?: Flow;
  shares: number[];
}

const ISTIO_VERSIONS = ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'];
const GATEWAY_VERSIONS = ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'];

export class TrafficSimulator {
  private readonly series = new Map<string, Series>();
  private readonly virtualServices: Informer;
  private readonly destinationRules: Informer;
  private readonly httpRoutes: Informer;
  private readonly traefikServices: Informer[];
  private dirty = true;
  private last = 0;
  private timer?: TimerHandle;
  private stopped = false;

  constructor(private readonly ctx: SimContext) {
    const hub = ctx.hub;
    this.virtualServices = hub.informer(ISTIO_VERSIONS, 'VirtualService');
    this.destinationRules = hub.informer(ISTIO_VERSIONS, 'DestinationRule');
    this.httpRoutes = hub.informer(GATEWAY_VERSIONS, 'HTTPRoute');
    this.traefikServices = [hub.informer('traefik.io/v1alpha1', 'TraefikService'), hub.informer('traefik.containo.us/v1alpha1', 'TraefikService')];
    const markDirty = () => {
      this.dirty = true;
    };
    for (const inf of [ctx.informers.services, ctx.informers.pods, this.virtualServices, this.destinationRules, this.httpRoutes, ...this.traefikServices]) {
      inf.onChange(markDirty);
    }
  }

  start(): void {
    this.last = this.ctx.clock.now();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.ctx.clock.setTimer(() => {
      this.advance();
      this.schedule();
    }, this.ctx.options.tickMs);
  }

  /** Counts the requests since the last advance at the current rates, then applies changes. */
  advance(): void {
    const now = this.ctx.clock.now();
    const dt = Math.max(0, (now - this.last) / 1000);
    this.last = now;
    if (dt > 0) {
      for (const s of this.series.values()) {
        const f = s.flow;
        if (!f || f.rate <= 0) continue;
        s.carry += f.rate * dt;
        const n = Math.floor(s.carry);
        if (n <= 0) continue;
        s.carry -= n;
        s.count += n;
        s.errors += n * f.errorRate;
        for (let i = 0; i < s.buckets.length; i++) s.buckets[i] += n * s.shares[i];
        s.sumSeconds += (n * f.latencyMs) / 1000;
      }
    }
    if (this.dirty) this.recompute();
  }

  private routes(): RouteEntry[] {
    const rate = this.ctx.options.requestRate;
    const lookup = destinationRuleLookup(this.destinationRules.list());
    return [
      ...this.virtualServices.list().map(vs => virtualServiceEntry(vs, rate, lookup)),
      ...this.httpRoutes.list().map(r => httpRouteEntry(r, rate)),
      ...traefikEntries(this.traefikServices.flatMap(i => i.list()), rate),
    ];
  }

  private recompute(): void {
    this.dirty = false;
    const flows = computeFlows({
      services: this.ctx.informers.services.list(),
      routes: this.routes(),
      defaultRate: this.ctx.options.requestRate,
      podsSelectedBy: (ns, sel) => podsSelectedBy(this.ctx, ns, sel),
    });
    const seen = new Set<string>();
    for (const f of flows) {
      seen.add(f.key);
      let s = this.series.get(f.key);
      if (!s || s.podUid !== f.podUid) {
        s = {
          namespace: f.namespace,
          service: f.service,
          pod: f.pod,
          podUid: f.podUid,
          version: f.version,
          carry: 0,
          count: 0,
          errors: 0,
          buckets: BUCKETS_SECONDS.map(() => 0),
          sumSeconds: 0,
          shares: [],
        };
        this.series.set(f.key, s);
      }
      s.version = f.version;
      if (s.flow?.latencyMs !== f.latencyMs || !s.shares.length) s.shares = bucketShares(f.latencyMs);
      s.flow = f;
    }
    // Series of pods or Services that are gone disappear; others keep their counts at rate 0.
    const services = this.ctx.informers.services;
    const pods = this.ctx.informers.pods;
    for (const [key, s] of this.series) {
      if (seen.has(key)) continue;
      s.flow = undefined;
      const pod = pods.get(s.namespace, s.pod);
      if (!pod || pod.metadata.uid !== s.podUid || !services.get(s.namespace, s.service)) this.series.delete(key);
    }
  }

  metrics(): string {
    this.advance();
    const w = new ExpositionWriter();
    const list = [...this.series.values()].sort(
      (a, b) => a.namespace.localeCompare(b.namespace) || a.service.localeCompare(b.service) || a.pod.localeCompare(b.pod),
    );
    const base = (s: Series): LabelSet => ({ namespace: s.namespace, service: s.service, pod: s.pod, version: s.version });
    w.family('http_requests_total', 'counter', 'Simulated HTTP requests served by a pod, by response status.');
    for (const s of list) {
      const errors = Math.floor(s.errors + 1e-9);
      w.sample('http_requests_total', { ...base(s), status: '200', job: s.service }, s.count - errors);
      w.sample('http_requests_total', { ...base(s), status: '500', job: s.service }, errors);
    }
    for (const [name, bounds, scale] of [
      ['http_request_duration_seconds', BUCKETS_SECONDS, 1],
      ['http_request_duration_milliseconds', BUCKETS_MILLISECONDS, 1000],
    ] as const) {
      w.family(name, 'histogram', `Simulated HTTP request latency in ${scale === 1 ? 'seconds' : 'milliseconds'}.`);
      for (const s of list) {
        const labels = { ...base(s), job: s.service };
        bounds.forEach((le, i) => {
          w.sample(`${name}_bucket`, { ...labels, le: String(le) }, Math.min(s.count, Math.floor(s.buckets[i] + 1e-9)));
        });
        w.sample(`${name}_bucket`, { ...labels, le: '+Inf' }, s.count);
        w.sample(`${name}_sum`, labels, s.sumSeconds * scale);
        w.sample(`${name}_count`, labels, s.count);
      }
    }
    this.renderKubeState(w);
    return w.toString();
  }

  private renderKubeState(w: ExpositionWriter): void {
    const pods = this.ctx.informers.pods
      .list()
      .sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    const podLabels = (p: KubeObject) => ({ namespace: p.metadata.namespace ?? '', pod: p.metadata.name ?? '' });
    w.family('kube_pod_container_status_restarts_total', 'counter', 'The number of container restarts per container.');
    for (const p of pods) {
      for (const c of podStatus(p).containerStatuses ?? []) {
        w.sample('kube_pod_container_status_restarts_total', { ...podLabels(p), container: c.name }, c.restartCount ?? 0);
      }
    }
    w.family('kube_pod_status_ready', 'gauge', 'Describes whether the pod is ready to serve requests.');
    for (const p of pods) {
      const ready = findCondition(podStatus(p).conditions, 'Ready')?.status;
      for (const [condition, value] of [['true', 'True'], ['false', 'False'], ['unknown', 'Unknown']] as const) {
        w.sample('kube_pod_status_ready', { ...podLabels(p), condition }, (ready ?? 'Unknown') === value ? 1 : 0);
      }
    }
    w.family('kube_pod_status_phase', 'gauge', 'The pods current phase.');
    for (const p of pods) {
      const phase = podStatus(p).phase ?? 'Pending';
      for (const candidate of ['Pending', 'Succeeded', 'Failed', 'Unknown', 'Running']) {
        w.sample('kube_pod_status_phase', { ...podLabels(p), phase: candidate }, phase === candidate ? 1 : 0);
      }
    }
    const deployments = this.ctx.informers.deployments
      .list()
      .sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    const depLabels = (d: KubeObject) => ({ namespace: d.metadata.namespace ?? '', deployment: d.metadata.name ?? '' });
    w.family('kube_deployment_spec_replicas', 'gauge', 'Number of desired pods for a deployment.');
    for (const d of deployments) w.sample('kube_deployment_spec_replicas', depLabels(d), intField((d.spec as DeploymentSpec).replicas, 1));
    w.family('kube_deployment_status_replicas_available', 'gauge', 'The number of available replicas per deployment.');
    for (const d of deployments) {
      w.sample('kube_deployment_status_replicas_available', depLabels(d), ((d.status ?? {}) as DeploymentStatus).availableReplicas ?? 0);
    }
    w.family('kube_deployment_status_replicas_updated', 'gauge', 'The number of updated replicas per deployment.');
    for (const d of deployments) {
      w.sample('kube_deployment_status_replicas_updated', depLabels(d), ((d.status ?? {}) as DeploymentStatus).updatedReplicas ?? 0);
    }
  }
}
