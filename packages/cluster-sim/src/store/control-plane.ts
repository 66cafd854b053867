/**
 * The parts of kube-apiserver and kube-controller-manager that make API semantics
 * complete, run asynchronously after commits like the real ones: namespace setup
 * (default ServiceAccount, kube-root-ca.crt) and deletion (cascade, then removal), CRD
 * establishment and cleanup, and the ownerReference garbage collector (Background,
 * Foreground with blockOwnerDeletion, Orphan). Workloads (pods, replicas) are not here:
 * they belong to the simulated controllers.
 */
import { ApiCore, CRD_FINALIZER, isNotFound, nowRfc3339 } from './api';
import { SimApiError } from './errors';
import type { Bucket, Stored, StoredEvent } from './object-store';
import { ResourceType, typeFromCrd } from './registry';
import { deepEqual } from './ssa';
import type { KubeObject } from './types';

type Obj = Record<string, any>;

const NAMESPACES = '/namespaces';
const CRDS = 'apiextensions.k8s.io/customresourcedefinitions';
const MANAGER = 'kube-controller-manager';
const APISERVER = 'kube-apiserver';

export interface ControlPlaneLogger {
  warn(message: string): void;
}

interface Ref {
  typeId: string;
  ns: string;
  name: string;
}

function refKey(r: Ref): string {
  return `${r.typeId}|${r.ns}|${r.name}`;
}

function parseRef(k: string): Ref {
  const [typeId, ns, name] = k.split('|');
  return { typeId, ns, name };
}

function isEstablished(crd: KubeObject): boolean {
  return ((crd.status?.conditions ?? []) as Obj[]).some(c => c.type === 'Established' && c.status === 'True');
}

