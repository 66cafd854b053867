/** Small helpers over Kubernetes objects shared by the simulated controllers. */
import type { KubeObject } from '../store/types';
import type { Condition, ConditionStatus, IntOrString, OwnerReference, PodStatus } from './kubeTypes';
import { parseKubeTime } from './clock';

/** Deep copy of JSON data (faster than structuredClone for API objects). */
export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** The controller owner reference of an object, if any. */
export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences as OwnerReference[] | undefined)?.find(r => r.controller);
}

/** A controller owner reference pointing at `owner`. */
export function ownerRefTo(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Index function: the uid of the controller owner. */
export function ownerUidIndex(obj: KubeObject): string[] {
  const ref = controllerRef(obj);
  return ref ? [ref.uid] : [];
}

export function podStatus(pod: KubeObject): PodStatus {
  return (pod.status ?? {}) as PodStatus;
}

export function findCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find(c => c.type === type);
}

export function isPodReady(pod: KubeObject): boolean {
  return findCondition(podStatus(pod).conditions, 'Ready')?.status === 'True';
}

export function isPodTerminating(pod: KubeObject): boolean {
  return Boolean(pod.metadata.deletionTimestamp);
}

export function isPodFinished(pod: KubeObject): boolean {
  const phase = podStatus(pod).phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Counted by controllers: not finished and not being deleted (FilterActivePods). */
export function isPodActive(pod: KubeObject): boolean {
  return !isPodFinished(pod) && !isPodTerminating(pod);
}

/**
 * When a ready pod becomes available (ready for minReadySeconds). Returns undefined for
 * pods that are not ready; callers compare with the current time.
 */
export function podAvailableAt(pod: KubeObject, minReadySeconds: number | undefined): number | undefined {
  const ready = findCondition(podStatus(pod).conditions, 'Ready');
  if (ready?.status !== 'True') return undefined;
  if (!minReadySeconds) return 0;
  const since = parseKubeTime(ready.lastTransitionTime) ?? 0;
  return since + minReadySeconds * 1000;
}

export function isPodAvailable(pod: KubeObject, minReadySeconds: number | undefined, now: number): boolean {
  const at = podAvailableAt(pod, minReadySeconds);
  return at !== undefined && at <= now;
}

/**
 * Resolves an int-or-percent against a total, rounding as Kubernetes does
 * (GetScaledValueFromIntOrPercent).
 */
export function scaledValue(value: IntOrString | undefined, total: number, roundUp: boolean, fallback: IntOrString): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v.trim());
  if (!m) {
    const n = Number(v);
    if (Number.isInteger(n)) return n;
    throw new Error(`invalid value "${v}": must be an integer or a percentage`);
  }
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * Sets a condition in place, keeping lastTransitionTime while the status is unchanged
 * (the behaviour of most status writers other than the Deployment controller).
 */
export function upsertCondition(
  conditions: Condition[],
  type: string,
  status: ConditionStatus,
  nowIso: string,
  extra: Omit<Condition, 'type' | 'status'> = {},
): Condition[] {
  const i = conditions.findIndex(c => c.type === type);
  const prev = i >= 0 ? conditions[i] : undefined;
  const next: Condition = { type, status, ...extra, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : nowIso };
  if (prev && 'lastProbeTime' in prev && !('lastProbeTime' in extra)) next.lastProbeTime = prev.lastProbeTime;
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
  return conditions;
}

/** Structural equality of JSON values, where an absent key equals `undefined`. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of Object.keys(ao)) if (ao[k] !== undefined && !deepEqual(ao[k], bo[k])) return false;
  for (const k of Object.keys(bo)) if (bo[k] !== undefined && ao[k] === undefined) return false;
  return true;
}

/** Drops keys whose value is 0 or undefined, as `omitempty` on integer status fields does. */
export function omitZero<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== 0) out[k] = v;
  return out as T;
}

export function nameOf(obj: KubeObject): string {
  return obj.metadata.name ?? '';
}

/** Positive integer from a spec field, defaulting as the API server would. */
export function intField(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** Creation time in ms (0 when unknown), for oldest/newest ordering. */
export function createdAt(obj: KubeObject): number {
  return parseKubeTime(obj.metadata.creationTimestamp) ?? 0;
}

/** Oldest first; ties broken by name, as controller.ReplicaSetsByCreationTimestamp does. */
export function byCreation(a: KubeObject, b: KubeObject): number {
  return createdAt(a) - createdAt(b) || nameOf(a).localeCompare(nameOf(b));
}
