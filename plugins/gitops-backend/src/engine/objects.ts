/**
 * Small helpers over plain JSON-like Kubernetes objects, shared by the pure engine modules
 * (no I/O): type guards, cloning, equality and annotation access.
 */
import type { KubeObject } from '@gitops-suite/plugin-gitops-common';

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** True for plain objects (not arrays, not null). */
export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy of JSON data (objects, arrays, scalars). */
export function deepClone<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.map(item => deepClone(item)) as unknown as T;
  }
  if (isRecord(value)) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = deepClone(item);
    }
    return out as T;
  }
  return value;
}

/** Structural equality of JSON data; key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
      return false;
    }
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const aKeys = Object.keys(a).filter(k => a[k] !== undefined);
    const bKeys = Object.keys(b).filter(k => b[k] !== undefined);
    if (aKeys.length !== bKeys.length) {
      return false;
    }
    return aKeys.every(
      k => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]),
    );
  }
  return false;
}

/** The annotations of an object (never undefined). */
export function annotationsOf(
  obj: Pick<KubeObject, 'metadata'> | undefined,
): Record<string, string> {
  return (obj?.metadata?.annotations ?? {}) as Record<string, string>;
}

/** One annotation's value, trimmed; undefined when absent. */
export function annotationOf(
  obj: Pick<KubeObject, 'metadata'> | undefined,
  key: string,
): string | undefined {
  const value = annotationsOf(obj)[key];
  return typeof value === 'string' ? value.trim() : undefined;
}

/** Reads a nested field by path segments, or undefined. */
export function getPath(
  value: unknown,
  path: ReadonlyArray<string | number>,
): unknown {
  let current: unknown = value;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') {
      current = current[segment];
    } else if (isRecord(current) && typeof segment === 'string') {
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}
