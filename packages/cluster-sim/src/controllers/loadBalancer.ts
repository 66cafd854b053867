/**
 * Addresses for LoadBalancer Services (a cloud provider's service controller) and Ingresses
 * (an ingress controller): `status.loadBalancer.ingress[{ip}]` appears `loadBalancerDelayMs`
 * after the object is first seen, which is what health checks wait for.
 */
import type { KubeObject } from '../store/types';
import type { SimContext } from './context';
import type { ServiceSpec } from './endpoints';
import type { Informer } from './informer';
import type { ReconcileResult } from './queue';
import type { ApiWriter } from './writer';

/** The shared address of the simulated ingress controller. */
export const INGRESS_IP = '172.18.255.1';

function ingressList(obj: KubeObject): unknown[] {
  return ((obj.status?.loadBalancer as { ingress?: unknown[] } | undefined)?.ingress ?? []) as unknown[];
}

export class LoadBalancerController {
  private readonly firstSeen = new Map<string, number>();
  private readonly ips = new Map<string, string>();
  private nextIp = 10;

  private readonly writer: ApiWriter;

  constructor(private readonly ctx: SimContext) {
    this.writer = ctx.writer.as('loadbalancer');
    const svcQueue = ctx.scheduler.queue('service-lb', key => this.reconcileService(key));
    const ingQueue = ctx.scheduler.queue('ingress-lb', key => this.reconcileIngress(key));
    const track = (informer: Informer, queue: { add(k: string): void }) =>
      informer.onChange((type, obj) => {
        const uid = obj.metadata.uid ?? '';
        if (type === 'DELETED') {
          this.firstSeen.delete(uid);
          this.ips.delete(uid);
          return;
        }
        if (!this.firstSeen.has(uid)) this.firstSeen.set(uid, ctx.clock.now());
        queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
      });
    track(ctx.informers.services, svcQueue);
    track(ctx.informers.ingresses, ingQueue);
  }

  /** Milliseconds still to wait before `obj` gets its address (0 when due). */
  private wait(obj: KubeObject): number {
    const seen = this.firstSeen.get(obj.metadata.uid ?? '') ?? this.ctx.clock.now();
    return Math.max(0, seen + this.ctx.options.loadBalancerDelayMs - this.ctx.clock.now());
  }

  private reconcileService(key: string): ReconcileResult | void {
    const svc = this.ctx.informers.services.getByKey(key);
    if (!svc) return undefined;
    const spec = (svc.spec ?? {}) as ServiceSpec;
    const uid = svc.metadata.uid ?? '';
    if (spec.type !== 'LoadBalancer') {
      if (ingressList(svc).length) {
        this.writer.updateStatus({ ...svc, status: { ...(svc.status ?? {}), loadBalancer: {} } }, 'service-controller');
        this.ips.delete(uid);
      }
      return undefined;
    }
    if (ingressList(svc).length) return undefined;
    const wait = this.wait(svc);
    if (wait > 0) return { requeueAfterMs: wait };
    let ip = this.ips.get(uid);
    if (!ip) {
      const n = this.nextIp++;
      ip = `172.18.${255 - Math.floor(n / 250)}.${(n % 250) + 2}`;
      this.ips.set(uid, ip);
    }
    this.ctx.recorder.record(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer', 'service-controller');
    this.writer.updateStatus(
      { ...svc, status: { ...(svc.status ?? {}), loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } } },
      'service-controller',
    );
    this.ctx.recorder.record(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer', 'service-controller');
    return undefined;
  }

  private reconcileIngress(key: string): ReconcileResult | void {
    const ing = this.ctx.informers.ingresses.getByKey(key);
    if (!ing || ingressList(ing).length) return undefined;
    const wait = this.wait(ing);
    if (wait > 0) return { requeueAfterMs: wait };
    this.writer.updateStatus({ ...ing, status: { ...(ing.status ?? {}), loadBalancer: { ingress: [{ ip: INGRESS_IP }] } } }, 'ingress-controller');
    this.ctx.recorder.record(ing, 'Normal', 'Sync', 'Scheduled for sync', 'ingress-controller');
    return undefined;
  }
}
