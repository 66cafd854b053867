/**
 * StatefulSet controller: pods `<name>-0..n-1` with stable identity (hostname, subdomain,
 * per-ordinal PVCs from volumeClaimTemplates), OrderedReady (one at a time, in order) or
 * Parallel management, RollingUpdate from the highest ordinal down to the partition, OnDelete,
 * ControllerRevisions with the `controller-revision-hash` pod label, and the status
 * (replicas, readyReplicas, currentReplicas, updatedReplicas, availableReplicas,
 * currentRevision, updateRevision, observedGeneration, collisionCount).
 */
import type { KubeObject } from '../store/types';
import { OWNER, ownerKey, SimContext } from './context';
import { pruneRevisions, Revisions, syncRevisions, templateOf } from './controllerRevision';
import type { PodTemplateSpec, Volume } from './kubeTypes';
import { buildPod } from './podFactory';
import {
  clone,
  deepEqual,
  intField,
  isPodAvailable,
  isPodReady,
  isPodTerminating,
  podAvailableAt,
  podStatus,
} from './objects';
import { apiErrorCode, ReconcileResult } from './queue';
import type { ApiWriter } from './writer';

const COMPONENT = 'statefulset-controller';
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

interface StatefulSetSpec {
  replicas?: number;
  serviceName?: string;
  template: PodTemplateSpec;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { partition?: number } };
  volumeClaimTemplates?: KubeObject[];
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  selector?: { matchLabels?: Record<string, string> };
}

interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: unknown[];
}

function runningAndReady(pod: KubeObject): boolean {
  return podStatus(pod).phase === 'Running' && isPodReady(pod);
}

function healthy(pod: KubeObject): boolean {
  return runningAndReady(pod) && !isPodTerminating(pod);
}

function finished(pod: KubeObject): boolean {
  const phase = podStatus(pod).phase;
  return phase === 'Failed' || phase === 'Succeeded';
}

export class StatefulSetController {
  private readonly queue;

  private readonly writer: ApiWriter;

  constructor(private readonly ctx: SimContext) {
    this.writer = ctx.writer.as('statefulset');
    this.queue = ctx.scheduler.queue('statefulset', key => this.reconcile(key));
    ctx.informers.statefulSets.onChange((_t, obj, _old, origin) => {
      if (origin !== 'statefulset') this.queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
    });
    ctx.informers.pods.onChange((_t, obj) => {
      const k = ownerKey(obj, 'StatefulSet');
      if (k) this.queue.add(k);
    });
  }

