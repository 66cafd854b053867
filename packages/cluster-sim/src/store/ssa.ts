/**
 * Server-side apply over the type model in schema.ts: field sets of applied
 * configurations, the apply merge (associative lists by key, atomic lists whole),
 * comparison of two objects into added/modified/removed sets, pruning of fields a
 * manager stopped applying, and the managedFields bookkeeping for Apply and Update.
 */
import { SimApiError } from './errors';
import { FieldSet, Path, PathElement, fieldPE, keyPE, pathToString, valuePE } from './fieldset';
import { TypeNode, childType, isAtomicContainer, isNamedField, listOf, presentFields } from './schema';

type Json = unknown;
type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as JsonObject;
  const bo = b as JsonObject;
  let n = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    n++;
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) n--;
  return n === 0;
}

/** Apply failed because an associative-list item lacks a key. */
export class FieldSetError extends Error {}

/** Path element of one list item, or undefined when the item cannot be keyed. */
function itemPE(node: TypeNode, item: unknown, strict: boolean): PathElement | undefined {
  const list = listOf(node);
  if (list.listType === 'set') return valuePE(item);
  if (list.listType !== 'map' || !list.keys) return undefined;
  if (!isObject(item)) {
    if (strict) throw new FieldSetError('associative list item is not an object');
    return undefined;
  }
  const key: JsonObject = {};
  for (const k of list.keys) {
    let v = item[k];
    if (v === undefined || v === null) v = list.keyDefaults?.[k];
    if (v === undefined || v === null) {
      if (strict) {
        throw new FieldSetError(
          `associative list with keys has an element that omits key field ${JSON.stringify(k)} (and doesn't have default value)`,
        );
      }
      return undefined;
    }
    key[k] = v;
  }
  return keyPE(key);
}

// ---- field set of an applied configuration ---------------------------------------------

/** The fields an applied configuration sets (SMD `ToFieldSet`). */
export function toFieldSet(value: Json, type: TypeNode): FieldSet {
  const set = new FieldSet();
  const path: PathElement[] = [];
  walkSet(value, type, path, set);
  return set;
}

function walkSet(v: Json, t: TypeNode, path: PathElement[], set: FieldSet): void {
  if (Array.isArray(v)) {
    const list = listOf(t);
    if (list.listType === 'atomic') {
      set.insert(path);
      return;
    }
    v.forEach((item, i) => {
      let pe: PathElement | undefined;
      try {
        pe = itemPE(t, item, true);
      } catch (e) {
        throw new FieldSetError(`${pathToString(path)}: element ${i}: ${(e as Error).message}`);
      }
      if (!pe) return;
      path.push(pe);
      if (list.listType === 'map') walkSet(item, list.elem, path, set);
      set.insert(path);
      path.pop();
    });
    return;
  }
  if (isObject(v)) {
    if (isAtomicContainer(t) || t.t === 'scalar') {
      set.insert(path);
      return;
    }
    for (const k of Object.keys(v)) {
      if (k === '') continue;
      const val = v[k];
      if (val === undefined) continue;
      const ct = childType(t, k);
      path.push(fieldPE(k));
      walkSet(val, ct, path, set);
      if (val === null || (isObject(val) && Object.keys(val).length === 0)) set.insert(path);
      else if (!isNamedField(t, k)) set.insert(path);
      path.pop();
    }
    return;
  }
  set.insert(path);
}

// ---- the apply merge --------------------------------------------------------------------

