/**
 * Traffic entry points from routing objects: Istio VirtualServices (with DestinationRule
 * subsets), Gateway API HTTPRoutes and Traefik TraefikServices. Each route's request rate is
 * split evenly between its rules and then by weight between the destination Services.
 */
import type { KubeObject } from '../store/types';
import { parseNonNegative, SimAnnotations } from '../controllers/annotations';

export interface RouteTarget {
  namespace: string;
  service: string;
  /** Fraction of the route's requests sent to this Service (subset). */
  share: number;
  /** Extra pod labels a DestinationRule subset requires. */
  subsetLabels?: Record<string, string>;
}

export interface RouteEntry {
  kind: string;
  namespace: string;
  name: string;
  rate: number;
  targets: RouteTarget[];
  /** Every Service the route names, even at weight 0 (those get no direct traffic). */
  referenced: Array<{ namespace: string; service: string }>;
}

/** Resolves an Istio host (`svc`, `svc.ns`, `svc.ns.svc.cluster.local`) to a Service. */
export function resolveHost(host: string, namespace: string): { namespace: string; service: string } | undefined {
  const parts = host.split('.');
  if (parts.length === 1) return { namespace, service: parts[0] };
  if (parts.length === 2) return { namespace: parts[1], service: parts[0] };
  if (parts[2] === 'svc') return { namespace: parts[1], service: parts[0] };
  return undefined; // an external host: not a Service of this cluster
}

export function routeRate(route: KubeObject, fallback: number): number {
  return parseNonNegative(route.metadata.annotations?.[SimAnnotations.requestRate]) ?? fallback;
}

interface Weighted<T> {
  target: T;
  weight?: number;
}

/** Normalised shares: explicit weights; a lone destination gets all; no weights at all → equal. */
function shares<T>(items: Array<Weighted<T>>, defaultWeight: number | undefined): Array<{ target: T; share: number }> {
  if (items.length === 0) return [];
  const anyWeight = items.some(i => typeof i.weight === 'number');
  const weights = items.map(i => {
    if (typeof i.weight === 'number') return Math.max(0, i.weight);
    if (defaultWeight !== undefined) return defaultWeight;
    return anyWeight ? 0 : 1;
  });
  const total = weights.reduce((a, b) => a + b, 0);
  if (items.length === 1 && typeof items[0].weight !== 'number') return [{ target: items[0].target, share: 1 }];
  if (total <= 0) return items.map(i => ({ target: i.target, share: 0 }));
  return items.map((i, n) => ({ target: i.target, share: weights[n] / total }));
}

interface IstioDestination {
  host?: string;
  subset?: string;
}

/** Subset labels from the DestinationRule for a Service, looked up in the given namespaces. */
export type SubsetLookup = (namespace: string, service: string, subset: string, searchNamespaces: string[]) => Record<string, string> | undefined;

export function destinationRuleLookup(rules: KubeObject[]): SubsetLookup {
  return (namespace, service, subset, searchNamespaces) => {
    for (const ns of searchNamespaces) {
      for (const dr of rules) {
        if (dr.metadata.namespace !== ns) continue;
        const spec = (dr.spec ?? {}) as { host?: string; subsets?: Array<{ name?: string; labels?: Record<string, string> }> };
        const target = spec.host ? resolveHost(spec.host, ns) : undefined;
        if (!target || target.namespace !== namespace || target.service !== service) continue;
        const found = (spec.subsets ?? []).find(s => s.name === subset);
        if (found) return found.labels ?? {};
      }
    }
    return undefined;
  };
}

