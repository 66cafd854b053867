/**
 * The arithmetic of Deployment rollouts, following the documented Kubernetes semantics:
 * maxSurge rounds up and maxUnavailable rounds down (both 0 → maxUnavailable 1), how far a
 * new ReplicaSet may grow, replica counts summed over ReplicaSets, proportional scaling,
 * and the Deployment conditions' reasons and messages.
 */
import type { KubeObject } from '../store/types';
import type { Condition, DeploymentSpec, DeploymentStatus, PodTemplateSpec, ReplicaSetSpec, ReplicaSetStatus } from './kubeTypes';
import { deepEqual, intField, scaledValue } from './objects';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH = 'pod-template-hash';

export const Reasons = {
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  newReplicaSetCreated: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  replicaSetUpdated: 'ReplicaSetUpdated',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
} as const;

/** Annotations of a Deployment that are not copied onto its ReplicaSets. */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

export function replicasOf(d: KubeObject): number {
  return Math.max(0, intField((d.spec as DeploymentSpec).replicas, 1));
}

export function isRollingUpdate(d: KubeObject): boolean {
  return ((d.spec as DeploymentSpec).strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** [maxSurge, maxUnavailable] for `desired` replicas (ResolveFenceposts). */
export function resolveFenceposts(spec: DeploymentSpec, desired: number): [number, number] {
  const ru = spec.strategy?.rollingUpdate ?? {};
  const surge = scaledValue(ru.maxSurge, desired, true, '25%');
  const unavailable = scaledValue(ru.maxUnavailable, desired, false, '25%');
  if (surge === 0 && unavailable === 0) return [0, 1];
  return [surge, unavailable];
}

export function maxSurge(d: KubeObject): number {
  if (!isRollingUpdate(d)) return 0;
  return resolveFenceposts(d.spec as DeploymentSpec, replicasOf(d))[0];
}

export function maxUnavailable(d: KubeObject): number {
  const desired = replicasOf(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  const [, unavailable] = resolveFenceposts(d.spec as DeploymentSpec, desired);
  return Math.min(unavailable, desired);
}

export function rsReplicas(rs: KubeObject | undefined): number {
  return rs ? intField((rs.spec as ReplicaSetSpec).replicas, 1) : 0;
}

function rsStatus(rs: KubeObject): Partial<ReplicaSetStatus> {
  return (rs.status ?? {}) as Partial<ReplicaSetStatus>;
}

/** Sum of spec.replicas. */
export function specReplicaCount(list: Array<KubeObject | undefined>): number {
  return list.reduce((n, rs) => n + rsReplicas(rs), 0);
}

/** Sum of status.replicas. */
export function actualReplicaCount(list: Array<KubeObject | undefined>): number {
  return list.reduce((n, rs) => n + (rs ? rsStatus(rs).replicas ?? 0 : 0), 0);
}

export function readyReplicaCount(list: Array<KubeObject | undefined>): number {
  return list.reduce((n, rs) => n + (rs ? rsStatus(rs).readyReplicas ?? 0 : 0), 0);
}

export function availableReplicaCount(list: Array<KubeObject | undefined>): number {
  return list.reduce((n, rs) => n + (rs ? rsStatus(rs).availableReplicas ?? 0 : 0), 0);
}

export function revisionOf(obj: KubeObject | undefined): number {
  const v = Number(obj?.metadata.annotations?.[REVISION] ?? '0');
  return Number.isInteger(v) ? v : 0;
}

/** Templates equal apart from the pod-template-hash label (EqualIgnoreHash). */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  if (!a || !b) return a === b;
  const ta = a as unknown as Record<string, unknown>;
  const tb = b as unknown as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ta), ...Object.keys(tb)])) {
    if (k !== 'metadata' && !deepEqual(ta[k], tb[k])) return false;
  }
  const ma = (a.metadata ?? {}) as Record<string, unknown>;
  const mb = (b.metadata ?? {}) as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ma), ...Object.keys(mb)])) {
    if (k === 'creationTimestamp') continue;
    if (k === 'labels') {
      const la = { ...((ma.labels as Record<string, string> | undefined) ?? {}) };
      const lb = { ...((mb.labels as Record<string, string> | undefined) ?? {}) };
      delete la[POD_TEMPLATE_HASH];
      delete lb[POD_TEMPLATE_HASH];
      if (!deepEqual(la, lb)) return false;
    } else if (!deepEqual(ma[k], mb[k])) return false;
  }
  return true;
}

