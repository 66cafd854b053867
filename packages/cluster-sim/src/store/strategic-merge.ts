/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) for built-in kinds:
 * lists with a patch merge key merge item by item (containers by name, env by name…),
 * other lists are replaced, `null` deletes, and the directives `$patch` (merge, replace,
 * delete), `$retainKeys`, `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`
 * are honoured. Merge keys come from schema.ts. Resulting list order follows the real
 * server: patch items first in patch order, interleaved with server-only items where
 * their relative order is known.
 */
import { SimApiError } from './errors';
import { TypeNode, childType, listOf } from './schema';
import { deepEqual, isObject } from './ssa';

type JsonObject = Record<string, unknown>;

const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

function bad(message: string): SimApiError {
  return new SimApiError(422, 'Invalid', message);
}

function mergeKeyOf(t: TypeNode): string | undefined {
  const list = listOf(t);
  return list.smpMerge ? list.smpKey ?? '' : undefined;
}

/** Applies a strategic merge patch to an object. */
export function strategicMerge(original: JsonObject, patch: unknown, t: TypeNode): JsonObject {
  if (!isObject(patch)) throw new SimApiError(400, 'BadRequest', 'strategic merge patch must be a JSON object');
  const out = mergeMap(original, patch, t);
  return out ?? {};
}

function mergeMap(original: JsonObject | undefined, patch: JsonObject, t: TypeNode): JsonObject | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(patch)) if (k !== '$patch') out[k] = stripDirectives(v);
    return out;
  }
  if (directive !== undefined && directive !== 'merge') throw bad(`unknown patch type ${JSON.stringify(directive)}`);
  const out: JsonObject = { ...(original ?? {}) };
  const retain = patch.$retainKeys;
  const elementOrders: Record<string, unknown[]> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith(SET_ORDER)) {
      if (Array.isArray(v)) elementOrders[k.slice(SET_ORDER.length)] = v;
      continue;
    }
    if (k.startsWith(DELETE_PRIMITIVE)) {
      const field = k.slice(DELETE_PRIMITIVE.length);
      if (Array.isArray(v) && Array.isArray(out[field])) {
        const drop = v;
        out[field] = (out[field] as unknown[]).filter(x => !drop.some(d => deepEqual(d, x)));
      }
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const ct = childType(t, k);
    const cur = out[k];
    if (isObject(v)) {
      const merged = mergeMap(isObject(cur) ? cur : undefined, v, ct);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else if (Array.isArray(v)) {
      out[k] = mergeList(Array.isArray(cur) ? cur : [], v, ct);
    } else {
      out[k] = v;
    }
  }
  for (const [field, wanted] of Object.entries(elementOrders)) {
    if (Array.isArray(out[field])) out[field] = applyOrder(out[field] as unknown[], wanted, mergeKeyOf(childType(t, field)));
  }
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw bad('$retainKeys must be a list');
    const keep = new Set(retain.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter(x => !(isObject(x) && x.$patch !== undefined && Object.keys(x).length === 1)).map(stripDirectives);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === '$patch' || k === '$retainKeys' || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE)) continue;
      out[k] = stripDirectives(x);
    }
    return out;
  }
  return v;
}

function keyOf(item: unknown, mergeKey: string): unknown {
  if (mergeKey === '') return item;
  return isObject(item) ? item[mergeKey] : undefined;
}

function indexIn(list: unknown[], item: unknown, mergeKey: string): number {
  const k = keyOf(item, mergeKey);
  return list.findIndex(x => deepEqual(keyOf(x, mergeKey), k));
}

function mergeList(original: unknown[], patch: unknown[], t: TypeNode): unknown[] {
  const mergeKey = mergeKeyOf(t);
  // `{"$patch": "replace"}` as an item: the rest of the patch list replaces the list.
  if (patch.some(x => isObject(x) && x.$patch === 'replace')) {
    return patch.filter(x => !(isObject(x) && x.$patch === 'replace')).map(stripDirectives);
  }
  if (mergeKey === undefined) return patch.map(stripDirectives);
  const list = listOf(t);
  const scalar = patch.every(x => !isObject(x)) && original.every(x => !isObject(x));
  if (scalar) {
    const merged: unknown[] = [...original];
    for (const x of patch) if (!merged.some(y => deepEqual(x, y))) merged.push(x);
    return order(merged, patch, original, '');
  }
  if (!mergeKey) throw bad('cannot merge lists without merge key');
  let result = [...original];
  const patchItems: unknown[] = [];
  for (const item of patch) {
    if (!isObject(item)) throw bad(`patch list item is not an object: ${JSON.stringify(item)}`);
    if (!(mergeKey in item)) throw bad(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
    const idx = indexIn(result, item, mergeKey);
    if (item.$patch === 'delete') {
      if (idx >= 0) result = result.filter(x => !deepEqual(keyOf(x, mergeKey), item[mergeKey]));
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(isObject(result[idx]) ? (result[idx] as JsonObject) : {}, item, list.elem);
      if (merged === undefined) result.splice(idx, 1);
      else result[idx] = merged;
    } else {
      const created = mergeMap(undefined, item, list.elem);
      if (created !== undefined) result.push(created);
    }
    patchItems.push(item);
  }
  return order(result, patchItems, original, mergeKey);
}

/**
 * Order after a merge: items named in the patch keep the patch order; server-only
 * items keep the live order; the two are interleaved where their live order is known.
 */
function order(merged: unknown[], patch: unknown[], original: unknown[], mergeKey: string): unknown[] {
  const inPatch = (x: unknown) => patch.some(p => deepEqual(keyOf(p, mergeKey), keyOf(x, mergeKey)));
  const patchItems = merged
    .filter(inPatch)
    .sort((a, b) => indexIn(patch, a, mergeKey) - indexIn(patch, b, mergeKey));
  const serverOnly = merged
    .filter(x => !inPatch(x))
    .sort((a, b) => indexIn(original, a, mergeKey) - indexIn(original, b, mergeKey));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    if (i >= serverOnly.length) out.push(patchItems[j++]);
    else if (j >= patchItems.length) out.push(serverOnly[i++]);
    else {
      const li = indexIn(original, serverOnly[i], mergeKey);
      const ri = indexIn(original, patchItems[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
      else out.push(patchItems[j++]);
    }
  }
  return out;
}

function applyOrder(list: unknown[], orderList: unknown[], mergeKey: string | undefined): unknown[] {
  const mk = mergeKey ?? '';
  const pos = (x: unknown) => {
    const k = keyOf(x, mk);
    const i = orderList.findIndex(o => deepEqual(mk === '' ? o : keyOf(o, mk), k));
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return list
    .map((x, i) => ({ x, i }))
    .sort((a, b) => pos(a.x) - pos(b.x) || a.i - b.i)
    .map(e => e.x);
}