/** Merges ordered lists by key: left-only items keep their place, shared and right items follow the right order. */
function mergeOrdered(
  left: unknown[],
  right: unknown[],
  keyOf: (item: unknown, i: number) => string,
  mergeItem: (l: unknown, r: unknown) => unknown,
): unknown[] {
  const lKeys = left.map(keyOf);
  const rKeys = right.map(keyOf);
  const lIndex = new Map<string, unknown>();
  left.forEach((item, i) => {
    if (!lIndex.has(lKeys[i])) lIndex.set(lKeys[i], item);
  });
  const rSet = new Set(rKeys);
  const shared = rKeys.filter(k => lIndex.has(k));
  const emitted = new Set<string>();
  const out: unknown[] = [];
  let si = 0;
  const advance = () => {
    while (si < shared.length && emitted.has(shared[si])) si++;
  };
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i < left.length && j < right.length && lKeys[i] === rKeys[j]) {
      if (!emitted.has(rKeys[j])) {
        out.push(mergeItem(lIndex.get(lKeys[i]), right[j]));
        emitted.add(rKeys[j]);
      }
      i++;
      j++;
      advance();
      continue;
    }
    if (i < left.length) {
      const k = lKeys[i];
      if (!rSet.has(k)) {
        out.push(left[i]);
        i++;
        continue;
      }
      if (emitted.has(k) || shared[si] !== k) {
        i++;
        continue;
      }
    }
    if (j < right.length) {
      const k = rKeys[j];
      if (!emitted.has(k)) {
        out.push(mergeItem(lIndex.get(k), right[j]));
        emitted.add(k);
      }
      j++;
      advance();
    }
  }
  return out;
}

/** SMD merge of an applied configuration into the live object: the configuration wins. */
export function mergeApply(live: Json, config: Json, t: TypeNode): Json {
  if (config === undefined) return live;
  if (live === undefined || live === null || config === null) return config;
  if (typeof config !== 'object' || typeof live !== 'object') return config;
  if (Array.isArray(config) !== Array.isArray(live)) return config;
  if (Array.isArray(config)) {
    const list = listOf(t);
    const l = live as unknown[];
    if (list.listType === 'atomic') return config;
    if (list.listType === 'set') {
      return mergeOrdered(l, config, item => JSON.stringify(item), (_a, b) => b);
    }
    let fallback = 0;
    const keyOf = (item: unknown) => itemPE(t, item, false) ?? `#${fallback++}`;
    return mergeOrdered(l, config, keyOf, (a, b) => mergeApply(a, b, list.elem));
  }
  if (isAtomicContainer(t) || t.t === 'scalar') return config;
  const lo = live as JsonObject;
  const co = config as JsonObject;
  const out: JsonObject = {};
  for (const k of Object.keys(lo)) {
    out[k] = k in co ? mergeApply(lo[k], co[k], childType(t, k)) : lo[k];
  }
  for (const k of Object.keys(co)) if (!(k in lo)) out[k] = co[k];
  return out;
}

/** Removes `null` values from maps (they mean "unset" once stored). */
export function dropNulls(v: Json): Json {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = dropNulls(x);
    return out;
  }
  return v;
}

// ---- comparison --------------------------------------------------------------------------

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

function isEmptyContainer(v: unknown): boolean {
  if (v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isObject(v) && Object.keys(v).length === 0;
}

/** Which fields changed between two versions of an object (SMD `Compare`). */
export function compare(lhs: Json, rhs: Json, t: TypeNode): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walkCompare(lhs, rhs, t, [], c);
  return c;
}

function walkCompare(l: Json, r: Json, t: TypeNode, path: PathElement[], c: Comparison): void {
  if (l === undefined && r === undefined) return;
  const lArr = Array.isArray(l);
  const rArr = Array.isArray(r);
  const lObj = isObject(l);
  const rObj = isObject(r);
  const container =
    (l === undefined || lArr || lObj) &&
    (r === undefined || rArr || rObj) &&
    !(lArr && rObj) &&
    !(lObj && rArr);
  const atomic = (lArr || rArr) ? listOf(t).listType === 'atomic' : isAtomicContainer(t) || t.t === 'scalar';
  if (!container || atomic || (isEmptyContainer(l) && isEmptyContainer(r))) {
    if (path.length === 0) return;
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!deepEqual(l, r)) c.modified.insert(path);
    return;
  }
  if (lArr || rArr) {
    const list = listOf(t);
    const la = (l as unknown[] | undefined) ?? [];
    const ra = (r as unknown[] | undefined) ?? [];
    const lm = new Map<string, unknown>();
    const rm = new Map<string, unknown>();
    la.forEach((item, i) => {
      const pe = itemPE(t, item, false) ?? `i:${i}`;
      if (!lm.has(pe)) lm.set(pe, item);
    });
    ra.forEach((item, i) => {
      const pe = itemPE(t, item, false) ?? `i:${i}`;
      if (!rm.has(pe)) rm.set(pe, item);
    });
    const keys = new Set([...lm.keys(), ...rm.keys()]);
    for (const pe of keys) {
      path.push(pe);
      walkCompare(lm.get(pe), rm.get(pe), list.listType === 'set' ? { t: 'scalar' } : list.elem, path, c);
      path.pop();
    }
  } else {
    const lo = (l as JsonObject | undefined) ?? undefined;
    const ro = (r as JsonObject | undefined) ?? undefined;
    const present = presentFields(t);
    const keys = new Set<string>();
    if (lo) for (const k in lo) if (lo[k] !== undefined) keys.add(k);
    if (ro) for (const k in ro) if (ro[k] !== undefined) keys.add(k);
    if (present) for (const k of present) if (lo || ro) keys.add(k);
    for (const k of keys) {
      let cl = lo?.[k];
      let cr = ro?.[k];
      if (present && present.includes(k)) {
        if (lo && cl === undefined) cl = {};
        if (ro && cr === undefined) cr = {};
      }
      path.push(fieldPE(k));
      walkCompare(cl, cr, childType(t, k), path, c);
      path.pop();
    }
  }
  if (path.length === 0) return;
  if (l === undefined) c.added.insert(path);
  else if (r === undefined) c.removed.insert(path);
}

