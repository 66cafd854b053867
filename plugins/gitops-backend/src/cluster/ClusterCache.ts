/**
 * The live state of one cluster, fed by watches (as Argo CD's cluster cache is): every
 * listable kind is listed once and then watched, so reading live state costs no API
 * calls. Resources an Application tracks keep their full object (diffs need it); others
 * (Pods, ReplicaSets…) keep a summary — owners, health, images — which is all the resource
 * tree and health need, and keeps memory flat at tens of thousands of objects.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { KubeObject, OwnerReference } from '@gitops-suite/plugin-gitops-common';
import type { ApiResource } from './KubeClient';
import type { ResourceClient } from './ResourceClient';

export interface ResourceHealth {
  status: string;
  message?: string;
}

export interface CachedResource {
  /** `group/Kind/namespace/name`. */
  key: string;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  ownerReferences: OwnerReference[];
  /** The Application tracking this resource (from its tracking annotation). */
  appName?: string;
  health?: ResourceHealth;
  images?: string[];
  createdAt?: string;
  deleting: boolean;
  /**
   * The object (without managedFields): kept for tracked resources and for the kinds the
   * cache is told to keep.
   */
  object?: KubeObject;
}

export type CacheEvent =
  | { type: 'upsert'; resource: CachedResource; previous?: CachedResource }
  | { type: 'delete'; resource: CachedResource };

export interface ClusterCacheOptions {
  client: ResourceClient;
  logger: LoggerService;
  /** The Application that tracks an object, if any. */
  appOf: (obj: KubeObject) => string | undefined;
  /** Health of an object (undefined for kinds without health). */
  health: (obj: KubeObject) => ResourceHealth | undefined;
  /** Kinds whose full objects are kept even when untracked (`group/Kind`). */
  keepFullKinds?: string[];
  /** Kinds never watched (`group/Kind`), on top of the noisy ones excluded by default. */
  excludedKinds?: string[];
  /** Delay before resuming a failed watch. */
  retryDelayMs?: number;
}

/** Kinds that change constantly and that no Application manages in practice. */
const DEFAULT_EXCLUDED = new Set([
  '/Event',
  'events.k8s.io/Event',
  'coordination.k8s.io/Lease',
  'discovery.k8s.io/EndpointSlice',
  '/Endpoints',
  '/ComponentStatus',
  '/Binding',
  'apps/ControllerRevision',
  'authorization.k8s.io/SelfSubjectReview',
]);

export function resourceKey(group: string, kind: string, namespace: string | undefined, name: string): string {
  return `${group}/${kind}/${namespace ?? ''}/${name}`;
}

function imagesOf(obj: KubeObject): string[] | undefined {
  const spec = obj.kind === 'Pod' ? obj.spec : obj.spec?.template?.spec ?? obj.spec?.jobTemplate?.spec?.template?.spec;
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  const images = containers.map((c: { image?: string }) => c.image).filter((i): i is string => Boolean(i));
  return images.length ? images : undefined;
}

/**
 * Objects are kept without `metadata.managedFields`, often half an object's size (an
 * Application's grows with every status write): comparing ignores them, and the rare
 * `managedFieldsManagers` rule reads the object afresh.
 */
