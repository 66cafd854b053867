/**
 * DaemonSet controller: one pod per matching Node (nodeSelector), bound to it directly with
 * the node-affinity and tolerations the real controller adds; RollingUpdate within
 * maxUnavailable / maxSurge, OnDelete; ControllerRevisions; status desiredNumberScheduled,
 * currentNumberScheduled, numberReady, updatedNumberScheduled, numberAvailable,
 * numberUnavailable, numberMisscheduled, observedGeneration.
 */
import type { KubeObject } from '../store/types';
import { OWNER, ownerKey, SimContext } from './context';
import { pruneRevisions, REVISION_HASH_LABEL, syncRevisions, templateOf } from './controllerRevision';
import { generatedName } from './hash';
import type { IntOrString, PodTemplateSpec } from './kubeTypes';
import { mapSelectorMatches } from './labels';
import { buildPod } from './podFactory';
import {
  byCreation,
  deepEqual,
  isPodAvailable,
  isPodReady,
  isPodTerminating,
  podAvailableAt,
  podStatus,
  scaledValue,
} from './objects';
import type { ReconcileResult } from './queue';
import { CONTROLLER_REVISION_HASH } from './statefulset';
import type { ApiWriter } from './writer';

const COMPONENT = 'daemonset-controller';

interface DaemonSetSpec {
  template: PodTemplateSpec;
  updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { maxUnavailable?: IntOrString; maxSurge?: IntOrString } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}

const DAEMON_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

export class DaemonSetController {
  private readonly queue;

  private readonly writer: ApiWriter;

  constructor(private readonly ctx: SimContext) {
    this.writer = ctx.writer.as('daemonset');
    this.queue = ctx.scheduler.queue('daemonset', key => this.reconcile(key));
    ctx.informers.daemonSets.onChange((_t, obj, _old, origin) => {
      if (origin !== 'daemonset') this.queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
    });
    ctx.informers.pods.onChange((_t, obj) => {
      const k = ownerKey(obj, 'DaemonSet');
      if (k) this.queue.add(k);
    });
    ctx.informers.nodes.onChange(() => {
      for (const ds of ctx.informers.daemonSets.list()) this.queue.add(`${ds.metadata.namespace}/${ds.metadata.name}`);
    });
  }

  private reconcile(key: string): ReconcileResult | void {
    const ds = this.ctx.informers.daemonSets.getByKey(key);
    if (!ds || ds.metadata.deletionTimestamp) return undefined;
    const spec = ds.spec as DaemonSetSpec;
    if (!spec?.template) return undefined;
    const revs = syncRevisions(this.ctx, ds, undefined, ((ds.status ?? {}) as { collisionCount?: number }).collisionCount ?? 0);
    const hash = revs.update.metadata.labels?.[REVISION_HASH_LABEL] ?? '';
    const template = templateOf(revs.update);
    const isUpdated = (pod: KubeObject) => pod.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash;
    const now = this.ctx.clock.now();
    const available = (pod: KubeObject) => isPodAvailable(pod, spec.minReadySeconds, now);
    const nodes = this.ctx.informers.nodes.list().sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    const selector = spec.template.spec?.nodeSelector;
    const shouldRun = (node: KubeObject) =>
      !selector || Object.keys(selector).length === 0 || mapSelectorMatches(selector, node.metadata.labels);

    const podsByNode = () => {
      const map = new Map<string, KubeObject[]>();
      for (const pod of this.ctx.informers.pods.byIndex(OWNER, ds.metadata.uid ?? '')) {
        if (pod.metadata.namespace !== ds.metadata.namespace) continue;
        const node = (pod.spec as { nodeName?: string }).nodeName ?? '';
        map.set(node, [...(map.get(node) ?? []), pod]);
      }
      for (const list of map.values()) list.sort(byCreation);
      return map;
    };

    let byNode = podsByNode();
    const nodeNames = new Set(nodes.map(n => n.metadata.name ?? ''));
    for (const [nodeName, pods] of byNode) {
      if (!nodeNames.has(nodeName)) for (const p of pods) if (!isPodTerminating(p)) this.deletePod(ds, p);
    }
    const strategy = spec.updateStrategy?.type ?? 'RollingUpdate';
    const desired = nodes.filter(shouldRun).length;
    const maxSurge = strategy === 'RollingUpdate' ? scaledValue(spec.updateStrategy?.rollingUpdate?.maxSurge, desired, true, 0) : 0;
    let maxUnavailable = strategy === 'RollingUpdate' ? scaledValue(spec.updateStrategy?.rollingUpdate?.maxUnavailable, desired, true, 1) : 0;
    if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;

    for (const node of nodes) {
      const nodeName = node.metadata.name ?? '';
      const pods = (byNode.get(nodeName) ?? []).filter(p => !isPodTerminating(p));
      for (const failed of pods.filter(p => podStatus(p).phase === 'Failed')) this.deletePod(ds, failed);
      const live = pods.filter(p => podStatus(p).phase !== 'Failed');
      if (!shouldRun(node)) {
        for (const p of live) this.deletePod(ds, p);
        continue;
      }
      if (live.length === 0) {
        this.createPod(ds, template, hash, nodeName);
        continue;
      }
      if (live.length > 1) {
        // Keep one pod: with surge an old and a new one may coexist until the new one is available.
        const updated = live.filter(isUpdated);
        const surging = maxSurge > 0 && updated.length === 1 && live.length === 2 && !available(updated[0]);
        if (!surging) {
          const keep = updated.find(available) ?? updated[0] ?? live[0];
          for (const p of live) if (p !== keep) this.deletePod(ds, p);
        }
      }
    }

    if (strategy === 'RollingUpdate') {
      byNode = podsByNode();
      this.rollingUpdate(ds, nodes.filter(shouldRun), byNode, isUpdated, available, template, hash, maxSurge, maxUnavailable);
    }
    return this.syncStatus(ds, spec, nodes, shouldRun, podsByNode(), isUpdated, revs.all, revs.update.metadata.name ?? '');
  }