// ---- pruning -----------------------------------------------------------------------------

/** Adds every named struct field on the way to a member as a member itself (SMD `EnsureNamedFieldsAreMembers`). */
export function ensureNamedFieldsAreMembers(set: FieldSet, t: TypeNode): FieldSet {
  const out = new FieldSet();
  out.member = set.member;
  if (set.children) {
    for (const [pe, child] of set.children) {
      if (child.isEmpty()) continue;
      let ct: TypeNode;
      let named = false;
      if (pe.startsWith('f:')) {
        const name = pe.slice(2);
        ct = childType(t, name);
        named = isNamedField(t, name);
      } else {
        const list = listOf(t);
        ct = list.listType === 'set' ? { t: 'scalar' } : list.elem;
      }
      const sub = ensureNamedFieldsAreMembers(child, ct);
      if (named) sub.member = true;
      setChild(out, pe, sub);
    }
  }
  return out;
}

function setChild(set: FieldSet, pe: PathElement, child: FieldSet): void {
  if (!set.children) set.children = new Map();
  set.children.set(pe, child);
}

/** Removes every member path of `set` from a value. */
export function removeItems(v: Json, set: FieldSet, t: TypeNode): Json {
  if (!set.children || set.children.size === 0) return v;
  if (Array.isArray(v)) {
    const list = listOf(t);
    if (list.listType === 'atomic') return v;
    const out: unknown[] = [];
    for (const item of v) {
      const pe = itemPE(t, item, false);
      const sub = pe ? set.child(pe) : undefined;
      if (sub?.member) continue;
      out.push(sub && list.listType === 'map' ? removeItems(item, sub, list.elem) : item);
    }
    return out;
  }
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      const sub = set.child(fieldPE(k));
      if (sub?.member) continue;
      if (sub) {
        const pruned = removeItems(x, sub, childType(t, k));
        // A container emptied by pruning disappears, as it would from a typed object.
        if (isEmptyContainer(pruned) && !isEmptyContainer(x)) continue;
        out[k] = pruned;
      } else out[k] = x;
    }
    return out;
  }
  return v;
}

// ---- managedFields -------------------------------------------------------------------

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

export interface ManagerSet {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

export type Managers = Map<string, ManagerSet>;

/** Apply entries are identified without their apiVersion, Update entries with it. */
export function managerId(m: { manager: string; operation: string; apiVersion?: string; subresource?: string }): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Apply' ? '' : m.apiVersion ?? '', m.subresource ?? '']);
}

