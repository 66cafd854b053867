/**
 * Storage of the simulated cluster, etcd-like: objects indexed by type and namespace,
 * one global resourceVersion counter, a bounded window of past events per type (for
 * watch resume and consistent paginated lists) and the watch sinks each commit is
 * pushed to. Stored objects are never mutated after commit; their JSON is serialized
 * once and cached per served version.
 */
import type { ResourceType, ServedVersion } from './registry';
import { toServed } from './registry';
import type { KubeObject, WatchEventType } from './types';

export class Stored {
  readonly obj: KubeObject;
  readonly rv: number;
  private jsonCache: string | undefined;
  private views: Map<ServedVersion, { obj: KubeObject; json?: string }> | undefined;

  constructor(obj: KubeObject, rv: number, json?: string) {
    this.obj = obj;
    this.rv = rv;
    this.jsonCache = json;
  }

  get json(): string {
    if (this.jsonCache === undefined) this.jsonCache = JSON.stringify(this.obj);
    return this.jsonCache;
  }

  /** The object in a served version's shape (cached). */
  view(served: ServedVersion, type: ResourceType): { obj: KubeObject; json: string } {
    if (served === type.storage) return { obj: this.obj, json: this.json };
    if (!this.views) this.views = new Map();
    let v = this.views.get(served);
    if (!v) {
      v = { obj: toServed(this.obj, served, type) };
      this.views.set(served, v);
    }
    if (v.json === undefined) v.json = JSON.stringify(v.obj);
    return v as { obj: KubeObject; json: string };
  }

  /** A private deep copy the caller may mutate. */
  copy(served?: ServedVersion, type?: ResourceType): KubeObject {
    const json = served && type ? this.view(served, type).json : this.json;
    return JSON.parse(json) as KubeObject;
  }
}

export interface StoredEvent {
  rv: number;
  type: Exclude<WatchEventType, 'BOOKMARK'>;
  /** The object after the event (for DELETED: the last state, at the deletion's resourceVersion). */
  cur: Stored;
  /** The object before the event (MODIFIED, DELETED). */
  prev?: Stored;
  typeId: string;
}

export interface WatchSink {
  namespace?: string;
  push(event: StoredEvent): void;
  /** The type stopped being served (CRD deleted). */
  close(reason: string): void;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class Bucket {
  type: ResourceType;
  readonly items = new Map<string, Stored>();
  readonly byNs = new Map<string, Map<string, Stored>>();
  private sortedAll: string[] | undefined;
  private readonly sortedNs = new Map<string, string[]>();
  events: StoredEvent[] = [];
  /** Events at or below this resourceVersion are no longer retained. */
  compactedRv: number;
  readonly sinks = new Set<WatchSink>();

  constructor(type: ResourceType, startRv: number) {
    this.type = type;
    this.compactedRv = startRv;
  }

  get(namespace: string | undefined, name: string): Stored | undefined {
    return this.items.get(objectKey(namespace, name));
  }

  /** Keys in etcd order (namespace, then name), optionally of one namespace. */
  sortedKeys(namespace?: string): string[] {
    if (namespace !== undefined) {
      let keys = this.sortedNs.get(namespace);
      if (!keys) {
        const m = this.byNs.get(namespace);
        keys = m ? [...m.keys()].sort().map(n => objectKey(namespace, n)) : [];
        this.sortedNs.set(namespace, keys);
      }
      return keys;
    }
    if (!this.sortedAll) this.sortedAll = [...this.items.keys()].sort();
    return this.sortedAll;
  }

  put(key: string, namespace: string, name: string, s: Stored): void {
    const isNew = !this.items.has(key);
    this.items.set(key, s);
    let m = this.byNs.get(namespace);
    if (!m) {
      m = new Map();
      this.byNs.set(namespace, m);
    }
    m.set(name, s);
    if (isNew) {
      this.sortedAll = undefined;
      this.sortedNs.delete(namespace);
    }
  }

  remove(key: string, namespace: string, name: string): void {
    this.items.delete(key);
    const m = this.byNs.get(namespace);
    if (m) {
      m.delete(name);
      if (m.size === 0) this.byNs.delete(namespace);
    }
    this.sortedAll = undefined;
    this.sortedNs.delete(namespace);
  }

  /** Index of the first retained event with rv > `rv`. */
  eventsAfter(rv: number): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid].rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export interface CommitListener {
  (event: StoredEvent, bucket: Bucket): void;
}

export class ObjectStore {
  rv: number;
  readonly buckets = new Map<string, Bucket>();
  private readonly listeners: CommitListener[] = [];
  readonly eventWindow: number;

