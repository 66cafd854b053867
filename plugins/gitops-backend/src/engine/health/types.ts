/**
 * Health types and the small readers every health rule shares (conditions, numbers).
 */
import type {
  Condition,
  HealthStatusCode,
  KubeObject,
} from '@gitops-suite/plugin-gitops-common';
import { isRecord } from '../objects';

/** The health of one resource, as Argo CD reports it. */
export interface HealthStatus {
  status: HealthStatusCode;
  message?: string;
}

/** Options of `getResourceHealth`. */
export interface HealthOptions {
  /**
   * Give `argoproj.io/Application` objects a health (their `status.health`). Argo CD stopped
   * doing this by default in 1.8; app-of-apps waves turn it back on.
   */
  applicationHealth?: boolean;
}

/** A health rule: undefined means the rule gives no health for this object. */
export type HealthRule = (
  obj: KubeObject,
  opts: HealthOptions,
) => HealthStatus | undefined;

/** `status.conditions` of an object, keeping only well-formed entries. */
export function conditionsOf(obj: KubeObject): Condition[] {
  const status: unknown = obj.status;
  if (!isRecord(status) || !Array.isArray(status.conditions)) {
    return [];
  }
  return status.conditions.filter(
    (c): c is Condition => isRecord(c) && typeof c.type === 'string',
  );
}

/** The first condition of a type. */
export function findCondition(
  conditions: Condition[],
  type: string,
): Condition | undefined {
  return conditions.find(c => c.type === type);
}

/** A numeric field (Kubernetes int32/int64), defaulting when absent or not a number. */
export function num(value: unknown, fallback = 0): number {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value;
  }
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) {
    return Number(value.trim());
  }
  return fallback;
}

/** A string field or ''. */
export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A record field or {}. */
export function rec(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** Builds a status, omitting an empty message. */
export function health(
  status: HealthStatus['status'],
  message?: string,
): HealthStatus {
  return message ? { status, message } : { status };
}
