/**
 * Predicts the live object after applying `desired` without a server (the "desired is a subset
 * of live" mode): desired fields are laid over live, so fields the server defaulted stay as
 * they are and only real changes differ. Lists of objects are matched by merge key (name,
 * containerPort, port, mountPath, devicePath, ip) or, when no key fits, by index; lists of
 * scalars are replaced whole. Fields kubectl applied before (last-applied-configuration) and
 * now absent from desired are removed, like a three-way merge. Resource quantities compare by
 * value (`500m` = `0.5`).
 */
import { deepClone, deepEqual, isRecord } from '../objects';

const MERGE_KEYS = [
  'name',
  'containerPort',
  'port',
  'mountPath',
  'devicePath',
  'ip',
];
const QUANTITY_PARENTS = new Set(['limits', 'requests', 'hard', 'capacity']);

const QUANTITY_SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The numeric value of a Kubernetes quantity (`250m`, `1Gi`, `1e3`), or undefined. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m =
    /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/.exec(
      value.trim(),
    );
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * Number(`1${m[2]}`);
  return base * QUANTITY_SUFFIX[m[3] ?? ''];
}

function sameQuantity(a: unknown, b: unknown): boolean {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  if (x === undefined || y === undefined) return false;
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y), 1e-9);
}

/** The merge key of a list of desired items: present in all of them and unique. */
function mergeKeyOf(items: unknown[]): string | undefined {
  if (items.length === 0 || !items.every(isRecord)) return undefined;
  return MERGE_KEYS.find(key => {
    const values = (items as Record<string, unknown>[]).map(i => i[key]);
    return (
      values.every(v => v !== undefined && v !== null) &&
      new Set(values.map(v => JSON.stringify(v))).size === values.length
    );
  });
}

function mergeList(
  live: unknown[],
  desired: unknown[],
  applied: unknown,
): unknown[] {
  const key = mergeKeyOf(desired);
  if (key && live.every(isRecord)) {
    const result = live.map(item => deepClone(item)) as Record<
      string,
      unknown
    >[];
    const appliedItems = Array.isArray(applied) ? applied.filter(isRecord) : [];
    for (const want of desired as Record<string, unknown>[]) {
      const idx = result.findIndex(have => deepEqual(have[key], want[key]));
      if (idx >= 0) {
        const before = appliedItems.find(a => deepEqual(a[key], want[key]));
        result[idx] = mergeValue(result[idx], want, before) as Record<
          string,
          unknown
        >;
      } else {
        result.push(deepClone(want));
      }
    }
    // Items applied before (by us) and now gone from desired are deleted.
    if (Array.isArray(applied)) {
      const wanted = new Set(
        (desired as Record<string, unknown>[]).map(d => JSON.stringify(d[key])),
      );
      const removed = new Set(
        applied
          .filter(isRecord)
          .map(a => JSON.stringify(a[key]))
          .filter(k => !wanted.has(k)),
      );
      return result.filter(item => !removed.has(JSON.stringify(item[key])));
    }
    return result;
  }
  if (
    live.length === desired.length &&
    desired.every(isRecord) &&
    live.every(isRecord)
  ) {
    const before =
      Array.isArray(applied) && applied.length === desired.length
        ? applied
        : [];
    return desired.map((want, i) => mergeValue(live[i], want, before[i]));
  }
  return deepClone(desired);
}

function mergeValue(
  live: unknown,
  desired: unknown,
  applied: unknown,
): unknown {
  if (isRecord(desired) && isRecord(live)) {
    const result = deepClone(live);
    for (const [k, want] of Object.entries(desired)) {
      if (want === null || want === undefined) {
        delete result[k];
      } else {
        result[k] = mergeValue(
          live[k],
          want,
          isRecord(applied) ? applied[k] : undefined,
        );
      }
    }
    if (isRecord(applied)) {
      for (const k of Object.keys(applied)) {
        if (!(k in desired)) delete result[k];
      }
    }
    return result;
  }
  if (Array.isArray(desired) && Array.isArray(live)) {
    return mergeList(live, desired, applied);
  }
  return deepClone(desired);
}

function keepEquivalentQuantities(
  live: unknown,
  merged: unknown,
  parentKey: string,
): unknown {
  if (isRecord(live) && isRecord(merged)) {
    for (const [k, v] of Object.entries(merged)) {
      if (
        QUANTITY_PARENTS.has(parentKey) &&
        !isRecord(v) &&
        sameQuantity(live[k], v)
      ) {
        merged[k] = live[k];
      } else {
        merged[k] = keepEquivalentQuantities(live[k], v, k);
      }
    }
  } else if (Array.isArray(live) && Array.isArray(merged)) {
    merged.forEach((item, i) => {
      merged[i] = keepEquivalentQuantities(live[i], item, parentKey);
    });
  }
  return merged;
}

/**
 * The predicted live object: `live` with `desired` laid over it (and fields removed that
 * `lastApplied` had but `desired` no longer has). Inputs should be normalized; none is changed.
 */
export function predictLive(
  live: Record<string, unknown>,
  desired: Record<string, unknown>,
  lastApplied?: Record<string, unknown>,
): Record<string, unknown> {
  const merged = mergeValue(live, desired, lastApplied) as Record<
    string,
    unknown
  >;
  return keepEquivalentQuantities(live, merged, '') as Record<string, unknown>;
}