  constructor(opts: { startRv?: number; eventWindow?: number } = {}) {
    this.rv = opts.startRv ?? 1;
    this.eventWindow = opts.eventWindow ?? 10_000;
  }

  onCommit(l: CommitListener): void {
    this.listeners.push(l);
  }

  bucket(type: ResourceType): Bucket {
    let b = this.buckets.get(type.id);
    if (!b) {
      b = new Bucket(type, this.rv);
      this.buckets.set(type.id, b);
    } else if (b.type !== type) {
      b.type = type;
    }
    return b;
  }

  /** Drops a whole type (its CRD is gone); open watches on it are closed. */
  dropBucket(id: string, reason: string): void {
    const b = this.buckets.get(id);
    if (!b) return;
    for (const s of b.sinks) s.close(reason);
    this.buckets.delete(id);
  }

  /** Stores `obj` (a new object graph, never mutated afterwards) and emits ADDED/MODIFIED. */
  put(type: ResourceType, obj: KubeObject): Stored {
    const b = this.bucket(type);
    const ns = type.namespaced ? obj.metadata.namespace ?? '' : '';
    const name = obj.metadata.name!;
    const key = objectKey(ns, name);
    const prev = b.items.get(key);
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    const s = new Stored(obj, rv);
    b.put(key, ns, name, s);
    this.emit(b, { rv, type: prev ? 'MODIFIED' : 'ADDED', cur: s, prev, typeId: type.id });
    return s;
  }

  /** Removes an object and emits DELETED carrying its last state at a new resourceVersion. */
  remove(type: ResourceType, namespace: string | undefined, name: string, finalObj?: KubeObject): Stored | undefined {
    const b = this.bucket(type);
    const ns = type.namespaced ? namespace ?? '' : '';
    const key = objectKey(ns, name);
    const prev = b.items.get(key);
    if (!prev) return undefined;
    const rv = ++this.rv;
    const last = finalObj ?? ({ ...prev.obj, metadata: { ...prev.obj.metadata } } as KubeObject);
    last.metadata.resourceVersion = String(rv);
    const s = new Stored(last, rv);
    b.remove(key, ns, name);
    this.emit(b, { rv, type: 'DELETED', cur: s, prev, typeId: type.id });
    return s;
  }

  /** Loads an object without emitting events (persistence restore). */
  restore(type: ResourceType, obj: KubeObject): void {
    const b = this.bucket(type);
    const ns = type.namespaced ? obj.metadata.namespace ?? '' : '';
    const name = obj.metadata.name!;
    b.put(objectKey(ns, name), ns, name, new Stored(obj, Number(obj.metadata.resourceVersion) || 0));
  }

  /** Forgets a restored object without emitting events. */
  unrestore(type: ResourceType, namespace: string | undefined, name: string): void {
    const b = this.bucket(type);
    const ns = type.namespaced ? namespace ?? '' : '';
    b.remove(objectKey(ns, name), ns, name);
  }

  private emit(b: Bucket, e: StoredEvent): void {
    b.events.push(e);
    if (b.events.length > this.eventWindow + 1000) {
      const drop = b.events.length - this.eventWindow;
      b.compactedRv = b.events[drop - 1].rv;
      b.events = b.events.slice(drop);
    }
    for (const l of this.listeners) l(e, b);
    for (const s of b.sinks) {
      if (s.namespace !== undefined && s.namespace !== (e.cur.obj.metadata.namespace ?? '')) continue;
      s.push(e);
    }
  }
}
