/**
 * The API server's semantics on top of the object store, shared by the HTTP API and the
 * in-process SimClient: create/update/patch/apply/delete with defaulting, validation,
 * generation, optimistic concurrency, status subresource, managedFields, dry-run,
 * finalizers and deletion propagation; lists with selectors and consistent pagination;
 * watch registration with resume from a resourceVersion.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  SimApiError,
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  gone,
  invalid,
  notFound,
  resourceNotServed,
  staleConflict,
  unsupportedMediaType,
} from './errors';
import { applyDefaults, initialStatus } from './defaults';
import { jsonPatch, mergePatch } from './patch';
import { Registry, Resolved, ResourceType, ServedVersion, toStorage } from './registry';
import {
  FieldSelector,
  LabelSelector,
  fieldValue,
  labelSelectorToString,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors';
import {
  Managers,
  applyConfig,
  decodeManagedFields,
  deepEqual,
  encodeManagedFields,
  isObject,
  managersEqual,
  nowTime,
  updateManagers,
} from './ssa';
import { strategicMerge } from './strategic-merge';
import { Bucket, ObjectStore, Stored, StoredEvent, WatchSink, objectKey } from './object-store';
import type { KubeObject, PatchType } from './types';
import { immutabilityErrors, validateObject } from './validation';

type Obj = Record<string, any>;

export interface RequestContext {
  /** `fieldManager` query parameter / option. */
  manager?: string;
  userAgent?: string;
  dryRun?: boolean;
  force?: boolean;
  subresource?: 'status' | 'scale';
  /** Internal: the namespace controller may change a namespace's spec.finalizers. */
  finalizeNamespace?: boolean;
}

export interface ListQuery {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: Stored[];
  resourceVersion: number;
  continue?: string;
  remainingItemCount?: number;
}

