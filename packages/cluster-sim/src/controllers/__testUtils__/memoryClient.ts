/**
 * An in-memory SimClient for controller tests: resourceVersion and generation bumps, a status
 * subresource, merge/JSON patches, label and field selectors, background garbage collection
 * by ownerReferences, and watch events delivered asynchronously in commit order. Objects are
 * stored per group/kind and served under any version, as the real API server serves CRDs.
 */
import { randomUUID } from 'node:crypto';
import { applyPatch, Operation } from 'fast-json-patch';
import type {
  DeleteOptions,
  KubeObject,
  ListOptions,
  PatchType,
  SimClient,
  WatchEvent,
  WriteOptions,
} from '../../store/types';

export class MemoryApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string) {
    super(message);
  }
}

type Handler = (event: WatchEvent) => void;

interface Watcher {
  apiVersion: string;
  namespace?: string;
  handler: Handler;
  active: boolean;
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

function typeKey(apiVersion: string, kind: string): string {
  return `${groupOf(apiVersion)}/${kind}`;
}

function objKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** Kubernetes label selector string → predicate. */
export function parseLabelSelector(selector: string | undefined): (labels: Record<string, string>) => boolean {
  if (!selector || !selector.trim()) return () => true;
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const tests = parts.map(raw => {
    const p = raw.trim();
    const setBased = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
    if (setBased) {
      const key = setBased[1];
      const values = setBased[3].split(',').map(v => v.trim());
      const notin = setBased[2] === 'notin';
      return (l: Record<string, string>) => (notin ? !(key in l) || !values.includes(l[key]) : key in l && values.includes(l[key]));
    }
    const notEqual = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(p);
    if (notEqual) {
      const [, key, value] = notEqual;
      return (l: Record<string, string>) => l[key] !== value;
    }
    const equal = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(p);
    if (equal) {
      const [, key, value] = equal;
      return (l: Record<string, string>) => l[key] === value;
    }
    const absent = /^!\s*(\S+)$/.exec(p);
    if (absent) {
      const key = absent[1];
      return (l: Record<string, string>) => !(key in l);
    }
    if (/^\S+$/.test(p)) return (l: Record<string, string>) => p in l;
    throw new MemoryApiError(400, 'BadRequest', `unable to parse requirement: ${p}`);
  });
  return labels => tests.every(t => t(labels));
}

function fieldValue(obj: KubeObject, path: string): string | undefined {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur === undefined || cur === null ? '' : String(cur);
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function withoutMetaAndStatus(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

export interface MemoryClientOptions {
  /** Time source for creationTimestamp / deletionTimestamp. */
  now?: () => number;
}

export class MemoryClient implements SimClient {
  private readonly store = new Map<string, Map<string, KubeObject>>();
  private readonly watchers = new Map<string, Watcher[]>();
  private rv = 0;
  private pendingEvents: Array<() => void> = [];
  private flushScheduled = false;
  /** Count of writes per verb, for efficiency assertions. */
  readonly writes = { create: 0, update: 0, updateStatus: 0, patch: 0, delete: 0 };

  constructor(private readonly options: MemoryClientOptions = {}) {}

  private now(): string {
    const ms = this.options.now ? this.options.now() : Date.now();
    return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }

  private bucket(apiVersion: string, kind: string): Map<string, KubeObject> {
    const k = typeKey(apiVersion, kind);
    let b = this.store.get(k);
    if (!b) this.store.set(k, (b = new Map()));
    return b;
  }

  private out(obj: KubeObject, apiVersion: string): KubeObject {
    const c = structuredClone(obj);
    c.apiVersion = apiVersion;
    return c;
  }

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.bucket(apiVersion, kind).get(objKey(namespace, name));
    return o ? this.out(o, apiVersion) : undefined;
  }

  list(apiVersion: string, kind: string, options: ListOptions = {}): KubeObject[] {
    const match = parseLabelSelector(options.labelSelector);
    const fields = (options.fieldSelector ?? '')
      .split(',')
      .filter(Boolean)
      .map(f => {
        const neg = f.includes('!=');
        const [path, value] = f.split(neg ? '!=' : /==?/);
        return { path: path.trim(), value: (value ?? '').trim(), neg };
      });
    const out: KubeObject[] = [];
    for (const o of this.bucket(apiVersion, kind).values()) {
      if (options.namespace !== undefined && o.metadata.namespace !== options.namespace) continue;
      if (!match(o.metadata.labels ?? {})) continue;
      if (!fields.every(f => (fieldValue(o, f.path) === f.value) !== f.neg)) continue;
      out.push(this.out(o, apiVersion));
    }
    return out;
  }

  create(obj: KubeObject, options: WriteOptions = {}): KubeObject {
    const b = this.bucket(obj.apiVersion, obj.kind);
    const o = structuredClone(obj);
    o.metadata = { ...o.metadata };
    if (!o.metadata.name && o.metadata.generateName) {
      o.metadata.name = `${o.metadata.generateName}${Math.random().toString(36).slice(2, 7)}`;
    }
    if (!o.metadata.name) throw new MemoryApiError(422, 'Invalid', `${obj.kind} is invalid: metadata.name: Required value`);
    const key = objKey(o.metadata.namespace, o.metadata.name);
    if (b.has(key)) {
      throw new MemoryApiError(409, 'AlreadyExists', `${obj.kind.toLowerCase()}s "${o.metadata.name}" already exists`);
    }
    if (options.dryRun) return o;
    o.metadata.uid = randomUUID();
    o.metadata.resourceVersion = String(++this.rv);
    o.metadata.generation = 1;
    o.metadata.creationTimestamp = this.now();
    delete o.metadata.deletionTimestamp;
    b.set(key, o);
    this.writes.create++;
    this.emit('ADDED', o);
    return structuredClone(o);
  }

  private existing(obj: KubeObject): KubeObject {
    const cur = this.bucket(obj.apiVersion, obj.kind).get(objKey(obj.metadata.namespace, obj.metadata.name ?? ''));
    if (!cur) throw new MemoryApiError(404, 'NotFound', `${obj.kind.toLowerCase()}s "${obj.metadata.name}" not found`);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== cur.metadata.resourceVersion) {
      throw new MemoryApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${obj.kind.toLowerCase()}s "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    return cur;
  }

  private commit(cur: KubeObject, next: KubeObject, statusWrite = false): KubeObject {
    next.metadata.uid = cur.metadata.uid;
    next.metadata.creationTimestamp = cur.metadata.creationTimestamp;
    next.metadata.generation = cur.metadata.generation;
    if (cur.metadata.deletionTimestamp) next.metadata.deletionTimestamp = cur.metadata.deletionTimestamp;
    const specChanged = JSON.stringify(withoutMetaAndStatus(cur)) !== JSON.stringify(withoutMetaAndStatus(next));
    const annotationsChanged =
      cur.kind === 'Deployment' && JSON.stringify(cur.metadata.annotations ?? {}) !== JSON.stringify(next.metadata.annotations ?? {});
    if (!statusWrite && (specChanged || annotationsChanged)) next.metadata.generation = (cur.metadata.generation ?? 1) + 1;
    if (JSON.stringify(cur) === JSON.stringify({ ...next, metadata: { ...next.metadata, resourceVersion: cur.metadata.resourceVersion } })) {
      return structuredClone(cur);
    }
    next.metadata.resourceVersion = String(++this.rv);
    this.bucket(cur.apiVersion, cur.kind).set(objKey(cur.metadata.namespace, cur.metadata.name ?? ''), next);
    this.emit('MODIFIED', next);
    if (next.metadata.deletionTimestamp && !(next.metadata.finalizers ?? []).length) this.remove(next);
    return structuredClone(next);
  }

  update(obj: KubeObject): KubeObject {
    const cur = this.existing(obj);
    const next = structuredClone(obj);
    next.apiVersion = cur.apiVersion;
    if (cur.status !== undefined) next.status = structuredClone(cur.status);
    else delete next.status;
    this.writes.update++;
    return this.commit(cur, next);
  }

  updateStatus(obj: KubeObject): KubeObject {
    const cur = this.existing(obj);
    const next = structuredClone(cur);
    next.status = structuredClone(obj.status);
    // Like the real Deployment status strategy, annotations travel with status writes.
    if (cur.kind === 'Deployment') next.metadata.annotations = structuredClone(obj.metadata.annotations);
    this.writes.updateStatus++;
    return this.commit(cur, next, true);
  }

  patch(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    const cur = this.existing({ apiVersion, kind, metadata: { namespace, name } });
    let next: KubeObject;
    if (type === 'json') {
      next = applyPatch(structuredClone(cur), patch as Operation[], true, false).newDocument as KubeObject;
    } else {
      next = mergePatch(structuredClone(cur), patch) as KubeObject;
    }
    if (options.subresource === 'status') {
      const only = structuredClone(cur);
      only.status = next.status;
      next = only;
    } else if (cur.status !== undefined) {
      next.status = structuredClone(cur.status);
    }
    next.metadata.resourceVersion = cur.metadata.resourceVersion;
    this.writes.patch++;
    return this.commit(cur, next, options.subresource === 'status');
  }

  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string, options: DeleteOptions = {}): KubeObject | undefined {
    const cur = this.existing({ apiVersion, kind, metadata: { namespace, name } });
    if (options.dryRun) return structuredClone(cur);
    this.writes.delete++;
    if ((cur.metadata.finalizers ?? []).length) {
      if (cur.metadata.deletionTimestamp) return structuredClone(cur);
      const next = structuredClone(cur);
      next.metadata.deletionTimestamp = this.now();
      return this.commit(cur, next);
    }
    this.remove(cur);
    if (options.propagationPolicy !== 'Orphan') {
      const uid = cur.metadata.uid;
      setImmediate(() => this.collectDependents(uid));
    }
    return structuredClone(cur);
  }

  private remove(cur: KubeObject): void {
    this.bucket(cur.apiVersion, cur.kind).delete(objKey(cur.metadata.namespace, cur.metadata.name ?? ''));
    const gone = structuredClone(cur);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit('DELETED', gone);
  }

  private collectDependents(uid: string | undefined): void {
    if (!uid) return;
    for (const b of this.store.values()) {
      for (const o of [...b.values()]) {
        if ((o.metadata.ownerReferences ?? []).some(r => r.uid === uid)) {
          try {
            this.delete(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name ?? '');
          } catch {
            // already gone
          }
        }
      }
    }
  }

  watch(apiVersion: string, kind: string, handler: Handler, options: { namespace?: string } = {}): () => void {
    const k = typeKey(apiVersion, kind);
    const w: Watcher = { apiVersion, namespace: options.namespace, handler, active: true };
    const list = this.watchers.get(k) ?? [];
    list.push(w);
    this.watchers.set(k, list);
    return () => {
      w.active = false;
      const l = this.watchers.get(k) ?? [];
      this.watchers.set(k, l.filter(x => x !== w));
    };
  }

  private emit(type: WatchEvent['type'], obj: KubeObject): void {
    const watchers = this.watchers.get(typeKey(obj.apiVersion, obj.kind)) ?? [];
    if (watchers.length === 0) return;
    const snapshot = structuredClone(obj);
    for (const w of watchers) {
      if (w.namespace !== undefined && w.namespace !== snapshot.metadata.namespace) continue;
      this.pendingEvents.push(() => {
        if (w.active) w.handler({ type, object: this.out(snapshot, w.apiVersion) });
      });
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        const events = this.pendingEvents;
        this.pendingEvents = [];
        for (const e of events) e();
      });
    }
  }
}
