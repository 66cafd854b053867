/**
 * Shared informers: one watch + cache per kind, like client-go's shared informer factory.
 * Controllers read objects from these caches (cheap, indexed) and are woken by watch events.
 * Our own writes are put into the cache at once ("write-through") so a controller never acts
 * on a view older than what it just wrote; a watch event older than the cached object (by
 * resourceVersion) is ignored, and objects we deleted stay gone until their DELETED event.
 */
import type { KubeObject, SimClient, WatchEvent } from '../store/types';
import { apiErrorCode, errorMessage, Logger } from './queue';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';
/**
 * `origin` names the controller whose own write produced the event (as passed to
 * ApiWriter.as), so a controller can skip re-reconciling what it just wrote.
 */
export type ChangeHandler = (type: ChangeType, obj: KubeObject, old: KubeObject | undefined, origin?: string) => void;
export type IndexFn = (obj: KubeObject) => string[];

/** Cache key of an object: `namespace/name`, or `name` for cluster-scoped objects. */
export function keyOf(obj: KubeObject): string {
  return objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** True when resourceVersion `a` is strictly newer than `b` (numeric versions; otherwise unknown → false). */
function rvNewer(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return a.length !== b.length ? a.length > b.length : a > b;
}

export class Informer {
  private readonly items = new Map<string, KubeObject>();
  private readonly byNamespace = new Map<string, Map<string, KubeObject>>();
  private readonly indexes = new Map<string, { fn: IndexFn; map: Map<string, Set<string>> }>();
  private readonly tombstones = new Map<string, string>();
  private readonly ownWrites = new Map<string, { rv?: string; by: string }>();
  private readonly handlers: ChangeHandler[] = [];
  private stopWatch?: () => void;
  private started = false;
  /** The version actually watched (CRD kinds may be served under several). */
  apiVersion: string;

  constructor(
    private readonly client: SimClient,
    readonly candidateVersions: string[],
    readonly kind: string,
  ) {
    this.apiVersion = candidateVersions[0];
  }

  get isStarted(): boolean {
    return this.started;
  }

  addIndex(name: string, fn: IndexFn): void {
    const map = new Map<string, Set<string>>();
    this.indexes.set(name, { fn, map });
    for (const [key, obj] of this.items) for (const v of fn(obj)) addTo(map, v, key);
  }

  onChange(handler: ChangeHandler): void {
    this.handlers.push(handler);
  }

  /** Starts watching; returns false (and stays stopped) when the API does not serve the kind. */
  start(versions: string[] = this.candidateVersions): boolean | Error {
    if (this.started) return true;
    let lastError: Error | undefined;
    for (const version of versions) {
      let stop: (() => void) | undefined;
      try {
        stop = this.client.watch(version, this.kind, ev => this.onWatch(ev));
        const initial = this.client.list(version, this.kind);
        this.apiVersion = version;
        this.stopWatch = stop;
        this.started = true;
        for (const obj of initial) this.observe('ADDED', obj);
        return true;
      } catch (error) {
        stop?.();
        if (apiErrorCode(error) === undefined) lastError = error instanceof Error ? error : new Error(errorMessage(error));
      }
    }
    return lastError ?? false;
  }

  stop(): void {
    this.stopWatch?.();
    this.stopWatch = undefined;
    this.started = false;
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.items.get(objectKey(namespace, name));
  }

  getByKey(key: string): KubeObject | undefined {
    return this.items.get(key);
  }

  /** All cached objects, or those of one namespace. Do not mutate them. */
  list(namespace?: string): KubeObject[] {
    if (namespace === undefined) return [...this.items.values()];
    const m = this.byNamespace.get(namespace);
    return m ? [...m.values()] : [];
  }

  byIndex(index: string, value: string): KubeObject[] {
    const idx = this.indexes.get(index);
    if (!idx) throw new Error(`no index ${index} on ${this.kind}`);
    const keys = idx.map.get(value);
    if (!keys) return [];
    const out: KubeObject[] = [];
    for (const k of keys) {
      const o = this.items.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  size(): number {
    return this.items.size;
  }

  /** Number of objects under one index value. */
  indexCount(index: string, value: string): number {
    return this.indexes.get(index)?.map.get(value)?.size ?? 0;
  }

  /** Our own successful write: cache it now so the next reconcile sees it. */
  applyWrite(obj: KubeObject, origin?: string): void {
    const key = keyOf(obj);
    const cur = this.items.get(key);
    if (cur && cur.metadata.uid === obj.metadata.uid && rvNewer(cur.metadata.resourceVersion, obj.metadata.resourceVersion)) return;
    this.tombstones.delete(key);
    if (origin) this.ownWrites.set(key, { rv: obj.metadata.resourceVersion, by: origin });
    else this.ownWrites.delete(key);
    this.set(key, obj, cur);
  }

  /** Our own delete went through (or the object was found gone). */
  applyDelete(namespace: string | undefined, name: string, uid: string | undefined): void {
    const key = objectKey(namespace, name);
    const cur = this.items.get(key);
    if (cur && uid && cur.metadata.uid !== uid) return;
    if (cur) this.remove(key, cur);
    this.ownWrites.delete(key);
    if (uid) this.tombstones.set(key, uid);
  }

  private onWatch(ev: WatchEvent): void {
    if (ev.type === 'BOOKMARK') return;
    this.observe(ev.type, ev.object);
  }

  private observe(type: ChangeType, obj: KubeObject): void {
    const key = keyOf(obj);
    const cur = this.items.get(key);
    const uid = obj.metadata.uid;
    if (type === 'DELETED') {
      if (uid && this.tombstones.get(key) === uid) this.tombstones.delete(key);
      if (cur && (!uid || cur.metadata.uid === uid)) {
        this.remove(key, cur);
        this.ownWrites.delete(key);
      }
      this.emit('DELETED', obj, cur);
      return;
    }
    if (uid && this.tombstones.get(key) === uid) return; // late event about an object we deleted
    const own = this.ownWrites.get(key);
    const rv = obj.metadata.resourceVersion;
    const origin = own && own.rv === rv ? own.by : undefined;
    if (own && (origin || rvNewer(rv, own.rv))) this.ownWrites.delete(key);
    if (cur && rvNewer(cur.metadata.resourceVersion, rv)) {
      // We already hold a newer version (our own write); still wake the handlers.
      this.emit(type, cur, cur);
      return;
    }
    this.set(key, obj, cur);
    this.emit(type, obj, cur, origin);
  }

  private emit(type: ChangeType, obj: KubeObject, old: KubeObject | undefined, origin?: string): void {
    for (const h of this.handlers) h(type, obj, old, origin);
  }

  private set(key: string, obj: KubeObject, old: KubeObject | undefined): void {
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    const ns = obj.metadata.namespace ?? '';
    let m = this.byNamespace.get(ns);
    if (!m) this.byNamespace.set(ns, (m = new Map()));
    m.set(key, obj);
    for (const { fn, map } of this.indexes.values()) for (const v of fn(obj)) addTo(map, v, key);
  }

  private remove(key: string, old: KubeObject): void {
    this.unindex(key, old);
    this.items.delete(key);
    const ns = old.metadata.namespace ?? '';
    const m = this.byNamespace.get(ns);
    m?.delete(key);
    if (m && m.size === 0) this.byNamespace.delete(ns);
  }

  private unindex(key: string, old: KubeObject): void {
    for (const { fn, map } of this.indexes.values()) {
      for (const v of fn(old)) {
        const s = map.get(v);
        s?.delete(key);
        if (s && s.size === 0) map.delete(v);
      }
    }
  }
}

function addTo(map: Map<string, Set<string>>, value: string, key: string): void {
  let s = map.get(value);
  if (!s) map.set(value, (s = new Set()));
  s.add(key);
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/**
 * All informers of one controller manager. Kinds defined by CRDs (Istio, Gateway API,
 * Traefik) may not exist yet at start: their informers start when the CRD shows up.
 */
export class InformerHub {
  private readonly informers = new Map<string, Informer>();
  private crdInformer?: Informer;
  private started = false;

  constructor(private readonly client: SimClient, private readonly logger: Logger) {}

  /** The informer of a kind. `versions` lists the versions to try, preferred first. */
  informer(versions: string | string[], kind: string): Informer {
    const list = Array.isArray(versions) ? versions : [versions];
    const id = `${groupOf(list[0])}/${kind}`;
    let inf = this.informers.get(id);
    if (!inf) {
      inf = new Informer(this.client, list, kind);
      this.informers.set(id, inf);
      if (this.started) this.startOne(inf);
    }
    return inf;
  }

  /** The informer caching objects like `obj`, if any (for write-through). */
  forObject(apiVersion: string, kind: string): Informer | undefined {
    const inf = this.informers.get(`${groupOf(apiVersion)}/${kind}`);
    return inf && inf.apiVersion === apiVersion ? inf : undefined;
  }

  start(): void {
    this.started = true;
    const crd = new Informer(this.client, ['apiextensions.k8s.io/v1'], 'CustomResourceDefinition');
    crd.onChange((type, obj) => {
      if (type !== 'DELETED') this.onCrd(obj);
    });
    this.crdInformer = crd;
    // Built-in kinds first, then the CRD watch that starts the others when their CRD appears.
    for (const inf of this.informers.values()) this.startOne(inf);
    crd.start();
  }

  stop(): void {
    this.started = false;
    this.crdInformer?.stop();
    for (const inf of this.informers.values()) inf.stop();
  }

  private startOne(inf: Informer): void {
    const versions = this.crdVersions(groupOf(inf.candidateVersions[0]), inf.kind) ?? inf.candidateVersions;
    const result = inf.start(versions);
    if (result instanceof Error) this.logger.warn(`cannot watch ${inf.kind}: ${result.message}`);
  }

  /** Versions a CRD serves for group/kind, storage version first. */
  private crdVersions(group: string, kind: string): string[] | undefined {
    if (!this.crdInformer?.isStarted) return undefined;
    for (const crd of this.crdInformer.list()) {
      const spec = crd.spec as CrdSpec | undefined;
      if (spec?.group === group && spec.names?.kind === kind) return crdServedVersions(spec);
    }
    return undefined;
  }

  private onCrd(crd: KubeObject): void {
    const spec = crd.spec as CrdSpec | undefined;
    if (!spec?.group || !spec.names?.kind) return;
    const inf = this.informers.get(`${spec.group}/${spec.names.kind}`);
    if (!inf || inf.isStarted) return;
    // The store may not serve the new kind until the CRD is established: retry briefly.
    const versions = crdServedVersions(spec);
    let attempts = 0;
    const tryStart = () => {
      if (inf.isStarted || !this.started) return;
      if (inf.start(versions) !== true && ++attempts < 50) setTimeout(tryStart, 100).unref?.();
    };
    tryStart();
  }
}

interface CrdSpec {
  group?: string;
  names?: { kind?: string };
  versions?: Array<{ name: string; served?: boolean; storage?: boolean }>;
}

function crdServedVersions(spec: CrdSpec): string[] {
  const versions = (spec.versions ?? []).filter(v => v.served !== false);
  versions.sort((a, b) => Number(Boolean(b.storage)) - Number(Boolean(a.storage)));
  return versions.map(v => `${spec.group}/${v.name}`);
}