function withoutManagedFields(obj: KubeObject): KubeObject {
  if (!obj.metadata.managedFields) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

class TypeWatcher {
  private resourceVersion = '';
  private handle?: { stop(): void };
  private stopped = false;
  private timer?: NodeJS.Timeout;
  readonly listed: Promise<void>;
  private resolveListed!: () => void;

  constructor(
    readonly resource: ApiResource,
    private readonly cache: ClusterCache,
    private readonly client: ResourceClient,
    private readonly logger: LoggerService,
    private readonly retryDelayMs: number,
  ) {
    this.listed = new Promise(resolve => {
      this.resolveListed = resolve;
    });
  }

  start() {
    this.relist();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.handle?.stop();
  }

  private get path() {
    return this.client.pathOf(this.resource);
  }

  private async relist() {
    if (this.stopped) return;
    try {
      const keys = new Set<string>();
      let token: string | undefined;
      let version = '';
      do {
        const page = await this.client.kube.request('GET', this.path, { query: { limit: 500, continue: token } });
        for (const item of page.items ?? []) {
          const obj = { apiVersion: this.resource.apiVersion, kind: this.resource.kind, ...item } as KubeObject;
          keys.add(this.cache.upsert(this.resource, obj).key);
        }
        token = page.metadata?.continue || undefined;
        version = page.metadata?.resourceVersion ?? version;
      } while (token);
      this.cache.removeMissing(this.resource, keys);
      this.resourceVersion = version;
      this.resolveListed();
      this.watch();
    } catch (error) {
      this.retry(error, true);
    }
  }

  private async watch() {
    if (this.stopped) return;
    let relist = false;
    try {
      this.handle = await this.client.kube.watch(
        this.path,
        { resourceVersion: this.resourceVersion, timeoutSeconds: 300 },
        (type, object) => {
          if (type === 'ERROR') {
            // 410 Gone: our resourceVersion is older than the server keeps; list again.
            relist = true;
            return;
          }
          if (object?.metadata?.resourceVersion) this.resourceVersion = object.metadata.resourceVersion;
          if (type === 'BOOKMARK') return;
          const obj = { apiVersion: this.resource.apiVersion, kind: this.resource.kind, ...object } as KubeObject;
          if (type === 'DELETED') this.cache.remove(this.resource, obj);
          else this.cache.upsert(this.resource, obj);
        },
        error => {
          this.handle = undefined;
          if (this.stopped) return;
          const gone = (error as { statusCode?: number } | undefined)?.statusCode === 410;
          if (relist || gone) this.retry(undefined, true);
          else if (error) this.retry(error, false);
          else this.watch();
        },
      );
    } catch (error) {
      this.retry(error, false);
    }
  }

  private retry(error: unknown, relist: boolean) {
    if (this.stopped) return;
    if (error) {
      this.logger.debug(`watch of ${this.resource.apiVersion}/${this.resource.kind} failed, retrying: ${String(error)}`);
    }
    this.timer = setTimeout(() => (relist ? this.relist() : this.watch()), error ? this.retryDelayMs : 0);
  }
}

export class ClusterCache {
  private readonly options: ClusterCacheOptions;
  private readonly byKey = new Map<string, CachedResource>();
  private readonly keyByUid = new Map<string, string>();
  private readonly childrenByOwner = new Map<string, Set<string>>();
  private readonly byApp = new Map<string, Set<string>>();
  private readonly byKind = new Map<string, Set<string>>();
  private readonly watchers = new Map<string, TypeWatcher>();
  private readonly listeners = new Set<(event: CacheEvent) => void>();
  private readonly keepFull: Set<string>;
  private readonly excluded: Set<string>;
  private unsubscribeDiscovery?: () => void;
  private discoveryTimer?: NodeJS.Timeout;
  private started = false;

  constructor(options: ClusterCacheOptions) {
    this.options = options;
    this.keepFull = new Set(options.keepFullKinds ?? []);
    this.excluded = new Set([...DEFAULT_EXCLUDED, ...(options.excludedKinds ?? [])]);
  }

  /** Starts watching every kind; resolves once each has been listed once. */
  async start(): Promise<void> {
    if (this.started) return this.synced();
    this.started = true;
    this.unsubscribeDiscovery = this.options.client.onDiscovery(resources => this.syncWatchers(resources));
    const resources = await this.options.client.apiResources();
    this.syncWatchers(resources);
    return this.synced();
  }

  stop(): void {
    this.unsubscribeDiscovery?.();
    clearTimeout(this.discoveryTimer);
    for (const watcher of this.watchers.values()) watcher.stop();
    this.watchers.clear();
    this.started = false;
  }

  /** Resolves when every watched kind has been listed. */
  async synced(): Promise<void> {
    await Promise.all([...this.watchers.values()].map(w => w.listed));
  }

  subscribe(listener: (event: CacheEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): CachedResource | undefined {
    return this.byKey.get(key);
  }

  getByUid(uid: string): CachedResource | undefined {
    const key = this.keyByUid.get(uid);
    return key ? this.byKey.get(key) : undefined;
  }

  /** Resources whose tracking annotation names the Application. */
  trackedBy(appName: string): CachedResource[] {
    const keys = this.byApp.get(appName);
    if (!keys) return [];
    return [...keys].map(k => this.byKey.get(k)!).filter(Boolean);
  }

  /** Direct children by ownerReference. */
  childrenOf(uid: string): CachedResource[] {
    const keys = this.childrenByOwner.get(uid);
    if (!keys) return [];
    return [...keys].map(k => this.byKey.get(k)!).filter(Boolean);
  }

  /** Every cached resource of a kind. */
  ofKind(group: string, kind: string, namespace?: string): CachedResource[] {
    const out: CachedResource[] = [];
    for (const key of this.byKind.get(`${group}/${kind}`) ?? []) {
      const r = this.byKey.get(key);
      if (r && (namespace === undefined || r.namespace === namespace)) out.push(r);
    }
    return out;
  }

  isNamespaced(group: string, kind: string): boolean | undefined {
    return this.options.client.isNamespacedKind(group, kind);
  }

  private syncWatchers(resources: ApiResource[]) {
    const wanted = new Map<string, ApiResource>();
    for (const r of resources) {
      const gk = `${r.group}/${r.kind}`;
      if (this.excluded.has(gk) || !r.verbs.includes('list') || !r.verbs.includes('watch')) continue;
      if (!wanted.has(gk)) wanted.set(gk, r);
    }
    for (const [gk, watcher] of this.watchers) {
      if (!wanted.has(gk)) {
        watcher.stop();
        this.watchers.delete(gk);
        // The kind is gone (its CRD was deleted): so are its objects.
        const [group, kind] = [gk.slice(0, gk.lastIndexOf('/')), gk.slice(gk.lastIndexOf('/') + 1)];
        for (const r of this.ofKind(group, kind)) this.removeEntry(r);
      }
    }
    for (const [gk, resource] of wanted) {
      if (this.watchers.has(gk)) continue;
      const watcher = new TypeWatcher(resource, this, this.options.client, this.options.logger, this.options.retryDelayMs ?? 1000);
      this.watchers.set(gk, watcher);
      watcher.start();
    }
  }

  /** A CRD appeared or went away: discovery changes shortly after. */
  private scheduleDiscovery() {
    clearTimeout(this.discoveryTimer);
    this.discoveryTimer = setTimeout(() => {
      this.options.client.refreshDiscovery().catch(error =>
        this.options.logger.warn(`discovery refresh failed: ${error}`),
      );
    }, 300);
  }

  private keptObject(gk: string, appName: string | undefined, obj: KubeObject): KubeObject | undefined {
    return appName || this.keepFull.has(gk) ? withoutManagedFields(obj) : undefined;
  }

  /** @internal Called by the watchers. */
  upsert(resource: ApiResource, obj: KubeObject): CachedResource {
    const meta = obj.metadata;
    const key = resourceKey(resource.group, resource.kind, resource.namespaced ? meta.namespace : '', meta.name ?? '');
    const previous = this.byKey.get(key);
    if (previous && previous.resourceVersion === meta.resourceVersion) return previous;
    const appName = this.options.appOf(obj);
    const gk = `${resource.group}/${resource.kind}`;
    const entry: CachedResource = {
      key,
      group: resource.group,
      version: resource.version,
      kind: resource.kind,
      namespace: resource.namespaced ? meta.namespace ?? '' : '',
      name: meta.name ?? '',
      uid: meta.uid ?? '',
      resourceVersion: meta.resourceVersion ?? '',
      ownerReferences: meta.ownerReferences ?? [],
      appName,
      health: this.options.health(obj),
      images: imagesOf(obj),
      createdAt: meta.creationTimestamp,
      deleting: Boolean(meta.deletionTimestamp),
      object: this.keptObject(gk, appName, obj),
    };
    if (previous) this.unindex(previous);
    this.byKey.set(key, entry);
    this.index(entry);
    if (gk === 'apiextensions.k8s.io/CustomResourceDefinition') this.scheduleDiscovery();
    this.emit({ type: 'upsert', resource: entry, previous });
    return entry;
  }

  /** @internal */
  remove(resource: ApiResource, obj: KubeObject) {
    const key = resourceKey(resource.group, resource.kind, resource.namespaced ? obj.metadata.namespace : '', obj.metadata.name ?? '');
    const entry = this.byKey.get(key);
    if (entry) this.removeEntry(entry);
    if (`${resource.group}/${resource.kind}` === 'apiextensions.k8s.io/CustomResourceDefinition') this.scheduleDiscovery();
  }

  /** @internal After a relist: entries of the kind that no longer exist. */
  removeMissing(resource: ApiResource, keep: Set<string>) {
    for (const entry of this.ofKind(resource.group, resource.kind)) {
      if (!keep.has(entry.key)) this.removeEntry(entry);
    }
  }

  private removeEntry(entry: CachedResource) {
    this.byKey.delete(entry.key);
    this.unindex(entry);
    this.emit({ type: 'delete', resource: entry });
  }

  private index(entry: CachedResource) {
    const gk = `${entry.group}/${entry.kind}`;
    let kindSet = this.byKind.get(gk);
    if (!kindSet) this.byKind.set(gk, (kindSet = new Set()));
    kindSet.add(entry.key);
    if (entry.uid) this.keyByUid.set(entry.uid, entry.key);
    for (const owner of entry.ownerReferences) {
      let set = this.childrenByOwner.get(owner.uid);
      if (!set) this.childrenByOwner.set(owner.uid, (set = new Set()));
      set.add(entry.key);
    }
    if (entry.appName) {
      let set = this.byApp.get(entry.appName);
      if (!set) this.byApp.set(entry.appName, (set = new Set()));
      set.add(entry.key);
    }
  }

  private unindex(entry: CachedResource) {
    this.byKind.get(`${entry.group}/${entry.kind}`)?.delete(entry.key);
    if (entry.uid && this.keyByUid.get(entry.uid) === entry.key) this.keyByUid.delete(entry.uid);
    for (const owner of entry.ownerReferences) {
      const set = this.childrenByOwner.get(owner.uid);
      set?.delete(entry.key);
      if (set && set.size === 0) this.childrenByOwner.delete(owner.uid);
    }
    if (entry.appName) {
      const set = this.byApp.get(entry.appName);
      set?.delete(entry.key);
      if (set && set.size === 0) this.byApp.delete(entry.appName);
    }
  }

  private emit(event: CacheEvent) {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.options.logger.error(`cache listener failed: ${error}`);
      }
    }
  }
}