export function decodeManagedFields(entries: unknown): Managers {
  const out: Managers = new Map();
  if (entries === undefined || entries === null) return out;
  if (!Array.isArray(entries)) throw new SimApiError(400, 'BadRequest', 'metadata.managedFields must be a list');
  for (const raw of entries) {
    if (!isObject(raw)) throw new SimApiError(400, 'BadRequest', 'metadata.managedFields entries must be objects');
    // `[{}]` is how clients ask for managedFields to be reset.
    if (Object.keys(raw).length === 0) continue;
    const e = raw as ManagedFieldsEntry;
    if (e.operation !== 'Apply' && e.operation !== 'Update') {
      throw new SimApiError(400, 'BadRequest', `metadata.managedFields: invalid operation ${JSON.stringify(e.operation)}`);
    }
    if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1') {
      throw new SimApiError(400, 'BadRequest', `metadata.managedFields: invalid fieldsType ${JSON.stringify(e.fieldsType)}`);
    }
    let set: FieldSet;
    try {
      set = FieldSet.fromJSON(e.fieldsV1 ?? {});
    } catch (err) {
      throw new SimApiError(400, 'BadRequest', `metadata.managedFields: ${(err as Error).message}`);
    }
    const m: ManagerSet = {
      manager: String(e.manager ?? ''),
      operation: e.operation,
      apiVersion: String(e.apiVersion ?? ''),
      time: e.time,
      subresource: e.subresource || undefined,
      set,
    };
    const id = managerId(m);
    const prev = out.get(id);
    if (prev) prev.set = prev.set.union(set);
    else out.set(id, m);
  }
  return out;
}

export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const list = [...managers.values()].filter(m => !m.set.isEmpty());
  const seconds = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  list.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const ps = seconds(p.time);
    const qs = seconds(q.time);
    if (ps !== qs) return ps - qs;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return (p.subresource ?? '') < (q.subresource ?? '') ? -1 : 1;
  });
  return list.map(m => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.set.toJSON();
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

/** Fields the server never tracks ownership of. */
const STRIPPED: Path[] = [
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ['f:metadata', 'f:name'],
  ['f:metadata', 'f:namespace'],
  ['f:metadata', 'f:creationTimestamp'],
  ['f:metadata', 'f:selfLink'],
  ['f:metadata', 'f:uid'],
  ['f:metadata', 'f:clusterName'],
  ['f:metadata', 'f:generation'],
  ['f:metadata', 'f:managedFields'],
  ['f:metadata', 'f:resourceVersion'],
  ['f:metadata', 'f:generateName'],
];
const STRIP_SET = FieldSet.fromPaths(STRIPPED);

function strip(set: FieldSet): FieldSet {
  return set.difference(STRIP_SET);
}

let cachedSecond = -1;
let cachedTime = '';

/** RFC 3339 time at second precision (cached: writes call this often). */
export function nowTime(): string {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  if (sec !== cachedSecond) {
    cachedSecond = sec;
    cachedTime = `${new Date(sec * 1000).toISOString().slice(0, 19)}Z`;
  }
  return cachedTime;
}

function cloneManagers(m: Managers): Managers {
  const out: Managers = new Map();
  for (const [k, v] of m) out.set(k, { ...v });
  return out;
}

export interface Conflict {
  manager: ManagerSet;
  path: PathElement[];
}

function printManager(m: ManagerSet): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') {
    s += m.time ? ` using ${m.apiVersion} at ${m.time}` : ` using ${m.apiVersion}`;
  }
  return s;
}

/** 409 with the message shape of the real server (`Apply failed with 1 conflict: conflict with "m1": .spec.replicas`). */
export function conflictError(conflicts: Conflict[]): SimApiError {
  const causes = conflicts.map(c => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.manager)}`,
    field: pathToString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${pathToString(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, { m: ManagerSet; paths: string[] }>();
    for (const c of conflicts) {
      const key = printManager(c.manager);
      const e = byManager.get(key) ?? { m: c.manager, paths: [] };
      e.paths.push(pathToString(c.path));
      byManager.set(key, e);
    }
    const lines: string[] = [];
    for (const key of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${key}:`);
      for (const p of byManager.get(key)!.paths) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new SimApiError(409, 'Conflict', message, { causes });
}

/**
 * Ownership changes caused by a change from `live` to `next` made by `actor`
 * (SMD `update`): other managers lose fields that changed (conflicts unless forced)
 * and fields that were removed.
 */