export function virtualServiceEntry(vs: KubeObject, defaultRate: number, lookup: SubsetLookup): RouteEntry {
  const ns = vs.metadata.namespace ?? 'default';
  const http = ((vs.spec ?? {}) as { http?: Array<{ route?: Array<{ destination?: IstioDestination; weight?: number }> }> }).http ?? [];
  const entry: RouteEntry = { kind: 'VirtualService', namespace: ns, name: vs.metadata.name ?? '', rate: routeRate(vs, defaultRate), targets: [], referenced: [] };
  const rules = http.filter(r => (r.route ?? []).length > 0);
  for (const rule of rules) {
    const items: Array<Weighted<{ svc: { namespace: string; service: string }; subset?: string }>> = [];
    for (const r of rule.route ?? []) {
      const svc = r.destination?.host ? resolveHost(r.destination.host, ns) : undefined;
      if (!svc) continue;
      entry.referenced.push(svc);
      items.push({ target: { svc, subset: r.destination?.subset }, weight: r.weight });
    }
    for (const { target, share } of shares(items, undefined)) {
      let subsetLabels: Record<string, string> | undefined;
      if (target.subset) {
        // An unknown subset matches no pod, as Istio sends such traffic nowhere.
        subsetLabels = lookup(target.svc.namespace, target.svc.service, target.subset, [ns, target.svc.namespace]) ?? { 'sim.gitops-suite.io/unknown-subset': target.subset };
      }
      entry.targets.push({ ...target.svc, share: share / rules.length, ...(subsetLabels ? { subsetLabels } : {}) });
    }
  }
  return entry;
}

export function httpRouteEntry(route: KubeObject, defaultRate: number): RouteEntry {
  const ns = route.metadata.namespace ?? 'default';
  const rules = ((route.spec ?? {}) as { rules?: Array<{ backendRefs?: Array<{ name?: string; namespace?: string; kind?: string; group?: string; weight?: number }> }> }).rules ?? [];
  const entry: RouteEntry = { kind: 'HTTPRoute', namespace: ns, name: route.metadata.name ?? '', rate: routeRate(route, defaultRate), targets: [], referenced: [] };
  const withBackends = rules.filter(r => (r.backendRefs ?? []).length > 0);
  for (const rule of withBackends) {
    const items: Array<Weighted<{ namespace: string; service: string }>> = [];
    for (const ref of rule.backendRefs ?? []) {
      if ((ref.kind ?? 'Service') !== 'Service' || (ref.group ?? '') !== '' || !ref.name) continue;
      const svc = { namespace: ref.namespace ?? ns, service: ref.name };
      entry.referenced.push(svc);
      items.push({ target: svc, weight: ref.weight });
    }
    // Gateway API: a backendRef without weight has weight 1.
    for (const { target, share } of shares(items, 1)) entry.targets.push({ ...target, share: share / withBackends.length });
  }
  return entry;
}

interface TraefikWeighted {
  name?: string;
  namespace?: string;
  kind?: string;
  weight?: number;
}

/** TraefikServices not referenced by another one are entry points; nested ones split further. */
export function traefikEntries(services: KubeObject[], defaultRate: number): RouteEntry[] {
  const byKey = new Map(services.map(s => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
  const refsOf = (ts: KubeObject): TraefikWeighted[] => ((ts.spec ?? {}) as { weighted?: { services?: TraefikWeighted[] } }).weighted?.services ?? [];
  const nested = new Set<string>();
  for (const ts of services) {
    for (const ref of refsOf(ts)) if (ref.kind === 'TraefikService') nested.add(`${ref.namespace ?? ts.metadata.namespace}/${ref.name}`);
  }
  const expand = (ts: KubeObject, share: number, entry: RouteEntry, depth: number): void => {
    const ns = ts.metadata.namespace ?? 'default';
    const items: Array<Weighted<TraefikWeighted>> = refsOf(ts).filter(r => r.name).map(r => ({ target: r, weight: r.weight }));
    for (const { target, share: s } of shares(items, 1)) {
      const targetNs = target.namespace ?? ns;
      if (target.kind === 'TraefikService') {
        const child = byKey.get(`${targetNs}/${target.name}`);
        if (child && depth < 5) expand(child, share * s, entry, depth + 1);
        continue;
      }
      entry.referenced.push({ namespace: targetNs, service: target.name ?? '' });
      entry.targets.push({ namespace: targetNs, service: target.name ?? '', share: share * s });
    }
  };
  const out: RouteEntry[] = [];
  for (const ts of services) {
    if (nested.has(`${ts.metadata.namespace}/${ts.metadata.name}`)) continue;
    const entry: RouteEntry = { kind: 'TraefikService', namespace: ts.metadata.namespace ?? 'default', name: ts.metadata.name ?? '', rate: routeRate(ts, defaultRate), targets: [], referenced: [] };
    expand(ts, 1, entry, 0);
    out.push(entry);
  }
  return out;
}