  private rollingUpdate(
    ds: KubeObject,
    nodes: KubeObject[],
    byNode: Map<string, KubeObject[]>,
    isUpdated: (p: KubeObject) => boolean,
    available: (p: KubeObject) => boolean,
    template: PodTemplateSpec,
    hash: string,
    maxSurge: number,
    maxUnavailable: number,
  ): void {
    const active = (name: string) => (byNode.get(name) ?? []).filter(p => !isPodTerminating(p));
    if (maxSurge === 0) {
      let unavailable = 0;
      const oldAvailable: KubeObject[] = [];
      for (const node of nodes) {
        const pods = active(node.metadata.name ?? '');
        const pod = pods[0];
        if (!pod || !available(pod)) unavailable++;
        if (pod && !isUpdated(pod)) {
          if (!available(pod)) this.deletePod(ds, pod); // already unavailable: replacing it costs nothing
          else oldAvailable.push(pod);
        }
      }
      for (const pod of oldAvailable) {
        if (unavailable >= maxUnavailable) break;
        this.deletePod(ds, pod);
        unavailable++;
      }
      return;
    }
    let surging = 0;
    for (const node of nodes) {
      const pods = active(node.metadata.name ?? '');
      if (pods.some(isUpdated) && pods.some(p => !isUpdated(p))) surging++;
    }
    for (const node of nodes) {
      const name = node.metadata.name ?? '';
      const pods = active(name);
      const old = pods.filter(p => !isUpdated(p));
      if (!old.length) continue;
      const fresh = pods.find(isUpdated);
      if (fresh && available(fresh)) {
        for (const p of old) this.deletePod(ds, p);
      } else if (!fresh && surging < maxSurge) {
        this.createPod(ds, template, hash, name);
        surging++;
      }
    }
  }

  private createPod(ds: KubeObject, template: PodTemplateSpec, hash: string, nodeName: string): void {
    const pod = buildPod(this.ctx, {
      owner: ds,
      template,
      name: generatedName(ds.metadata.name ?? ''),
      nodeName,
      extraLabels: {
        [CONTROLLER_REVISION_HASH]: hash,
        'pod-template-generation': String(ds.metadata.generation ?? 1),
      },
      specPatch: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
            },
          },
        },
        tolerations: [...((template.spec.tolerations as unknown[] | undefined) ?? []), ...DAEMON_TOLERATIONS],
      },
    });
    this.writer.create(pod, 'kube-controller-manager');
    this.ctx.recorder.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, COMPONENT);
  }

  private deletePod(ds: KubeObject, pod: KubeObject): void {
    this.writer.delete(pod);
    this.ctx.recorder.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, COMPONENT);
  }

  private syncStatus(
    ds: KubeObject,
    spec: DaemonSetSpec,
    nodes: KubeObject[],
    shouldRun: (n: KubeObject) => boolean,
    byNode: Map<string, KubeObject[]>,
    isUpdated: (p: KubeObject) => boolean,
    revisions: KubeObject[],
    updateRevision: string,
  ): ReconcileResult | void {
    const now = this.ctx.clock.now();
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    let nextAvailable: number | undefined;
    const liveRevisions = new Set([updateRevision]);
    for (const node of nodes) {
      const pods = (byNode.get(node.metadata.name ?? '') ?? []).filter(p => !isPodTerminating(p));
      for (const p of pods) {
        const h = p.metadata.labels?.[CONTROLLER_REVISION_HASH];
        if (h) liveRevisions.add(`${ds.metadata.name}-${h}`);
      }
      if (!shouldRun(node)) {
        if (pods.length) misscheduled++;
        continue;
      }
      desired++;
      if (!pods.length) continue;
      current++;
      const pod = pods[0];
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, spec.minReadySeconds, now)) available++;
        else nextAvailable = Math.min(nextAvailable ?? Infinity, podAvailableAt(pod, spec.minReadySeconds) ?? now);
      }
      if (pods.some(isUpdated)) updated++;
    }
    const old = (ds.status ?? {}) as Record<string, unknown>;
    const status: Record<string, unknown> = {
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds.metadata.generation,
    };
    if (updated) status.updatedNumberScheduled = updated;
    if (available) status.numberAvailable = available;
    if (desired - available > 0) status.numberUnavailable = desired - available;
    if (old.collisionCount !== undefined) status.collisionCount = old.collisionCount;
    if (old.conditions) status.conditions = old.conditions;
    if (!deepEqual(status, old)) this.writer.updateStatus({ ...ds, status }, 'kube-controller-manager');
    pruneRevisions(this.ctx, revisions, liveRevisions, spec.revisionHistoryLimit);
    return nextAvailable !== undefined ? { requeueAfterMs: Math.max(1, nextAvailable - now + 1) } : undefined;
  }
}