function transferOwnership(
  managers: Managers,
  comparison: Comparison,
  actorId: string,
  force: boolean,
): void {
  const changed = comparison.modified.union(comparison.added);
  const conflicts: Conflict[] = [];
  const taken = new Map<string, FieldSet>();
  for (const [id, m] of managers) {
    if (id === actorId) continue;
    const overlap = m.set.intersection(changed);
    if (!overlap.isEmpty()) {
      taken.set(id, overlap);
      for (const p of overlap.members()) conflicts.push({ manager: m, path: p });
    }
  }
  if (!force && conflicts.length > 0) throw conflictError(conflicts);
  for (const [id, m] of managers) {
    if (id === actorId) continue;
    let s = m.set;
    const t = taken.get(id);
    if (t) s = s.difference(t);
    if (!comparison.removed.isEmpty()) s = s.difference(comparison.removed);
    if (s !== m.set) managers.set(id, { ...m, set: s });
  }
}

export interface ApplyResult {
  /** Merged and pruned object, before defaulting. */
  object: JsonObject;
  managers: Managers;
}

/**
 * Server-side apply of `config` by `manager` onto `live` (undefined: create).
 * Throws a 409 conflict error unless `force`.
 */
export function applyConfig(
  live: JsonObject | undefined,
  config: JsonObject,
  type: TypeNode,
  liveManagers: Managers,
  opts: { manager: string; apiVersion: string; force: boolean; subresource?: string },
): ApplyResult {
  let set: FieldSet;
  try {
    set = strip(toFieldSet(config, type));
  } catch (e) {
    if (e instanceof FieldSetError) {
      throw new SimApiError(422, 'Invalid', `failed to create typed patch object: ${e.message}`);
    }
    throw e;
  }
  const managers = cloneManagers(liveManagers);
  const me: ManagerSet = { manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, subresource: opts.subresource, set };
  const myId = managerId(me);
  const last = managers.get(myId);
  const base = live ?? {};
  let merged = mergeApply(base, config, type) as JsonObject;
  managers.set(myId, { ...me, time: last?.time });
  if (last && !last.set.isEmpty()) {
    // Fields this manager applied before, no longer applies, and nobody else owns.
    let owned = new FieldSet();
    for (const m of managers.values()) owned = owned.union(m.set);
    const toRemove = ensureNamedFieldsAreMembers(last.set, type).difference(ensureNamedFieldsAreMembers(owned, type));
    // Never prune the object's identity.
    const meta = toRemove.child('f:metadata');
    if (meta) meta.member = false;
    merged = removeItems(merged, toRemove, type) as JsonObject;
  }
  merged = dropNulls(merged) as JsonObject;
  const comparison = compare(live ?? {}, merged, type);
  transferOwnership(managers, comparison, myId, opts.force);
  const changed = !deepEqual(live ?? {}, merged) || !last || !last.set.equals(set);
  if (changed) managers.set(myId, { ...managers.get(myId)!, time: nowTime() });
  for (const [id, m] of managers) if (m.set.isEmpty()) managers.delete(id);
  return { object: merged, managers };
}

/** Managed fields after a non-apply write (create, update, patch) by `manager`. */
export function updateManagers(
  live: JsonObject | undefined,
  next: JsonObject,
  type: TypeNode,
  liveManagers: Managers,
  opts: { manager: string; apiVersion: string; subresource?: string },
): Managers {
  const managers = cloneManagers(liveManagers);
  const comparison = compare(live ?? {}, next, type);
  comparison.added = strip(comparison.added);
  comparison.modified = strip(comparison.modified);
  comparison.removed = strip(comparison.removed);
  const me: ManagerSet = {
    manager: opts.manager,
    operation: 'Update',
    apiVersion: opts.apiVersion,
    subresource: opts.subresource,
    set: new FieldSet(),
  };
  const myId = managerId(me);
  transferOwnership(managers, comparison, myId, true);
  const prev = managers.get(myId);
  const set = (prev?.set ?? new FieldSet())
    .difference(comparison.removed)
    .union(comparison.modified)
    .union(comparison.added);
  const changed = !comparison.added.isEmpty() || !comparison.modified.isEmpty() || !comparison.removed.isEmpty();
  managers.set(myId, { ...me, set, time: changed || !prev ? nowTime() : prev.time });
  for (const [id, m] of managers) if (m.set.isEmpty()) managers.delete(id);
  return managers;
}

/** Equality of two managers maps, ignoring timestamps. */
export function managersEqual(a: Managers, b: Managers): boolean {
  if (a.size !== b.size) return false;
  for (const [id, m] of a) {
    const o = b.get(id);
    if (!o || !o.set.equals(m.set)) return false;
  }
  return true;
}
