/**
 * Who receives how many requests: each route's rate goes to its Services by weight, each
 * Service not reached through a route gets its own rate (annotation or default), and a
 * Service's requests are split equally between its Ready endpoint pods. The result is one
 * flow per (Service, pod) with the pod's error rate and mean latency.
 */
import type { KubeObject } from '../store/types';
import { parseNonNegative, SimAnnotations } from '../controllers/annotations';
import type { PodSpec } from '../controllers/kubeTypes';
import { labelsContain } from '../controllers/labels';
import { isPodReady, podStatus } from '../controllers/objects';
import { DEFAULT_LATENCY_MS } from './latency';
import type { RouteEntry } from './routes';

export interface Flow {
  key: string;
  namespace: string;
  service: string;
  pod: string;
  podUid: string;
  version: string;
  /** Requests per second. */
  rate: number;
  errorRate: number;
  latencyMs: number;
}

export interface ModelInput {
  services: KubeObject[];
  routes: RouteEntry[];
  defaultRate: number;
  podsSelectedBy(namespace: string, selector: Record<string, string>): KubeObject[];
}

/** The tag of an image reference (`repo:tag`), the digest for `repo@sha256:…`, else "latest". */
export function imageTag(image: string | undefined): string {
  if (!image) return 'unknown';
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const lastSlash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > lastSlash ? image.slice(colon + 1) : 'latest';
}

export function podVersion(pod: KubeObject): string {
  const labels = pod.metadata.labels ?? {};
  return labels.version ?? labels['app.kubernetes.io/version'] ?? imageTag((pod.spec as PodSpec | undefined)?.containers?.[0]?.image);
}

function receivesTraffic(pod: KubeObject): boolean {
  return !pod.metadata.deletionTimestamp && Boolean(podStatus(pod).podIP) && podStatus(pod).phase === 'Running' && isPodReady(pod);
}

export function computeFlows(input: ModelInput): Flow[] {
  const services = new Map(input.services.map(s => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
  const routed = new Set<string>();
  for (const r of input.routes) for (const ref of r.referenced) routed.add(`${ref.namespace}/${ref.service}`);
  const demand = new Map<string, Array<{ rate: number; subsetLabels?: Record<string, string> }>>();
  const add = (key: string, rate: number, subsetLabels?: Record<string, string>) => {
    if (rate <= 0) return;
    demand.set(key, [...(demand.get(key) ?? []), { rate, subsetLabels }]);
  };
  for (const r of input.routes) for (const t of r.targets) add(`${t.namespace}/${t.service}`, r.rate * t.share, t.subsetLabels);
  for (const [key, svc] of services) {
    if (routed.has(key)) continue;
    add(key, parseNonNegative(svc.metadata.annotations?.[SimAnnotations.requestRate]) ?? input.defaultRate);
  }
  const flows = new Map<string, Flow>();
  for (const [key, items] of demand) {
    const svc = services.get(key);
    const selector = (svc?.spec as { selector?: Record<string, string> } | undefined)?.selector;
    if (!svc || !selector || Object.keys(selector).length === 0) continue;
    const ns = svc.metadata.namespace ?? 'default';
    const pods = input.podsSelectedBy(ns, selector).filter(receivesTraffic);
    for (const item of items) {
      const targets = item.subsetLabels ? pods.filter(p => labelsContain(p.metadata.labels, item.subsetLabels)) : pods;
      if (!targets.length) continue;
      const each = item.rate / targets.length;
      for (const pod of targets) {
        const flowKey = `${ns}|${svc.metadata.name}|${pod.metadata.name}`;
        const existing = flows.get(flowKey);
        if (existing) {
          existing.rate += each;
          continue;
        }
        const ann = pod.metadata.annotations ?? {};
        flows.set(flowKey, {
          key: flowKey,
          namespace: ns,
          service: svc.metadata.name ?? '',
          pod: pod.metadata.name ?? '',
          podUid: pod.metadata.uid ?? '',
          version: podVersion(pod),
          rate: each,
          errorRate: Math.min(1, parseNonNegative(ann[SimAnnotations.errorRate]) ?? 0),
          latencyMs: parseNonNegative(ann[SimAnnotations.latencyMs]) ?? DEFAULT_LATENCY_MS,
        });
      }
    }
  }
  return [...flows.values()];
}