/** How many replicas the new ReplicaSet should have now (NewRSNewReplicas). */
export function newRSNewReplicas(d: KubeObject, allRSs: Array<KubeObject | undefined>, newRS: KubeObject): number {
  const desired = replicasOf(d);
  if (!isRollingUpdate(d)) return desired;
  const current = specReplicaCount(allRSs);
  const maxTotal = desired + maxSurge(d);
  if (current >= maxTotal) return rsReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, desired - rsReplicas(newRS));
  return rsReplicas(newRS) + scaleUp;
}

/** Copies the Deployment's annotations onto the ReplicaSet (adds/updates only). */
export function copyAnnotations(d: KubeObject, rs: KubeObject): boolean {
  let changed = false;
  const target = (rs.metadata.annotations ??= {});
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || target[k] === v) continue;
    target[k] = v;
    changed = true;
  }
  return changed;
}

export function setReplicasAnnotations(rs: KubeObject, desired: number, max: number): boolean {
  const a = (rs.metadata.annotations ??= {});
  const d = String(desired);
  const m = String(max);
  if (a[DESIRED_REPLICAS] === d && a[MAX_REPLICAS] === m) return false;
  a[DESIRED_REPLICAS] = d;
  a[MAX_REPLICAS] = m;
  return true;
}

export function replicasAnnotationsNeedUpdate(rs: KubeObject, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DESIRED_REPLICAS] !== String(desired) || a[MAX_REPLICAS] !== String(max);
}

/** SetNewReplicaSetAnnotations: copy annotations, raise the revision, record replica annotations for new RSs. */
export function setNewReplicaSetAnnotations(d: KubeObject, rs: KubeObject, newRevision: string, exists: boolean): boolean {
  let changed = copyAnnotations(d, rs);
  const a = (rs.metadata.annotations ??= {});
  const oldRevision = a[REVISION];
  if (Number(oldRevision ?? 0) < Number(newRevision)) {
    a[REVISION] = newRevision;
    changed = true;
    if (oldRevision) {
      a[REVISION_HISTORY] = a[REVISION_HISTORY] ? `${a[REVISION_HISTORY]},${oldRevision}` : oldRevision;
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

export function newCondition(type: string, status: Condition['status'], reason: string, message: string, now: string): Condition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

export function getCondition(status: DeploymentStatus, type: string): Condition | undefined {
  return status.conditions?.find(c => c.type === type);
}

/** SetDeploymentCondition: no-op for the same status+reason; keeps lastTransitionTime for the same status. */
export function setCondition(status: DeploymentStatus, cond: Condition): void {
  const current = getCondition(status, cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) return;
  const next = { ...cond };
  if (current && current.status === cond.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter(c => c.type !== cond.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (status.conditions) status.conditions = status.conditions.filter(c => c.type !== type);
}

export function hasProgressDeadline(d: KubeObject): boolean {
  const p = (d.spec as DeploymentSpec).progressDeadlineSeconds;
  return p === undefined || (typeof p === 'number' && p !== 2147483647);
}

export function progressDeadlineSeconds(d: KubeObject): number {
  return intField((d.spec as DeploymentSpec).progressDeadlineSeconds, 600);
}

export function deploymentComplete(d: KubeObject, status: DeploymentStatus): boolean {
  const desired = replicasOf(d);
  return (
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired &&
    (status.availableReplicas ?? 0) === desired &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** Any progress between the written status and the new one (DeploymentProgressing). */
export function deploymentProgressing(d: KubeObject, next: DeploymentStatus): boolean {
  const old = (d.status ?? {}) as DeploymentStatus;
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/**
 * The size a ReplicaSet takes in proportional scaling (GetProportion), from its
 * max-replicas annotation (or the Deployment's current size).
 */
export function proportion(rs: KubeObject, d: KubeObject, toAdd: number, added: number): number {
  if (rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  const desired = replicasOf(d);
  if (desired === 0) fraction = -rsReplicas(rs);
  else {
    const deploymentReplicas = desired + maxSurge(d);
    const annotated = Number(rs.metadata.annotations?.[MAX_REPLICAS]);
    const base = Number.isInteger(annotated) && annotated > 0 ? annotated : ((d.status as DeploymentStatus | undefined)?.replicas ?? 0);
    const newSize = base > 0 ? (rsReplicas(rs) * deploymentReplicas) / base : rsReplicas(rs);
    fraction = Math.round(newSize) - rsReplicas(rs);
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}