export class ControlPlane {
  private readonly queue = new Map<string, () => void>();
  private scheduled = false;
  private stopped = false;
  private readonly byUid = new Map<string, Ref>();
  private readonly dependents = new Map<string, Set<string>>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly api: ApiCore,
    private readonly opts: { caPem?: string; logger?: ControlPlaneLogger } = {},
  ) {}

  /** Indexes what is stored, registers established CRDs, subscribes, and queues pending work. */
  start(): void {
    const api = this.api;
    // CRDs first, so their kinds exist before their objects are looked at.
    const crdType = api.registry.get(CRDS)!;
    for (const s of api.bucket(crdType).items.values()) {
      if (isEstablished(s.obj) && !s.obj.metadata.deletionTimestamp) this.register(s.obj);
    }
    for (const b of api.store.buckets.values()) {
      for (const s of b.items.values()) this.index(b.type, s, undefined);
    }
    api.store.onCommit((e, b) => this.onCommit(e, b));
    for (const s of api.bucket(crdType).items.values()) this.enqueueCrd(s.obj);
    const nsType = api.registry.get(NAMESPACES)!;
    for (const s of api.bucket(nsType).items.values()) this.enqueueNamespace(s.obj);
    for (const b of api.store.buckets.values()) {
      for (const s of b.items.values()) this.enqueueGc(b.type, s);
    }
  }

  stop(): void {
    this.stopped = true;
    this.queue.clear();
  }

  /** Resolves when no control-plane work is queued (tests). */
  idle(): Promise<void> {
    if (!this.scheduled && this.queue.size === 0) return Promise.resolve();
    return new Promise(resolve => this.idleWaiters.push(resolve));
  }

  /** Creates the namespaces and the `kubernetes` Service a fresh cluster has. */
  bootstrap(): void {
    const api = this.api;
    const ns = api.resolveKind('v1', 'Namespace');
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      if (!api.getStored(ns.type, undefined, name)) {
        api.create(ns, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { manager: APISERVER });
      }
    }
    const svc = api.resolveKind('v1', 'Service');
    if (!api.getStored(svc.type, 'default', 'kubernetes')) {
      api.create(
        svc,
        'default',
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
          spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
        },
        { manager: APISERVER },
      );
    }
  }

  // ---- queue ---------------------------------------------------------------------------

  private enqueue(key: string, task: () => void): void {
    if (this.stopped) return;
    this.queue.set(key, task);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    const started = Date.now();
    while (this.queue.size > 0 && !this.stopped) {
      const [key, task] = this.queue.entries().next().value as [string, () => void];
      this.queue.delete(key);
      try {
        task();
      } catch (e) {
        if (e instanceof SimApiError && e.code === 409) {
          // Raced with another writer: try again on the next turn.
          this.enqueue(key, task);
        } else if (!isNotFound(e)) {
          this.opts.logger?.warn(`control plane task ${key} failed: ${(e as Error).message}`);
        }
      }
      if (Date.now() - started > 20 && this.queue.size > 0) {
        // Yield to I/O; continue on the next turn.
        this.scheduled = true;
        setImmediate(() => this.drain());
        return;
      }
    }
    if (this.queue.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  // ---- commit hook -----------------------------------------------------------------------

  private onCommit(e: StoredEvent, b: Bucket): void {
    const type = b.type;
    this.index(type, e.cur, e.prev, e.type === 'DELETED');
    const obj = e.cur.obj;
    const ns = obj.metadata.namespace ?? '';
    if (type.id === NAMESPACES) {
      if (e.type !== 'DELETED') this.enqueueNamespace(obj);
    } else if (type.namespaced && e.type === 'DELETED') {
      const nsObj = this.api.getStored(this.api.registry.get(NAMESPACES)!, undefined, ns);
      if (nsObj?.obj.metadata.deletionTimestamp) this.enqueueNamespace(nsObj.obj);
    } else if (type.namespaced && e.type === 'MODIFIED') {
      const nsObj = this.api.getStored(this.api.registry.get(NAMESPACES)!, undefined, ns);
      if (nsObj?.obj.metadata.deletionTimestamp) this.enqueueNamespace(nsObj.obj);
    }
    if (type.id === CRDS) {
      if (e.type === 'DELETED') {
        const id = `${obj.spec?.group}/${obj.spec?.names?.plural}`;
        if (this.api.registry.get(id)?.custom) this.unregister(id);
      } else this.enqueueCrd(obj);
    } else if (type.custom && e.type === 'DELETED') {
      const crd = this.api.getStored(this.api.registry.get(CRDS)!, undefined, `${type.plural}.${type.group}`);
      if (crd?.obj.metadata.deletionTimestamp) this.enqueueCrd(crd.obj);
    }
    this.gcOnCommit(type, e);
  }

  // ---- namespaces ------------------------------------------------------------------------

  private enqueueNamespace(ns: KubeObject): void {
    const name = ns.metadata.name!;
    if (ns.metadata.deletionTimestamp) this.enqueue(`ns-finalize:${name}`, () => this.finalizeNamespace(name));
    else this.enqueue(`ns-init:${name}`, () => this.initNamespace(name));
  }

  private initNamespace(name: string): void {
    const api = this.api;
    const nsType = api.registry.get(NAMESPACES)!;
    const ns = api.getStored(nsType, undefined, name);
    if (!ns || ns.obj.metadata.deletionTimestamp) return;
    const sa = api.resolveKind('v1', 'ServiceAccount');
    if (!api.getStored(sa.type, name, 'default')) {
      api.create(sa, name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }, { manager: MANAGER });
    }
    const cm = api.resolveKind('v1', 'ConfigMap');
    if (this.opts.caPem && !api.getStored(cm.type, name, 'kube-root-ca.crt')) {
      api.create(
        cm,
        name,
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: 'kube-root-ca.crt',
            annotations: {
              'kubernetes.io/description':
                'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
            },
          },
          data: { 'ca.crt': this.opts.caPem },
        },
        { manager: MANAGER },
      );
    }
  }

  /** Deletes everything in a terminating namespace, then the namespace itself. */
  private finalizeNamespace(name: string): void {
    const api = this.api;
    const nsType = api.registry.get(NAMESPACES)!;
    const ns = api.getStored(nsType, undefined, name);
    if (!ns || !ns.obj.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const b of api.store.buckets.values()) {
      if (!b.type.namespaced) continue;
      const inNs = b.byNs.get(name);
      if (!inNs) continue;
      const r = { type: b.type, served: b.type.storage };
      for (const s of [...inNs.values()]) {
        remaining++;
        if (s.obj.metadata.deletionTimestamp) continue;
        try {
          api.delete(r, name, s.obj.metadata.name!, { propagationPolicy: 'Background', preconditions: { uid: s.obj.metadata.uid } });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
    }
    let left = 0;
    for (const b of api.store.buckets.values()) if (b.type.namespaced) left += b.byNs.get(name)?.size ?? 0;
    if (left === 0 || remaining === 0) api.finalizeNamespace(name, MANAGER);
  }

  // ---- CRDs ---------------------------------------------------------------------------------

  private enqueueCrd(crd: KubeObject): void {
    const name = crd.metadata.name!;
    if (crd.metadata.deletionTimestamp) this.enqueue(`crd-finalize:${name}`, () => this.finalizeCrd(name));
    else this.enqueue(`crd-establish:${name}`, () => this.establishCrd(name));
  }

  private register(crd: KubeObject): ResourceType | undefined {
    let type: ResourceType;
    try {
      type = typeFromCrd(crd);
    } catch (e) {
      this.opts.logger?.warn(`CRD ${crd.metadata.name} cannot be served: ${(e as Error).message}`);
      return undefined;
    }
    const existing = this.api.registry.get(type.id);
    if (existing && !existing.custom) return undefined;
    this.api.registry.add(type);
    this.api.store.bucket(type);
    return type;
  }

  private unregister(id: string): void {
    this.api.registry.remove(id);
    this.api.store.dropBucket(id, 'the resource type is no longer served');
  }

  private establishCrd(name: string): void {
    const api = this.api;
    const crdType = api.registry.get(CRDS)!;
    const live = api.getStored(crdType, undefined, name);
    if (!live || live.obj.metadata.deletionTimestamp) return;
    const crd = live.obj;
    const spec: Obj = crd.spec ?? {};
    const conflictWith = [...api.bucket(crdType).items.values()].find(
      s => s !== live && s.obj.spec?.group === spec.group && s.obj.spec?.names?.kind === spec.names?.kind && isEstablished(s.obj),
    );
    const now = nowRfc3339();
    const old: Obj[] = crd.status?.conditions ?? [];
    const cond = (type: string, status: string, reason: string, message: string): Obj => {
      const prev = old.find(c => c.type === type);
      return {
        type,
        status,
        lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now,
        reason,
        message,
      };
    };
    let status: Obj;
    if (conflictWith) {
      status = {
        ...(crd.status ?? {}),
        conditions: [
          cond('NamesAccepted', 'False', 'KindConflict', `"${spec.names?.kind}" is already in use`),
          cond('Established', 'False', 'NotAccepted', 'not all names are accepted'),
        ],
      };
    } else {
      const type = this.register(crd);
      if (!type) return;
      const names: Obj = spec.names ?? {};
      const accepted: Obj = { plural: names.plural, singular: type.singular, kind: names.kind, listKind: type.listKind };
      if (names.shortNames?.length) accepted.shortNames = names.shortNames;
      if (names.categories?.length) accepted.categories = names.categories;
      const stored = new Set<string>(crd.status?.storedVersions ?? []);
      stored.add(type.storage.version);
      status = {
        acceptedNames: accepted,
        conditions: [
          cond('NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'),
          cond('Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted'),
        ],
        storedVersions: [...stored],
      };
    }
    if (!deepEqual(status, crd.status)) api.writeStatus(crdType, live, status, APISERVER);
  }

  private finalizeCrd(name: string): void {
    const api = this.api;
    const crdType = api.registry.get(CRDS)!;
    const live = api.getStored(crdType, undefined, name);
    if (!live || !live.obj.metadata.deletionTimestamp) return;
    const id = `${live.obj.spec?.group}/${live.obj.spec?.names?.plural}`;
    const type = api.registry.get(id);
    if (type?.custom) {
      const b = api.bucket(type);
      const r = { type, served: type.storage };
      for (const s of [...b.items.values()]) {
        if (s.obj.metadata.deletionTimestamp) continue;
        try {
          api.delete(r, s.obj.metadata.namespace, s.obj.metadata.name!, { propagationPolicy: 'Background' });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      if (b.items.size > 0) {
        const conds: Obj[] = ((live.obj.status?.conditions ?? []) as Obj[]).filter(c => c.type !== 'Terminating');
        conds.push({
          type: 'Terminating',
          status: 'True',
          lastTransitionTime: nowRfc3339(),
          reason: 'InstanceDeletionInProgress',
          message: 'CustomResource deletion is in progress',
        });
        const cur = api.getStored(crdType, undefined, name)!;
        const had = ((cur.obj.status?.conditions ?? []) as Obj[]).find(c => c.type === 'Terminating');
        if (had?.reason !== 'InstanceDeletionInProgress') api.writeStatus(crdType, cur, { ...(cur.obj.status ?? {}), conditions: conds }, APISERVER);
        return;
      }
      this.unregister(id);
    }
    api.removeFinalizer(crdType, undefined, name, CRD_FINALIZER, APISERVER);
  }

  // ---- garbage collector -----------------------------------------------------------------

  private index(type: ResourceType, cur: Stored, prev: Stored | undefined, deleted = false): void {
    const ref: Ref = { typeId: type.id, ns: cur.obj.metadata.namespace ?? '', name: cur.obj.metadata.name! };
    const key = refKey(ref);
    const uid = cur.obj.metadata.uid;
    for (const o of prev?.obj.metadata.ownerReferences ?? []) this.dependents.get(o.uid)?.delete(key);
    if (deleted) {
      if (uid) this.byUid.delete(uid);
      for (const o of cur.obj.metadata.ownerReferences ?? []) this.dependents.get(o.uid)?.delete(key);
      return;
    }
    if (uid) this.byUid.set(uid, ref);
    for (const o of cur.obj.metadata.ownerReferences ?? []) {
      if (!o?.uid) continue;
      let set = this.dependents.get(o.uid);
      if (!set) {
        set = new Set();
        this.dependents.set(o.uid, set);
      }
      set.add(key);
    }
  }

  private lookup(ref: Ref): { type: ResourceType; stored: Stored } | undefined {
    const type = this.api.registry.get(ref.typeId);
    if (!type) return undefined;
    const stored = this.api.getStored(type, ref.ns || undefined, ref.name);
    return stored ? { type, stored } : undefined;
  }

  private gcOnCommit(type: ResourceType, e: StoredEvent): void {
    const obj = e.cur.obj;
    const uid = obj.metadata.uid;
    if (e.type === 'DELETED') {
      if (uid) {
        for (const dep of this.dependents.get(uid) ?? []) this.enqueue(`gc-dep:${dep}`, () => this.attemptToDelete(parseRef(dep)));
        this.dependents.delete(uid);
      }
      // An owner waiting for this dependent may be done now.
      for (const o of obj.metadata.ownerReferences ?? []) this.enqueueOwner(o.uid);
      return;
    }
    this.enqueueGc(type, e.cur);
  }

  private enqueueOwner(uid: string | undefined): void {
    if (!uid) return;
    const ref = this.byUid.get(uid);
    if (!ref) return;
    const found = this.lookup(ref);
    if (found?.stored.obj.metadata.deletionTimestamp) this.enqueueGc(found.type, found.stored);
  }

  private enqueueGc(type: ResourceType, s: Stored): void {
    const m = s.obj.metadata;
    const ref: Ref = { typeId: type.id, ns: m.namespace ?? '', name: m.name! };
    const key = refKey(ref);
    if (m.deletionTimestamp) {
      const f = m.finalizers ?? [];
      if (f.includes('foregroundDeletion')) this.enqueue(`gc-fg:${key}`, () => this.processForeground(ref));
      if (f.includes('orphan')) this.enqueue(`gc-orphan:${key}`, () => this.processOrphan(ref));
      return;
    }
    if (m.ownerReferences?.length) this.enqueue(`gc-dep:${key}`, () => this.attemptToDelete(ref));
  }

  /** Deletes a dependent whose owners are all gone (or being deleted in the foreground). */
  private attemptToDelete(ref: Ref): void {
    const found = this.lookup(ref);
    if (!found) return;
    const { type, stored } = found;
    const obj = stored.obj;
    const refs = obj.metadata.ownerReferences ?? [];
    if (!refs.length || obj.metadata.deletionTimestamp) return;
    const solid: string[] = [];
    const dangling: string[] = [];
    const waiting: string[] = [];
    for (const o of refs) {
      const oref = o?.uid ? this.byUid.get(o.uid) : undefined;
      const owner = oref ? this.lookup(oref) : undefined;
      const ownerNamespaced = owner?.type.namespaced;
      if (!owner || (ownerNamespaced && (!type.namespaced || oref!.ns !== ref.ns))) dangling.push(o.uid);
      else if (owner.stored.obj.metadata.deletionTimestamp && (owner.stored.obj.metadata.finalizers ?? []).includes('foregroundDeletion')) {
        waiting.push(o.uid);
      } else solid.push(o.uid);
    }
    if (solid.length) {
      if (dangling.length || waiting.length) {
        const next = stored.copy();
        next.metadata.ownerReferences = refs.filter(o => solid.includes(o.uid));
        this.api.writeObject(type, stored, next, 'generic-garbage-collector');
      }
      return;
    }
    const hasDependents = (this.dependents.get(obj.metadata.uid!)?.size ?? 0) > 0;
    const policy = waiting.length && hasDependents ? 'Foreground' : 'Background';
    this.api.delete({ type, served: type.storage }, obj.metadata.namespace, obj.metadata.name!, {
      propagationPolicy: policy,
      preconditions: { uid: obj.metadata.uid },
    });
  }

  private processForeground(ref: Ref): void {
    const found = this.lookup(ref);
    if (!found) return;
    const obj = found.stored.obj;
    if (!obj.metadata.deletionTimestamp || !(obj.metadata.finalizers ?? []).includes('foregroundDeletion')) return;
    const uid = obj.metadata.uid!;
    let blocking = 0;
    for (const dk of [...(this.dependents.get(uid) ?? [])]) {
      const dref = parseRef(dk);
      const dep = this.lookup(dref);
      if (!dep) continue;
      const r = (dep.stored.obj.metadata.ownerReferences ?? []).find(o => o.uid === uid);
      if (!r) continue;
      if (r.blockOwnerDeletion === true) blocking++;
      if (!dep.stored.obj.metadata.deletionTimestamp) this.attemptToDelete(dref);
    }
    if (blocking === 0) this.api.removeFinalizer(found.type, obj.metadata.namespace, obj.metadata.name!, 'foregroundDeletion', 'generic-garbage-collector');
  }

  private processOrphan(ref: Ref): void {
    const found = this.lookup(ref);
    if (!found) return;
    const obj = found.stored.obj;
    if (!obj.metadata.deletionTimestamp || !(obj.metadata.finalizers ?? []).includes('orphan')) return;
    const uid = obj.metadata.uid!;
    for (const dk of [...(this.dependents.get(uid) ?? [])]) {
      const dep = this.lookup(parseRef(dk));
      if (!dep) continue;
      const next = dep.stored.copy();
      next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter(o => o.uid !== uid);
      this.api.writeObject(dep.type, dep.stored, next, 'generic-garbage-collector');
    }
    this.api.removeFinalizer(found.type, obj.metadata.namespace, obj.metadata.name!, 'orphan', 'generic-garbage-collector');
  }
}
