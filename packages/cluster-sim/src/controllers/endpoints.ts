/**
 * Endpoints controller: for each Service with a selector, an Endpoints object of the same
 * name listing the matching pods' IPs — Ready pods under `addresses`, the others under
 * `notReadyAddresses` (all under `addresses` with publishNotReadyAddresses) — with ports
 * resolved from each Service port's targetPort (numbers, or container port names per pod).
 */
import type { KubeObject } from '../store/types';
import { podsSelectedBy, servicesSelecting, SimContext } from './context';
import type { Container, IntOrString, PodSpec } from './kubeTypes';
import { deepEqual, isPodFinished, isPodReady, podStatus } from './objects';
import type { ApiWriter } from './writer';

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: IntOrString;
  protocol?: string;
  appProtocol?: string;
}

export interface ServiceSpec {
  selector?: Record<string, string>;
  ports?: ServicePort[];
  type?: string;
  clusterIP?: string;
  publishNotReadyAddresses?: boolean;
}

interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace?: string; name?: string; uid?: string };
}

interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

interface Subset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** The container port a Service port reaches on this pod, or undefined when it has none. */
export function resolveTargetPort(pod: KubeObject, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const containers: Container[] = (pod.spec as PodSpec | undefined)?.containers ?? [];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP')) return p.containerPort;
    }
  }
  return undefined;
}

function ipKey(ip: string): string {
  return ip
    .split('.')
    .map(o => o.padStart(3, '0'))
    .join('.');
}

export function computeSubsets(svc: KubeObject, pods: KubeObject[]): Subset[] {
  const spec = svc.spec as ServiceSpec;
  const publishNotReady = Boolean(spec.publishNotReadyAddresses);
  const groups = new Map<string, Subset>();
  for (const pod of pods) {
    const ip = podStatus(pod).podIP;
    if (!ip || isPodFinished(pod)) continue;
    if (pod.metadata.deletionTimestamp && !publishNotReady) continue;
    const podSpec = (pod.spec ?? {}) as PodSpec;
    const address: EndpointAddress = {
      ip,
      ...(podSpec.hostname && podSpec.subdomain === svc.metadata.name ? { hostname: podSpec.hostname } : {}),
      ...(podSpec.nodeName ? { nodeName: podSpec.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    };
    const ports: EndpointPort[] = [];
    for (const sp of spec.ports ?? []) {
      const port = resolveTargetPort(pod, sp);
      if (port === undefined) continue;
      ports.push({
        ...(sp.name ? { name: sp.name } : {}),
        port,
        protocol: sp.protocol ?? 'TCP',
        ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
      });
    }
    if ((spec.ports ?? []).length > 0 && ports.length === 0) continue;
    const sig = JSON.stringify(ports);
    let subset = groups.get(sig);
    if (!subset) groups.set(sig, (subset = ports.length ? { ports } : {}));
    if (publishNotReady || isPodReady(pod)) (subset.addresses ??= []).push(address);
    else (subset.notReadyAddresses ??= []).push(address);
  }
  const subsets = [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([, s]) => s);
  for (const s of subsets) {
    s.addresses?.sort((a, b) => ipKey(a.ip).localeCompare(ipKey(b.ip)));
    s.notReadyAddresses?.sort((a, b) => ipKey(a.ip).localeCompare(ipKey(b.ip)));
  }
  return subsets;
}

export class EndpointsController {
  private readonly queue;

  private readonly writer: ApiWriter;

  constructor(private readonly ctx: SimContext) {
    this.writer = ctx.writer.as('endpoints');
    this.queue = ctx.scheduler.queue('endpoints', key => this.reconcile(key));
    ctx.informers.services.onChange((_t, obj) => this.queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`));
    ctx.informers.pods.onChange((_t, obj, old) => {
      const ns = obj.metadata.namespace;
      for (const svc of servicesSelecting(ctx, ns, obj.metadata.labels)) this.queue.add(`${ns}/${svc.metadata.name}`);
      if (old && !deepEqual(old.metadata.labels, obj.metadata.labels)) {
        for (const svc of servicesSelecting(ctx, ns, old.metadata.labels)) this.queue.add(`${ns}/${svc.metadata.name}`);
      }
    });
  }

  private reconcile(key: string): void {
    const svc = this.ctx.informers.services.getByKey(key);
    const existing = this.ctx.informers.endpoints.getByKey(key);
    if (!svc) {
      if (existing) this.writer.delete(existing);
      return;
    }
    const spec = (svc.spec ?? {}) as ServiceSpec;
    if (!spec.selector || Object.keys(spec.selector).length === 0 || spec.type === 'ExternalName') return;
    const subsets = computeSubsets(svc, podsSelectedBy(this.ctx, svc.metadata.namespace, spec.selector));
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
    if (spec.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    if (existing) {
      const sameSubsets = deepEqual(existing.subsets ?? [], subsets);
      if (sameSubsets && deepEqual(existing.metadata.labels ?? {}, labels)) return;
      const next: KubeObject = { ...existing, metadata: { ...existing.metadata, labels } };
      if (subsets.length) next.subsets = subsets;
      else delete next.subsets;
      this.writer.update(next, 'kube-controller-manager');
      return;
    }
    const ep: KubeObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace, labels },
    };
    if (subsets.length) ep.subsets = subsets;
    // On 409 the writer refreshes the cache and the retry updates the existing object.
    this.writer.create(ep, 'kube-controller-manager');
  }
}