export interface DeleteQuery {
  propagationPolicy?: string;
  orphanDependents?: boolean;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/** Result of a write: the object as stored (or as it would be, for dry-run). */
export interface Outcome {
  obj: KubeObject;
  stored?: Stored;
  /** 201 for creates, 200 otherwise. */
  code: number;
  /** Deletion finished (object gone) rather than pending on finalizers. */
  deleted?: boolean;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Resume after this resourceVersion; unset or "0": start with the current objects as ADDED. */
  resourceVersion?: string;
  /** Force synthetic ADDED events for current objects even with a resourceVersion. */
  sendInitialEvents?: boolean;
}

export interface WatchDelivery {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  stored: Stored;
}

export interface WatchHandle {
  initial: WatchDelivery[];
  close(): void;
}

const NAMESPACES = '/namespaces';
const CRDS = 'apiextensions.k8s.io/customresourcedefinitions';
export const CRD_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
const MAX_GENERATE_ATTEMPTS = 8;
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(): string {
  const bytes = randomBytes(5);
  let s = '';
  for (const b of bytes) s += GENERATE_ALPHABET[b % GENERATE_ALPHABET.length];
  return s;
}

export function nowRfc3339(): string {
  return nowTime();
}

/** Manager name derived from a User-Agent the way the real server does (up to the first `/`). */
export function managerFromUserAgent(ua: string | undefined): string {
  if (!ua) return 'unknown';
  const slash = ua.indexOf('/');
  return (slash >= 0 ? ua.slice(0, slash) : ua).slice(0, 128) || 'unknown';
}

function isEmptyMap(v: unknown): boolean {
  return isObject(v) && Object.keys(v).length === 0;
}

/** Drops metadata fields that typed objects would omit when empty. */
function normalizeMeta(obj: KubeObject): void {
  const m = obj.metadata as Obj;
  for (const k of ['labels', 'annotations']) if (m[k] === null || isEmptyMap(m[k])) delete m[k];
  for (const k of ['finalizers', 'ownerReferences', 'managedFields']) {
    if (m[k] === null || (Array.isArray(m[k]) && m[k].length === 0)) delete m[k];
  }
  delete m.selfLink;
}

function withoutManaged(obj: KubeObject): KubeObject {
  if (!obj.metadata.managedFields) return obj;
  const { managedFields: _mf, ...meta } = obj.metadata;
  return { ...obj, metadata: meta };
}

/** Decoded managedFields of stored objects (they never change once stored). */
const decodedManagers = new WeakMap<KubeObject, Managers>();

function managersOf(obj: KubeObject): Managers {
  let m = decodedManagers.get(obj);
  if (!m) {
    m = decodeManagedFields(obj.metadata.managedFields);
    decodedManagers.set(obj, m);
  }
  return m;
}

function omit(obj: Obj | undefined, keys: string[]): Obj {
  const out: Obj = {};
  if (!obj) return out;
  for (const [k, v] of Object.entries(obj)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** Label and field selectors of one list or watch, parsed once. */
export class Matcher {
  readonly labels: LabelSelector;
  readonly fields: FieldSelector;

  constructor(readonly type: ResourceType, readonly served: ServedVersion, labelSelector?: string, fieldSelector?: string) {
    this.labels = parseLabelSelector(labelSelector);
    this.fields = parseFieldSelector(fieldSelector);
    if (served === type.storage) {
      for (const r of this.fields) {
        if (!type.fieldSelectors.includes(r.field)) {
          throw new SimApiError(400, 'BadRequest', `field label not supported: ${r.field}`);
        }
      }
    }
  }

  get trivial(): boolean {
    return this.labels.length === 0 && this.fields.length === 0;
  }

  matches(s: Stored): boolean {
    if (this.labels.length && !matchLabels(this.labels, s.obj.metadata.labels)) return false;
    if (this.fields.length) {
      const o = this.served === this.type.storage ? s.obj : s.view(this.served, this.type).obj;
      for (const r of this.fields) {
        let v = fieldValue(o as Obj, r.field);
        if (v === '' && this.type.fieldDefaults?.[r.field] !== undefined) v = this.type.fieldDefaults[r.field];
        if (r.op === '=' ? v !== r.value : v === r.value) return false;
      }
    }
    return true;
  }
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const d = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Obj;
    if (d.v !== 'meta.k8s.io/v1' || typeof d.rv !== 'number' || typeof d.start !== 'string') throw new Error('bad token');
    return { rv: d.rv, start: d.start };
  } catch {
    throw new SimApiError(400, 'BadRequest', `continue key is not valid: ${s}`, {
      causes: [{ reason: 'FieldValueInvalid', message: 'continue key is not valid', field: 'continue' }],
    });
  }
}

export interface ApiCoreOptions {
  eventWindow?: number;
  startRv?: number;
}

export class ApiCore {
  readonly registry = new Registry();
  readonly store: ObjectStore;
  private usedClusterIPs = new Set<string>();
  private nextIp = 1;
  private usedNodePorts = new Set<number>();

  constructor(opts: ApiCoreOptions = {}) {
    this.store = new ObjectStore({ startRv: opts.startRv, eventWindow: opts.eventWindow });
    for (const t of this.registry.all()) this.store.bucket(t);
  }

  // ---- lookups ------------------------------------------------------------------------

  resolveKind(apiVersion: string, kind: string): Resolved {
    const r = this.registry.byKind(apiVersion, kind);
    if (!r) {
      throw new SimApiError(404, 'NotFound', `the server could not find the requested resource (no kind "${kind}" is registered for version "${apiVersion}")`, {});
    }
    return r;
  }

  resolveResource(group: string, version: string, plural: string): Resolved {
    const r = this.registry.byResource(group, version, plural);
    if (!r) throw resourceNotServed();
    return r;
  }

  bucket(type: ResourceType): Bucket {
    return this.store.bucket(type);
  }

  getStored(type: ResourceType, namespace: string | undefined, name: string): Stored | undefined {
    return this.store.bucket(type).get(type.namespaced ? namespace : undefined, name);
  }

  get(r: Resolved, namespace: string | undefined, name: string): Stored {
    const s = this.getStored(r.type, namespace, name);
    if (!s) throw notFound(r.type, name);
    return s;
  }

  // ---- list -----------------------------------------------------------------------------

  list(r: Resolved, q: ListQuery = {}): ListResult {
    const { type, served } = r;
    const b = this.store.bucket(type);
    const matcher = new Matcher(type, served, q.labelSelector, q.fieldSelector);
    const ns = type.namespaced && q.namespace ? q.namespace : undefined;
    const current = this.store.rv;
    let snapshotRv: number | undefined;
    let startAfter = '';
    if (q.continue) {
      const t = decodeContinue(q.continue);
      snapshotRv = t.rv;
      startAfter = t.start;
    } else if (q.resourceVersion && q.resourceVersionMatch === 'Exact') {
      snapshotRv = Number(q.resourceVersion);
      if (!Number.isFinite(snapshotRv)) throw badRequest(`invalid resource version: ${q.resourceVersion}`);
    }
    let keys: string[];
    let lookup: (key: string) => Stored | undefined;
    if (snapshotRv !== undefined && snapshotRv < current) {
      if (b.compactedRv > snapshotRv) {
        if (q.continue) {
          throw gone(
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          );
        }
        throw gone(`too old resource version: ${snapshotRv} (${b.compactedRv + 1})`);
      }
      const overlay = this.historyOverlay(b, snapshotRv);
      const all = new Set<string>(b.sortedKeys(ns));
      for (const k of overlay.keys()) if (ns === undefined || k.startsWith(`${ns}/`)) all.add(k);
      keys = [...all].sort();
      lookup = k => (overlay.has(k) ? overlay.get(k) ?? undefined : b.items.get(k));
    } else {
      snapshotRv = current;
      keys = b.sortedKeys(ns);
      lookup = k => b.items.get(k);
    }
    let i = 0;
    if (startAfter) {
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (keys[mid] < startAfter) lo = mid + 1;
        else hi = mid;
      }
      i = lo;
    }
    const limit = q.limit && q.limit > 0 ? q.limit : Infinity;
    const items: Stored[] = [];
    let lastKey = '';
    for (; i < keys.length; i++) {
      const s = lookup(keys[i]);
      if (!s || !matcher.matches(s)) continue;
      if (items.length >= limit) break;
      items.push(s);
      lastKey = keys[i];
    }
    const result: ListResult = { items, resourceVersion: snapshotRv };
    if (i < keys.length && items.length >= limit) {
      // Only hand out a token if some later item matches.
      let more = false;
      let remaining = 0;
      for (let j = i; j < keys.length; j++) {
        const s = lookup(keys[j]);
        if (s && matcher.matches(s)) {
          more = true;
          remaining++;
          if (!matcher.trivial) break;
        }
      }
      if (more) {
        result.continue = encodeContinue({ rv: snapshotRv, start: `${lastKey}\u0000` });
        if (matcher.trivial) result.remainingItemCount = remaining;
      }
    }
    return result;
  }

  /** State of the keys changed after `rv`, as it was at `rv` (null: absent then). */
  private historyOverlay(b: Bucket, rv: number): Map<string, Stored | null> {
    const overlay = new Map<string, Stored | null>();
    const from = b.eventsAfter(rv);
    for (let i = b.events.length - 1; i >= from; i--) {
      const e = b.events[i];
      const o = e.cur.obj;
      const key = objectKey(b.type.namespaced ? o.metadata.namespace : '', o.metadata.name!);
      overlay.set(key, e.type === 'ADDED' ? null : e.prev ?? null);
    }
    return overlay;
  }

  // ---- watch ----------------------------------------------------------------------------

  /**
   * Registers a watch. `deliver` is called synchronously on every matching commit (in
   * commit order); the caller queues and writes. Events before registration come back
   * in `initial`.
   */
  watch(r: Resolved, opts: WatchOptions, deliver: (d: WatchDelivery) => void, onClose?: (reason: string) => void): WatchHandle {
    const { type, served } = r;
    const b = this.store.bucket(type);
    const matcher = new Matcher(type, served, opts.labelSelector, opts.fieldSelector);
    const ns = type.namespaced && opts.namespace ? opts.namespace : undefined;
    const initial: WatchDelivery[] = [];
    const rvParam = opts.resourceVersion;
    const fromRv = rvParam && rvParam !== '0' ? Number(rvParam) : undefined;
    if (fromRv !== undefined && !Number.isFinite(fromRv)) throw badRequest(`invalid resource version: ${rvParam}`);
    if (fromRv === undefined || opts.sendInitialEvents) {
      for (const key of b.sortedKeys(ns)) {
        const s = b.items.get(key);
        if (s && matcher.matches(s)) initial.push({ type: 'ADDED', stored: s });
      }
    } else {
      if (fromRv < b.compactedRv) {
        throw new SimApiError(410, 'Expired', `too old resource version: ${fromRv} (${b.compactedRv + 1})`);
      }
      for (let i = b.eventsAfter(fromRv); i < b.events.length; i++) {
        const d = this.filterEvent(b.events[i], matcher, ns);
        if (d) initial.push(d);
      }
    }
    const sink: WatchSink = {
      namespace: ns,
      push: e => {
        const d = this.filterEvent(e, matcher, ns);
        if (d) deliver(d);
      },
      close: reason => onClose?.(reason),
    };
    b.sinks.add(sink);
    return {
      initial,
      close: () => {
        b.sinks.delete(sink);
      },
    };
  }

  /** An event as a selector-filtered watch sees it (objects moving in or out of the selection become ADDED/DELETED). */
  private filterEvent(e: StoredEvent, m: Matcher, ns: string | undefined): WatchDelivery | undefined {
    if (ns !== undefined && (e.cur.obj.metadata.namespace ?? '') !== ns) return undefined;
    if (m.trivial) return { type: e.type, stored: e.cur };
    const now = m.matches(e.cur);
    if (e.type === 'DELETED') return now || (e.prev && m.matches(e.prev)) ? { type: 'DELETED', stored: e.cur } : undefined;
    if (e.type === 'ADDED') return now ? { type: 'ADDED', stored: e.cur } : undefined;
    const before = e.prev ? m.matches(e.prev) : false;
    if (now && before) return { type: 'MODIFIED', stored: e.cur };
    if (now) return { type: 'ADDED', stored: e.cur };
    if (before) return { type: 'DELETED', stored: e.cur };
    return undefined;
  }

  // ---- writes -----------------------------------------------------------------------------

  private managerOf(ctx: RequestContext): string {
    return ctx.manager ?? managerFromUserAgent(ctx.userAgent);
  }

  private defaultingContext() {
    return {
      allocateClusterIP: () => this.allocateClusterIP(),
      allocateNodePort: () => this.allocateNodePort(),
    };
  }

  private allocateClusterIP(): string {
    if (this.usedClusterIPs.size === 0) {
      for (const s of this.store.bucket(this.registry.get('/services')!).items.values()) {
        const ip = s.obj.spec?.clusterIP;
        if (typeof ip === 'string') this.usedClusterIPs.add(ip);
      }
    }
    // 10.96.0.0/12, skipping .0.1 (the kubernetes Service's address).
    for (let n = 0; n < 1 << 20; n++) {
      const i = ((this.nextIp + n) % ((1 << 20) - 2)) + 2;
      const ip = `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
      if (!this.usedClusterIPs.has(ip)) {
        this.usedClusterIPs.add(ip);
        this.nextIp = i;
        return ip;
      }
    }
    throw new SimApiError(500, 'InternalError', 'Internal error occurred: failed to allocate a serviceIP: range is full');
  }

  private allocateNodePort(): number {
    if (this.usedNodePorts.size === 0) {
      for (const s of this.store.bucket(this.registry.get('/services')!).items.values()) {
        for (const port of (s.obj.spec?.ports ?? []) as Obj[]) if (typeof port?.nodePort === 'number') this.usedNodePorts.add(port.nodePort);
      }
    }
    for (let p = 30000; p <= 32767; p++) {
      if (!this.usedNodePorts.has(p)) {
        this.usedNodePorts.add(p);
        return p;
      }
    }
    throw new SimApiError(500, 'InternalError', 'Internal error occurred: failed to allocate a nodePort: range is full');
  }

  /** Checks the namespace of a new namespaced object exists and is not terminating. */
  private checkNamespace(type: ResourceType, ns: string, name: string): void {
    const nsObj = this.getStored(this.registry.get(NAMESPACES)!, undefined, ns);
    if (!nsObj) throw notFound({ group: '', plural: 'namespaces' }, ns);
    if (nsObj.obj.metadata.deletionTimestamp && type.kind !== 'Event') {
      throw forbidden(type, name, `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  private checkKind(body: Obj, served: ServedVersion): void {
    if (!isObject(body)) throw badRequest('the body of the request must be a JSON object');
    if (body.kind === undefined || body.kind === '') body.kind = served.kind;
    if (body.apiVersion === undefined || body.apiVersion === '') body.apiVersion = served.apiVersion;
    if (body.apiVersion !== served.apiVersion) {
      throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${served.apiVersion})`);
    }
    if (body.kind !== served.kind) {
      throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${served.kind})`);
    }
    if (body.metadata === undefined || body.metadata === null) body.metadata = {};
    if (!isObject(body.metadata)) throw badRequest('metadata must be an object');
  }

  private nextGeneration(type: ResourceType, live: KubeObject, next: KubeObject): number | undefined {
    if (type.generation === 'none') return live.metadata.generation;
    const g = live.metadata.generation ?? 1;
    let changed: boolean;
    switch (type.generation) {
      case 'spec':
        changed = !deepEqual(live.spec, next.spec);
        break;
      case 'spec+annotations':
        changed = !deepEqual(live.spec, next.spec) || !deepEqual(live.metadata.annotations ?? {}, next.metadata.annotations ?? {});
        break;
      case 'nonstatus':
        changed = !deepEqual(omit(live, ['metadata', 'status', 'apiVersion', 'kind']), omit(next, ['metadata', 'status', 'apiVersion', 'kind']));
        break;
      default:
        changed = !deepEqual(omit(live, ['metadata', 'apiVersion', 'kind']), omit(next, ['metadata', 'apiVersion', 'kind']));
    }
    return changed ? g + 1 : g;
  }

  private validate(type: ResourceType, obj: KubeObject, old?: KubeObject): void {
    const errs = validateObject(type, obj);
    if (old) errs.push(...immutabilityErrors(type, old, obj));
    if (errs.length) throw invalid(type.kind, type.group, obj.metadata.name ?? obj.metadata.generateName ?? '', errs);
  }

  /** POST: create an object (`body` in the served version's shape, owned by the caller). */
  create(r: Resolved, namespace: string | undefined, body: Obj, ctx: RequestContext = {}): Outcome {
    this.checkKind(body, r.served);
    return this.createInternal(r, namespace, toStorage(body as KubeObject, r.served, r.type), ctx);
  }

  private createInternal(r: Resolved, namespace: string | undefined, obj: KubeObject, ctx: RequestContext, applied?: Managers): Outcome {
    const { type, served } = r;
    const meta = obj.metadata;
    if (type.namespaced) {
      if (namespace && meta.namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace || meta.namespace;
      if (!meta.namespace) throw badRequest('the namespace of the provided object is required');
    } else delete meta.namespace;
    if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink']) delete (meta as Obj)[k];
    const generated = !meta.name && !!meta.generateName;
    if (generated) meta.name = `${meta.generateName}${randomSuffix()}`;
    if (type.statusSubresource && !(type.group === '' && type.kind === 'Node')) {
      const st = initialStatus(type.group, obj);
      if (st === undefined) delete obj.status;
      else obj.status = st;
    }
    if (type.namespaced && type.id !== NAMESPACES) this.checkNamespace(type, meta.namespace!, meta.name ?? '');
    meta.uid = randomUUID();
    meta.creationTimestamp = nowRfc3339();
    if (type.group === 'batch' && type.kind === 'Job') this.jobSelector(obj);
    if (type.id === NAMESPACES) obj.spec = { ...(obj.spec ?? {}), finalizers: ['kubernetes'] };
    applyDefaults(type.group, obj, this.defaultingContext());
    if (type.generation !== 'none') meta.generation = 1;
    normalizeMeta(obj);
    this.validate(type, obj);
    const b = this.store.bucket(type);
    if (generated) {
      for (let i = 0; b.get(meta.namespace, meta.name!) && i < MAX_GENERATE_ATTEMPTS; i++) meta.name = `${meta.generateName}${randomSuffix()}`;
    }
    if (b.get(meta.namespace, meta.name!)) throw alreadyExists(type, meta.name!);
    const managers =
      applied ??
      updateManagers(undefined, withoutManaged(obj), type.storage.schema, decodeManagedFields(meta.managedFields), {
        manager: this.managerOf(ctx),
        apiVersion: served.apiVersion,
      });
    const encoded = encodeManagedFields(managers);
    if (encoded.length) meta.managedFields = encoded;
    else delete meta.managedFields;
    if (ctx.dryRun) return { obj, code: 201 };
    const stored = this.store.put(type, obj);
    return { obj: stored.obj, stored, code: 201 };
  }

  private jobSelector(obj: KubeObject): void {
    const spec: Obj = (obj.spec ??= {});
    if (spec.manualSelector === true) return;
    const uid = obj.metadata.uid!;
    const name = obj.metadata.name!;
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    const tpl: Obj = (spec.template ??= {});
    const tm: Obj = (tpl.metadata ??= {});
    tm.labels = {
      ...(tm.labels ?? {}),
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': name,
      'controller-uid': uid,
      'job-name': name,
    };
  }

  /** PUT: replace an object (or its status). */
  update(r: Resolved, namespace: string | undefined, name: string, body: Obj, ctx: RequestContext = {}): Outcome {
    this.checkKind(body, r.served);
    const meta = body.metadata as Obj;
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    if (r.type.namespaced && namespace && meta.namespace !== undefined && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const live = this.getStored(r.type, namespace, name);
    if (!live) {
      if (r.type.allowCreateOnUpdate && !ctx.subresource) {
        meta.name = name;
        return this.create(r, namespace, body, ctx);
      }
      throw notFound(r.type, name);
    }
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '' && meta.resourceVersion !== live.obj.metadata.resourceVersion) {
      throw staleConflict(r.type, name);
    }
    return this.finishUpdate(r, live, toStorage(body as KubeObject, r.served, r.type), ctx);
  }

  /** PATCH (json, merge, strategic) or server-side apply. */
  patch(r: Resolved, namespace: string | undefined, name: string, type: PatchType, patch: unknown, ctx: RequestContext = {}): Outcome {
    if (type === 'apply') return this.apply(r, namespace, name, patch, ctx);
    const live = this.getStored(r.type, namespace, name);
    if (!live) throw notFound(r.type, name);
    if (type === 'strategic' && r.type.custom) {
      throw unsupportedMediaType(
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      );
    }
    const base = live.copy(r.served, r.type);
    let patched: Obj;
    switch (type) {
      case 'json':
        patched = jsonPatch(base, patch);
        break;
      case 'merge':
        if (!isObject(patch)) throw badRequest('merge patch must be a JSON object');
        patched = mergePatch(base, patch) as Obj;
        break;
      case 'strategic':
        patched = strategicMerge(base, patch, r.served.schema);
        break;
      default:
        throw unsupportedMediaType(`unsupported patch type ${String(type)}`);
    }
    if (!isObject(patched.metadata)) patched.metadata = {};
    const pm = patched.metadata as Obj;
    if (pm.name !== name) throw badRequest(`the name of the object (${pm.name}) does not match the name on the URL (${name})`);
    if (pm.resourceVersion !== undefined && pm.resourceVersion !== live.obj.metadata.resourceVersion) {
      throw staleConflict(r.type, name);
    }
    if (patched.apiVersion !== r.served.apiVersion || patched.kind !== r.served.kind) {
      throw badRequest('apiVersion and kind cannot be changed by a patch');
    }
    return this.finishUpdate(r, live, toStorage(patched as KubeObject, r.served, r.type), ctx);
  }

  private apply(r: Resolved, namespace: string | undefined, name: string, config: unknown, ctx: RequestContext): Outcome {
    const { type, served } = r;
    if (!ctx.manager) throw badRequest('PATCH requests with apply content type must have a field manager (fieldManager is required for apply requests)');
    if (!isObject(config)) throw badRequest('error decoding YAML: the applied configuration must be an object');
    const cfg = config as Obj;
    if (!cfg.apiVersion || !cfg.kind) throw badRequest(`Object 'Kind' is missing in the applied configuration`);
    if (cfg.apiVersion !== served.apiVersion || cfg.kind !== served.kind) {
      throw badRequest(`the API version and kind in the data (${cfg.apiVersion}, ${cfg.kind}) do not match the expected (${served.apiVersion}, ${served.kind})`);
    }
    if (cfg.metadata === undefined || cfg.metadata === null) cfg.metadata = {};
    if (!isObject(cfg.metadata)) throw badRequest('metadata must be an object');
    const cm = cfg.metadata as Obj;
    if (cm.name !== undefined && cm.name !== name) throw badRequest(`the name of the object (${cm.name}) does not match the name on the URL (${name})`);
    cm.name = name;
    if (type.namespaced) {
      if (cm.namespace !== undefined && namespace && cm.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      if (namespace) cm.namespace = namespace;
    } else delete cm.namespace;
    if (cm.managedFields !== undefined) throw badRequest('metadata.managedFields must be nil');
    const live = this.getStored(type, namespace, name);
    const sub = ctx.subresource === 'status' ? 'status' : undefined;
    if (sub && !type.statusSubresource) throw notFound(type, name);
    if (cm.resourceVersion !== undefined) {
      if (!live || cm.resourceVersion !== live.obj.metadata.resourceVersion) throw staleConflict(type, name);
    }
    if (cm.uid !== undefined && live && cm.uid !== live.obj.metadata.uid) {
      throw conflict(type, name, `Precondition failed: UID in precondition: ${cm.uid}, UID in object meta: ${live.obj.metadata.uid}`);
    }
    let applied: Obj = cfg;
    if (sub) applied = { apiVersion: cfg.apiVersion, kind: cfg.kind, metadata: { name, ...(cm.namespace ? { namespace: cm.namespace } : {}) }, status: cfg.status };
    else if (type.statusSubresource) delete applied.status;
    if (!live && sub) throw notFound(type, name);
    // The apply merge never mutates its input (it rebuilds what it returns), so the stored
    // object can be read in place.
    const liveServed = live ? withoutManaged(live.view(served, type).obj) : undefined;
    const liveManagers = live ? managersOf(live.obj) : new Map();
    const res = applyConfig(liveServed, applied, served.schema, liveManagers, {
      manager: ctx.manager,
      apiVersion: served.apiVersion,
      force: ctx.force === true,
      subresource: sub,
    });
    const candidate = toStorage(res.object as KubeObject, served, type);
    if (!live) return this.createInternal(r, namespace, candidate, ctx, res.managers);
    return this.finishUpdate(r, live, candidate, ctx, res.managers);
  }

  /** Common tail of update, patch and apply: identity, status handling, defaulting, validation, bookkeeping, commit. */
  private finishUpdate(r: Resolved, live: Stored, candidate: KubeObject, ctx: RequestContext, applied?: Managers): Outcome {
    const { type, served } = r;
    const liveObj = live.obj;
    if (!isObject(candidate.metadata)) candidate.metadata = {};
    const cmeta = candidate.metadata as Obj;
    if (cmeta.uid !== undefined && cmeta.uid !== '' && cmeta.uid !== liveObj.metadata.uid) {
      throw conflict(type, liveObj.metadata.name!, `Precondition failed: UID in precondition: ${cmeta.uid}, UID in object meta: ${liveObj.metadata.uid}`);
    }
    const requestManaged = cmeta.managedFields;
    let next: KubeObject;
    if (ctx.subresource === 'status') {
      if (!type.statusSubresource) throw notFound(type, liveObj.metadata.name!);
      next = live.copy();
      if (candidate.status === undefined) delete next.status;
      else next.status = candidate.status;
      if (!type.custom) {
        // Built-in status strategies let metadata labels and annotations through (the Deployment controller records revisions this way).
        if (cmeta.labels !== undefined) next.metadata.labels = cmeta.labels;
        if (cmeta.annotations !== undefined) next.metadata.annotations = cmeta.annotations;
      }
    } else {
      next = candidate;
      if (type.statusSubresource) {
        if (liveObj.status === undefined) delete next.status;
        else next.status = structuredClone(liveObj.status);
      }
    }
    const nmeta = next.metadata as Obj;
    for (const k of ['name', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generateName']) {
      const v = (liveObj.metadata as Obj)[k];
      if (v === undefined) delete nmeta[k];
      else nmeta[k] = v;
    }
    if (type.namespaced) nmeta.namespace = liveObj.metadata.namespace;
    else delete nmeta.namespace;
    nmeta.resourceVersion = liveObj.metadata.resourceVersion;
    next.apiVersion = type.storage.apiVersion;
    next.kind = type.storage.kind;
    if (type.id === NAMESPACES && !ctx.finalizeNamespace) {
      // spec.finalizers only change through the namespace controller (`/finalize`).
      const fin = (liveObj.spec as Obj | undefined)?.finalizers;
      next.spec = { ...(next.spec ?? {}) };
      if (fin === undefined) delete next.spec.finalizers;
      else next.spec.finalizers = fin;
    }
    applyDefaults(type.group, next, this.defaultingContext());
    const gen = ctx.subresource ? liveObj.metadata.generation : this.nextGeneration(type, liveObj, next);
    if (gen === undefined) delete nmeta.generation;
    else nmeta.generation = gen;
    normalizeMeta(next);
    this.validate(type, next, liveObj);
    let managers: Managers;
    if (applied) managers = applied;
    else {
      const base =
        requestManaged !== undefined && requestManaged !== liveObj.metadata.managedFields
          ? decodeManagedFields(requestManaged)
          : managersOf(liveObj);
      managers = updateManagers(withoutManaged(liveObj), withoutManaged(next), type.storage.schema, base, {
        manager: this.managerOf(ctx),
        apiVersion: served.apiVersion,
        subresource: ctx.subresource,
      });
    }
    const encoded = encodeManagedFields(managers);
    if (encoded.length) nmeta.managedFields = encoded;
    else delete nmeta.managedFields;

    const nsFinalizersLeft = type.id === NAMESPACES && ((next.spec as Obj | undefined)?.finalizers ?? []).length > 0;
    if (liveObj.metadata.deletionTimestamp && !(next.metadata.finalizers ?? []).length && !nsFinalizersLeft) {
      if (ctx.dryRun) return { obj: next, code: 200 };
      const stored = this.store.remove(type, liveObj.metadata.namespace, liveObj.metadata.name!, next)!;
      return { obj: stored.obj, stored, code: 200, deleted: true };
    }
    if (deepEqual(withoutManaged(liveObj), withoutManaged(next)) && managersEqual(managersOf(liveObj), managers)) {
      return { obj: liveObj, stored: live, code: 200 };
    }
    if (ctx.dryRun) return { obj: next, code: 200 };
    const stored = this.store.put(type, next);
    return { obj: stored.obj, stored, code: 200 };
  }

  // ---- delete ---------------------------------------------------------------------------

  delete(r: Resolved, namespace: string | undefined, name: string, q: DeleteQuery = {}): Outcome {
    const { type } = r;
    const live = this.getStored(type, namespace, name);
    if (!live) throw notFound(type, name);
    const liveObj = live.obj;
    if (q.preconditions?.uid && q.preconditions.uid !== liveObj.metadata.uid) {
      throw conflict(type, name, `Precondition failed: UID in precondition: ${q.preconditions.uid}, UID in object meta: ${liveObj.metadata.uid}`);
    }
    if (q.preconditions?.resourceVersion && q.preconditions.resourceVersion !== liveObj.metadata.resourceVersion) {
      throw conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${q.preconditions.resourceVersion}, ResourceVersion in object meta: ${liveObj.metadata.resourceVersion}`,
      );
    }
    let policy = q.propagationPolicy;
    if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
      throw invalid('DeleteOptions', '', '', [
        { field: 'propagationPolicy', type: 'FieldValueNotSupported', value: policy, detail: 'supported values: "Foreground", "Background", "Orphan", "nil"' },
      ]);
    }
    if (!policy && q.orphanDependents !== undefined) policy = q.orphanDependents ? 'Orphan' : 'Background';
    const finalizers = [...(liveObj.metadata.finalizers ?? [])];
    if (!policy) {
      if (finalizers.includes('orphan')) policy = 'Orphan';
      else if (finalizers.includes('foregroundDeletion')) policy = 'Foreground';
      else policy = type.gcDefault;
    }
    const drop = (f: string) => {
      const i = finalizers.indexOf(f);
      if (i >= 0) finalizers.splice(i, 1);
    };
    if (type.id === NAMESPACES || type.id === CRDS) {
      // These always go through their finalizing controllers.
    } else if (policy === 'Foreground') {
      drop('orphan');
      if (!finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    } else if (policy === 'Orphan') {
      drop('foregroundDeletion');
      if (!finalizers.includes('orphan')) finalizers.push('orphan');
    } else if (!liveObj.metadata.deletionTimestamp) {
      drop('orphan');
      drop('foregroundDeletion');
    }
    const ctx: RequestContext = { dryRun: q.dryRun };
    if (type.id === NAMESPACES) return this.markDeleting(r, live, finalizers, ctx, next => {
      next.status = { ...(next.status ?? {}), phase: 'Terminating' };
    });
    if (type.id === CRDS) {
      if (!finalizers.includes(CRD_FINALIZER)) finalizers.push(CRD_FINALIZER);
      return this.markDeleting(r, live, finalizers, ctx, next => {
        const st: Obj = (next.status ??= {});
        const conds: Obj[] = (st.conditions ?? []).filter((c: Obj) => c.type !== 'Terminating');
        conds.push({
          type: 'Terminating',
          status: 'True',
          lastTransitionTime: nowRfc3339(),
          reason: 'InstanceDeletionPending',
          message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
        });
        st.conditions = conds;
      });
    }
    if (finalizers.length > 0 || liveObj.metadata.deletionTimestamp) {
      return this.markDeleting(r, live, finalizers, ctx);
    }
    if (q.dryRun) return { obj: liveObj, code: 200, deleted: true };
    const stored = this.store.remove(type, liveObj.metadata.namespace, name)!;
    return { obj: stored.obj, stored, code: 200, deleted: true };
  }

  /** Sets deletionTimestamp (once) and the finalizers; the object stays until they are removed. */
  private markDeleting(r: Resolved, live: Stored, finalizers: string[], ctx: RequestContext, mutate?: (next: KubeObject) => void): Outcome {
    const next = live.copy();
    const m = next.metadata;
    if (!m.deletionTimestamp) {
      m.deletionTimestamp = nowRfc3339();
      (m as Obj).deletionGracePeriodSeconds = 0;
      if (typeof m.generation === 'number' && m.generation > 0) m.generation += 1;
    }
    if (finalizers.length) m.finalizers = finalizers;
    else delete m.finalizers;
    mutate?.(next);
    if (deepEqual(next, live.obj)) return { obj: live.obj, stored: live, code: 200 };
    if (ctx.dryRun) return { obj: next, code: 200 };
    if (!finalizers.length && r.type.id !== NAMESPACES) {
      const stored = this.store.remove(r.type, m.namespace, m.name!, next)!;
      return { obj: stored.obj, stored, code: 200, deleted: true };
    }
    const stored = this.store.put(r.type, next);
    return { obj: stored.obj, stored, code: 200 };
  }

  deleteCollection(r: Resolved, q: ListQuery, d: DeleteQuery): Outcome[] {
    const items = this.list(r, { namespace: q.namespace, labelSelector: q.labelSelector, fieldSelector: q.fieldSelector }).items;
    const out: Outcome[] = [];
    for (const s of items) {
      try {
        out.push(this.delete(r, s.obj.metadata.namespace, s.obj.metadata.name!, d));
      } catch (e) {
        if (!(e instanceof SimApiError && e.code === 404)) throw e;
      }
    }
    return out;
  }

  // ---- internal writes used by the simulated control plane --------------------------------

  /** Removes finalizer `f` from an object, if present (finishing a deletion when it was the last). */
  removeFinalizer(type: ResourceType, namespace: string | undefined, name: string, f: string, manager: string): void {
    const live = this.getStored(type, namespace, name);
    if (!live || !(live.obj.metadata.finalizers ?? []).includes(f)) return;
    const next = live.copy();
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter(x => x !== f);
    this.finishUpdate({ type, served: type.storage }, live, next, { manager });
  }

  /** The namespace controller's last step: drop the `kubernetes` spec finalizer, which removes the namespace. */
  finalizeNamespace(name: string, manager: string): void {
    const type = this.registry.get(NAMESPACES)!;
    const live = this.getStored(type, undefined, name);
    if (!live || !live.obj.metadata.deletionTimestamp) return;
    const next = live.copy();
    next.spec = { ...(next.spec ?? {}), finalizers: ((next.spec?.finalizers ?? []) as string[]).filter(f => f !== 'kubernetes') };
    if (!next.spec.finalizers.length) delete next.spec.finalizers;
    this.finishUpdate({ type, served: type.storage }, live, next, { manager, finalizeNamespace: true });
  }

  /** Writes a new status for an object (system controllers). */
  writeStatus(type: ResourceType, live: Stored, status: unknown, manager: string): Outcome {
    const next = live.copy();
    next.status = status;
    return this.finishUpdate({ type, served: type.storage }, live, next, { manager, subresource: 'status' });
  }

  /** Replaces an object from the control plane (e.g. removing an ownerReference). */
  writeObject(type: ResourceType, live: Stored, next: KubeObject, manager: string): Outcome {
    return this.finishUpdate({ type, served: type.storage }, live, next, { manager });
  }

  // ---- scale subresource ------------------------------------------------------------------

  getScale(r: Resolved, namespace: string | undefined, name: string): KubeObject {
    const spec = r.type.scale;
    if (!spec) throw notFound(r.type, name);
    const s = this.get(r, namespace, name);
    const o = s.view(r.served, r.type).obj;
    const read = (p: string | undefined) => (p ? p.replace(/^\./, '').split('.').reduce<any>((a, k) => (a === null || a === undefined ? undefined : a[k]), o) : undefined);
    let selector = read(spec.labelSelectorPath);
    if (selector === undefined && o.spec?.selector) selector = labelSelectorToString(o.spec.selector);
    const status: Obj = { replicas: read(spec.statusReplicasPath) ?? 0 };
    if (selector) status.selector = typeof selector === 'string' ? selector : labelSelectorToString(selector);
    return {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: {
        name: o.metadata.name,
        namespace: o.metadata.namespace,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        creationTimestamp: o.metadata.creationTimestamp,
      },
      spec: { replicas: read(spec.specReplicasPath) ?? 0 },
      status,
    };
  }

  /** Writes `spec.replicas` through the scale subresource. */
  setScale(r: Resolved, namespace: string | undefined, name: string, scale: Obj, ctx: RequestContext): KubeObject {
    const spec = r.type.scale;
    if (!spec) throw notFound(r.type, name);
    const live = this.get(r, namespace, name);
    const rv = scale?.metadata?.resourceVersion;
    if (rv && rv !== live.obj.metadata.resourceVersion) throw staleConflict(r.type, name);
    const replicas = scale?.spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid('Scale', 'autoscaling', name, [{ field: 'spec.replicas', type: 'FieldValueInvalid', value: replicas, detail: 'must be greater than or equal to 0' }]);
    }
    const next = live.copy(r.served, r.type);
    const parts = spec.specReplicasPath.replace(/^\./, '').split('.');
    let cur: Obj = next;
    for (const p of parts.slice(0, -1)) cur = cur[p] ??= {};
    cur[parts[parts.length - 1]] = replicas;
    this.finishUpdate(r, live, toStorage(next, r.served, r.type), { ...ctx, subresource: undefined, manager: ctx.manager });
    return this.getScaleAfter(r, namespace, name, ctx.dryRun ? replicas : undefined);
  }

  private getScaleAfter(r: Resolved, namespace: string | undefined, name: string, dryRunReplicas?: number): KubeObject {
    const s = this.getScale(r, namespace, name);
    if (dryRunReplicas !== undefined) s.spec.replicas = dryRunReplicas;
    return s;
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof SimApiError && e.code === 404;
}