  private reconcile(key: string): ReconcileResult | void {
    const set = this.ctx.informers.statefulSets.getByKey(key);
    if (!set || set.metadata.deletionTimestamp) return undefined;
    const spec = set.spec as StatefulSetSpec;
    if (!spec?.template) return undefined;
    const name = set.metadata.name ?? '';
    const oldStatus = (set.status ?? {}) as Partial<StatefulSetStatus>;
    const revs = syncRevisions(this.ctx, set, oldStatus.currentRevision, oldStatus.collisionCount ?? 0);
    const replicas = Math.max(0, intField(spec.replicas, 1));
    const monotonic = (spec.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
    const strategy = spec.updateStrategy?.type ?? 'RollingUpdate';
    const partition = intField(spec.updateStrategy?.rollingUpdate?.partition, 0);

    const byOrdinal = () => {
      const map = new Map<number, KubeObject>();
      const re = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`);
      for (const pod of this.ctx.informers.pods.byIndex(OWNER, set.metadata.uid ?? '')) {
        if (pod.metadata.namespace !== set.metadata.namespace) continue;
        const m = re.exec(pod.metadata.name ?? '');
        if (m) map.set(Number(m[1]), pod);
      }
      return map;
    };
    const pods = byOrdinal();
    const revisionOf = (pod: KubeObject) => pod.metadata.labels?.[CONTROLLER_REVISION_HASH];

    let blocked = false;
    for (let i = 0; i < replicas && !blocked; i++) {
      let pod = pods.get(i);
      if (pod && finished(pod) && !isPodTerminating(pod)) {
        this.deletePod(set, pod);
        pod = this.ctx.informers.pods.get(set.metadata.namespace, pod.metadata.name ?? '');
        if (monotonic && pod) {
          blocked = true;
          break;
        }
      }
      if (!pod) {
        const useCurrent = strategy === 'RollingUpdate' && i < partition;
        this.createPod(set, spec, i, useCurrent ? revs.current : revs.update);
        if (monotonic) blocked = true;
        continue;
      }
      if (isPodTerminating(pod)) {
        if (monotonic) blocked = true;
        continue;
      }
      if (!runningAndReady(pod) && monotonic) blocked = true;
    }

    if (!blocked) {
      const condemned = [...pods.entries()].filter(([i]) => i >= replicas).sort((a, b) => b[0] - a[0]);
      for (const [ordinal, pod] of condemned) {
        if (isPodTerminating(pod)) {
          if (monotonic) {
            blocked = true;
            break;
          }
          continue;
        }
        const otherUnhealthy = [...pods.entries()].some(([i, p]) => i !== ordinal && !healthy(p));
        if (monotonic && otherUnhealthy) {
          blocked = true;
          break;
        }
        this.deletePod(set, pod);
        if (monotonic) {
          blocked = true;
          break;
        }
      }
    }

    if (!blocked && strategy === 'RollingUpdate') {
      for (let target = replicas - 1; target >= partition; target--) {
        const pod = pods.get(target);
        if (!pod) break;
        if (revisionOf(pod) !== revs.update.metadata.name && !isPodTerminating(pod)) {
          this.deletePod(set, pod);
          break;
        }
        if (!healthy(pod)) break;
      }
    }

    return this.syncStatus(set, spec, revs, byOrdinal(), strategy);
  }

  private createPod(set: KubeObject, spec: StatefulSetSpec, ordinal: number, revision: KubeObject): void {
    const name = `${set.metadata.name}-${ordinal}`;
    const template = templateOf(revision);
    const volumes: Volume[] = [...(template.spec.volumes ?? [])];
    for (const claim of spec.volumeClaimTemplates ?? []) {
      const claimName = `${claim.metadata?.name}-${name}`;
      this.ensureClaim(set, spec, claim, claimName, name);
      const i = volumes.findIndex(v => v.name === claim.metadata?.name);
      const vol: Volume = { name: claim.metadata?.name ?? '', persistentVolumeClaim: { claimName } };
      if (i >= 0) volumes[i] = vol;
      else volumes.push(vol);
    }
    const pod = buildPod(this.ctx, {
      owner: set,
      template,
      name,
      extraLabels: {
        [CONTROLLER_REVISION_HASH]: revision.metadata.name ?? '',
        'statefulset.kubernetes.io/pod-name': name,
        'apps.kubernetes.io/pod-index': String(ordinal),
      },
      specPatch: {
        hostname: name,
        ...(spec.serviceName ? { subdomain: spec.serviceName } : {}),
        ...(volumes.length ? { volumes } : {}),
      },
    });
    try {
      this.writer.create(pod, 'kube-controller-manager');
    } catch (error) {
      if (apiErrorCode(error) === 409) return; // still terminating under that name; its deletion wakes us
      this.ctx.recorder.record(set, 'Warning', 'FailedCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${(error as Error).message}`, COMPONENT);
      throw error;
    }
    this.ctx.recorder.record(set, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} successful`, COMPONENT);
  }

  private ensureClaim(set: KubeObject, spec: StatefulSetSpec, claim: KubeObject, claimName: string, podName: string): void {
    if (this.ctx.informers.pvcs.get(set.metadata.namespace, claimName)) return;
    try {
      this.writer.create(
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: {
            name: claimName,
            namespace: set.metadata.namespace,
            labels: { ...(spec.selector?.matchLabels ?? {}), ...(claim.metadata?.labels ?? {}) },
            ...(claim.metadata?.annotations ? { annotations: claim.metadata.annotations } : {}),
          },
          spec: clone(claim.spec ?? {}),
        },
        'kube-controller-manager',
      );
      this.ctx.recorder.record(set, 'Normal', 'SuccessfulCreate', `create Claim ${claimName} Pod ${podName} in StatefulSet ${set.metadata.name} success`, COMPONENT);
    } catch (error) {
      if (apiErrorCode(error) !== 409) throw error;
    }
  }

  private deletePod(set: KubeObject, pod: KubeObject): void {
    this.writer.delete(pod);
    this.ctx.recorder.record(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`, COMPONENT);
  }

  private syncStatus(
    set: KubeObject,
    spec: StatefulSetSpec,
    revs: Revisions,
    pods: Map<number, KubeObject>,
    strategy: string,
  ): ReconcileResult | void {
    const now = this.ctx.clock.now();
    let replicas = 0;
    let ready = 0;
    let available = 0;
    let current = 0;
    let updated = 0;
    let nextAvailable: number | undefined;
    const live = new Set([revs.current.metadata.name ?? '', revs.update.metadata.name ?? '']);
    for (const pod of pods.values()) {
      const rev = pod.metadata.labels?.[CONTROLLER_REVISION_HASH];
      if (rev) live.add(rev);
      if (!podStatus(pod).phase) continue;
      replicas++;
      if (runningAndReady(pod)) {
        ready++;
        if (isPodAvailable(pod, spec.minReadySeconds, now)) available++;
        else nextAvailable = Math.min(nextAvailable ?? Infinity, podAvailableAt(pod, spec.minReadySeconds) ?? now);
      }
      if (!isPodTerminating(pod)) {
        if (rev === revs.current.metadata.name) current++;
        if (rev === revs.update.metadata.name) updated++;
      }
    }
    let currentRevision = revs.current.metadata.name;
    if (strategy === 'RollingUpdate' && updated === replicas && ready === replicas) {
      currentRevision = revs.update.metadata.name;
      current = updated;
    }
    const old = (set.status ?? {}) as Partial<StatefulSetStatus>;
    const status: StatefulSetStatus = {
      observedGeneration: set.metadata.generation,
      replicas,
      availableReplicas: available,
      currentRevision,
      updateRevision: revs.update.metadata.name,
      collisionCount: revs.collisionCount,
    };
    if (ready) status.readyReplicas = ready;
    if (current) status.currentReplicas = current;
    if (updated) status.updatedReplicas = updated;
    if (old.conditions) status.conditions = old.conditions;
    if (!deepEqual(status, old)) this.writer.updateStatus({ ...set, status }, 'kube-controller-manager');
    pruneRevisions(this.ctx, revs.all, live, spec.revisionHistoryLimit);
    return nextAvailable !== undefined ? { requeueAfterMs: Math.max(1, nextAvailable - now + 1) } : undefined;
  }
}
