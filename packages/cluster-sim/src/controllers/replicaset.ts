/**
 * ReplicaSet controller: keeps the number of active pods of EVERY ReplicaSet (owned by a
 * Deployment, an Argo Rollout, anyone) at spec.replicas, and writes the ReplicaSet status
 * (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas honouring minReadySeconds,
 * observedGeneration). It touches nothing but pods and the ReplicaSet's status.
 */
import type { KubeObject } from '../store/types';
import { parseKubeTime } from './clock';
import { OWNER, ownerKey, SimContext } from './context';
import { generatedName } from './hash';
import type { ReplicaSetSpec, ReplicaSetStatus } from './kubeTypes';
import { labelsContain } from './labels';
import { buildPod } from './podFactory';
import {
  createdAt,
  deepEqual,
  findCondition,
  intField,
  isPodActive,
  isPodAvailable,
  isPodReady,
  podAvailableAt,
  podStatus,
} from './objects';
import { apiErrorCode, ReconcileResult } from './queue';
import type { ApiWriter } from './writer';

const COMPONENT = 'replicaset-controller';

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Order in which surplus pods are deleted (controller.ActivePods ranking): unscheduled,
 * pending, not ready, ready for less time, more restarts, newer — first.
 */
export function podDeletionOrder(a: KubeObject, b: KubeObject): number {
  const sa = podStatus(a);
  const sb = podStatus(b);
  const na = a.spec?.nodeName ? 1 : 0;
  const nb = b.spec?.nodeName ? 1 : 0;
  if (na !== nb) return na - nb;
  const pa = PHASE_RANK[sa.phase ?? 'Pending'] ?? 0;
  const pb = PHASE_RANK[sb.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a) ? 1 : 0;
  const rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  if (ra && rb) {
    const ta = parseKubeTime(findCondition(sa.conditions, 'Ready')?.lastTransitionTime) ?? 0;
    const tb = parseKubeTime(findCondition(sb.conditions, 'Ready')?.lastTransitionTime) ?? 0;
    if (ta !== tb) return tb - ta;
  }
  const restarts = (p: KubeObject) => Math.max(0, ...(podStatus(p).containerStatuses ?? []).map(c => c.restartCount));
  const ca = restarts(a);
  const cb = restarts(b);
  if (ca !== cb) return cb - ca;
  return createdAt(b) - createdAt(a) || (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '');
}

export class ReplicaSetController {
  private readonly queue;

  private readonly writer: ApiWriter;

  constructor(private readonly ctx: SimContext) {
    this.writer = ctx.writer.as('replicaset');
    this.queue = ctx.scheduler.queue('replicaset', key => this.reconcile(key));
    ctx.informers.replicaSets.onChange((_t, obj, _old, origin) => {
      if (origin !== 'replicaset') this.queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
    });
    ctx.informers.pods.onChange((_t, obj, old, origin) => {
      if (origin === 'replicaset') return;
      const k = ownerKey(obj, 'ReplicaSet');
      if (k) this.queue.add(k);
      const ok = old && ownerKey(old, 'ReplicaSet');
      if (ok && ok !== k) this.queue.add(ok);
    });
  }

  private reconcile(key: string): ReconcileResult | void {
    const rs = this.ctx.informers.replicaSets.getByKey(key);
    if (!rs) return undefined;
    const spec = (rs.spec ?? {}) as ReplicaSetSpec;
    const ns = rs.metadata.namespace;
    const owned = () => this.ctx.informers.pods.byIndex(OWNER, rs.metadata.uid ?? '').filter(p => p.metadata.namespace === ns);
    if (!rs.metadata.deletionTimestamp && spec.template) {
      const active = owned().filter(isPodActive);
      const desired = Math.max(0, intField(spec.replicas, 1));
      const diff = active.length - desired;
      if (diff < 0) this.createPods(rs, -diff);
      if (diff > 0) {
        for (const pod of [...active].sort(podDeletionOrder).slice(0, diff)) {
          this.writer.delete(pod);
          this.ctx.recorder.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, COMPONENT);
        }
      }
    }
    return this.syncStatus(rs, spec, owned().filter(isPodActive));
  }

  private createPods(rs: KubeObject, count: number): void {
    const template = (rs.spec as ReplicaSetSpec).template!;
    for (let i = 0; i < count; i++) {
      for (let attempt = 0; ; attempt++) {
        const pod = buildPod(this.ctx, { owner: rs, template, name: generatedName(rs.metadata.name ?? '') });
        try {
          this.writer.create(pod, 'kube-controller-manager');
          this.ctx.recorder.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, COMPONENT);
          break;
        } catch (error) {
          // A random name taken already: draw another, as the API server's generateName would.
          if (apiErrorCode(error) !== 409 || attempt >= 3) {
            this.ctx.recorder.record(rs, 'Warning', 'FailedCreate', `Error creating: ${(error as Error).message}`, COMPONENT);
            throw error;
          }
        }
      }
    }
  }

  private syncStatus(rs: KubeObject, spec: ReplicaSetSpec, pods: KubeObject[]): ReconcileResult | void {
    const now = this.ctx.clock.now();
    const templateLabels = spec.template?.metadata?.labels ?? {};
    let fully = 0;
    let ready = 0;
    let available = 0;
    let nextAvailable: number | undefined;
    for (const pod of pods) {
      if (labelsContain(pod.metadata.labels, templateLabels)) fully++;
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, spec.minReadySeconds, now)) available++;
        else {
          const at = podAvailableAt(pod, spec.minReadySeconds) ?? now;
          nextAvailable = Math.min(nextAvailable ?? at, at);
        }
      }
    }
    const old = (rs.status ?? {}) as Partial<ReplicaSetStatus>;
    const status: ReplicaSetStatus = { replicas: pods.length };
    if (fully) status.fullyLabeledReplicas = fully;
    if (ready) status.readyReplicas = ready;
    if (available) status.availableReplicas = available;
    if (rs.metadata.generation) status.observedGeneration = rs.metadata.generation;
    if (old.conditions?.length) status.conditions = old.conditions;
    if (!deepEqual(status, old)) this.writer.updateStatus({ ...rs, status }, 'kube-controller-manager');
    return nextAvailable !== undefined ? { requeueAfterMs: Math.max(1, nextAvailable - now + 1) } : undefined;
  }
}
