/**
 * Server-side apply field ownership: reads `metadata.managedFields` (FieldsV1 notation:
 * `f:<field>`, `k:{<list item keys>}`, `v:<set value>`, `i:<index>`, `.` = the node itself) and
 * turns the fields some managers own into concrete paths of any object of that kind, so
 * `ignoreDifferences.managedFieldsManagers` can drop them from both sides of a diff.
 */
import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import { deepEqual, isRecord } from '../objects';
import type { Path } from './paths';

/** One step of a FieldsV1 path. */
export type FieldSegment =
  | { field: string }
  | { keys: Record<string, unknown> }
  | { value: unknown }
  | { index: number };

function parseSegment(key: string): FieldSegment | undefined {
  const kind = key.slice(0, 2);
  const rest = key.slice(2);
  try {
    switch (kind) {
      case 'f:':
        return { field: rest };
      case 'k:': {
        const keys: unknown = JSON.parse(rest);
        return isRecord(keys) ? { keys } : undefined;
      }
      case 'v:':
        return { value: JSON.parse(rest) as unknown };
      case 'i:':
        return /^\d+$/.test(rest) ? { index: Number(rest) } : undefined;
      default:
        return undefined;
    }
  } catch {
    // A malformed entry owns nothing we can locate.
    return undefined;
  }
}

/** The owned paths (FieldsV1 segments) of one FieldsV1 tree. */
export function fieldsV1Paths(
  fields: unknown,
  prefix: FieldSegment[] = [],
): FieldSegment[][] {
  const out: FieldSegment[][] = [];
  if (!isRecord(fields)) {
    return out;
  }
  for (const [key, child] of Object.entries(fields)) {
    if (key === '.') continue;
    const seg = parseSegment(key);
    if (!seg) continue;
    const path = [...prefix, seg];
    const children = isRecord(child)
      ? Object.keys(child).filter(k => k !== '.')
      : [];
    const isItem = !('field' in seg);
    if (children.length === 0 || (isItem && isRecord(child) && '.' in child)) {
      // A leaf, or a list item owned as a whole.
      out.push(path);
    } else {
      out.push(...fieldsV1Paths(child, path));
    }
  }
  return out;
}

/** The FieldsV1 paths owned by any of `managers` in an object's managedFields. */
export function managedPathsOf(
  obj: KubeObject | undefined,
  managers: readonly string[],
): FieldSegment[][] {
  if (!obj || managers.length === 0) {
    return [];
  }
  const entries = Array.isArray(obj.metadata?.managedFields)
    ? obj.metadata.managedFields
    : [];
  const out: FieldSegment[][] = [];
  for (const entry of entries) {
    if (
      !isRecord(entry) ||
      typeof entry.manager !== 'string' ||
      !managers.includes(entry.manager)
    ) {
      continue;
    }
    if (entry.fieldsType !== undefined && entry.fieldsType !== 'FieldsV1')
      continue;
    out.push(...fieldsV1Paths(entry.fieldsV1));
  }
  return out;
}

/** Locates a FieldsV1 path in a document; undefined when absent there. */
export function resolveFieldPath(
  doc: unknown,
  segments: FieldSegment[],
): Path | undefined {
  const out: Path = [];
  let current = doc;
  for (const seg of segments) {
    if ('field' in seg) {
      if (
        !isRecord(current) ||
        !Object.prototype.hasOwnProperty.call(current, seg.field)
      )
        return undefined;
      out.push(seg.field);
      current = current[seg.field];
      continue;
    }
    if (!Array.isArray(current)) return undefined;
    let index = -1;
    if ('index' in seg) {
      index = seg.index < current.length ? seg.index : -1;
    } else if ('keys' in seg) {
      index = current.findIndex(
        item =>
          isRecord(item) &&
          Object.entries(seg.keys).every(([k, v]) => deepEqual(item[k], v)),
      );
    } else {
      index = current.findIndex(item => deepEqual(item, seg.value));
    }
    if (index < 0) return undefined;
    out.push(index);
    current = current[index];
  }
  return out;
}
