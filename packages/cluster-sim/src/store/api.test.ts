/**
 * API semantics of the store through the in-process SimClient and ApiCore: defaulting,
 * validation, generation, concurrency, status subresource, dry-run, pagination snapshots,
 * watch resume and expiry, finalizers, garbage collection, namespace and CRD lifecycles.
 */
import { ApiCore } from './api';
import { createSimClient } from './client';
import { ControlPlane } from './control-plane';
import { SimApiError } from './errors';
import type { KubeObject, SimClient, WatchEvent } from './types';

interface Cluster {
  api: ApiCore;
  cp: ControlPlane;
  client: SimClient;
}

async function cluster(eventWindow?: number): Promise<Cluster> {
  const api = new ApiCore({ eventWindow });
  const cp = new ControlPlane(api, { caPem: 'CA' });
  cp.start();
  cp.bootstrap();
  await cp.idle();
  return { api, cp, client: createSimClient(api) };
}

function errorOf(fn: () => unknown): SimApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimApiError) return e;
    throw e;
  }
  throw new Error('expected an API error');
}

const cm = (name: string, data: Record<string, string> = {}, ns = 'default'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data,
});

const deployment = (name = 'web'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
  },
});

const nextTick = () => new Promise(r => setImmediate(r));

describe('writes', () => {
  let c: Cluster;
  beforeEach(async () => {
    c = await cluster();
  });
  afterEach(() => c.cp.stop());

  it('defaults what the real API server defaults', () => {
    const d = c.client.create(deployment());
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    expect(d.spec.template.spec.restartPolicy).toBe('Always');
    expect(d.spec.template.spec.containers[0]).toMatchObject({ terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' });
    expect(d.metadata.generation).toBe(1);
    const svc = c.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] });
    expect(svc.spec.clusterIP).toMatch(/^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
    expect(svc.spec.clusterIP).not.toBe('10.96.0.1');
    const cmObj = c.client.create(cm('c1'));
    expect(cmObj.metadata.generation).toBeUndefined();
  });

  it('validates names per kind and required fields', () => {
    expect(errorOf(() => c.client.create(cm('Bad_Name'))).message).toMatch(/^ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    expect(errorOf(() => c.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: '1svc', namespace: 'default' }, spec: { ports: [{ port: 80 }] } })).message).toContain('DNS-1035');
    expect(errorOf(() => c.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } })).message).toContain('RFC 1123 label');
    const bad = deployment();
    delete bad.spec.selector;
    bad.spec.template.spec.containers = [];
    const e = errorOf(() => c.client.create(bad));
    expect(e.code).toBe(422);
    expect(e.message).toBe('Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.spec.containers: Required value]'.replace('Deployment.apps', 'Deployment'));
  });

  it('rejects duplicates, stale updates and unknown kinds the way the API server does', () => {
    const c1 = c.client.create(cm('c1', { a: '1' }));
    expect(errorOf(() => c.client.create(cm('c1'))).message).toBe('configmaps "c1" already exists');
    c.client.update({ ...c1, data: { a: '2' } });
    const stale = errorOf(() => c.client.update({ ...c1, data: { a: '3' } }));
    expect(stale.code).toBe(409);
    expect(stale.message).toBe('Operation cannot be fulfilled on configmaps "c1": the object has been modified; please apply your changes to the latest version and try again');
    expect(errorOf(() => c.client.get('v9', 'Nope', 'default', 'x')).code).toBe(404);
    expect(errorOf(() => c.client.patch('v1', 'ConfigMap', 'default', 'missing', 'merge', {})).message).toBe('configmaps "missing" not found');
    expect(c.client.get('v1', 'ConfigMap', 'default', 'c1')!.data).toEqual({ a: '2' });
  });

  it('bumps generation on spec changes only (and on Deployment annotations), never on metadata-only changes', () => {
    let d = c.client.create(deployment());
    d = c.client.patch('apps/v1', 'Deployment', 'default', 'web', 'merge', { metadata: { labels: { x: '1' } } });
    expect(d.metadata.generation).toBe(1);
    d = c.client.patch('apps/v1', 'Deployment', 'default', 'web', 'merge', { metadata: { annotations: { note: 'n' } } });
    expect(d.metadata.generation).toBe(2);
    d = c.client.patch('apps/v1', 'Deployment', 'default', 'web', 'merge', { spec: { replicas: 3 } });
    expect(d.metadata.generation).toBe(3);
    d = c.client.updateStatus({ ...d, status: { replicas: 3, observedGeneration: 3 } });
    expect(d.metadata.generation).toBe(3);
    expect(d.status.replicas).toBe(3);
  });

  it('keeps status out of main writes and spec out of status writes', () => {
    const d = c.client.create({ ...deployment(), status: { replicas: 9 } });
    expect(d.status).toEqual({});
    const main = c.client.update({ ...d, spec: { ...d.spec, replicas: 2 }, status: { replicas: 5 } });
    expect(main.spec.replicas).toBe(2);
    expect(main.status).toEqual({});
    const st = c.client.updateStatus({ ...main, spec: { ...main.spec, replicas: 7 }, status: { replicas: 5 } });
    expect(st.spec.replicas).toBe(2);
    expect(st.status).toEqual({ replicas: 5 });
    expect(st.metadata.managedFields!.some((m: any) => m.subresource === 'status')).toBe(true);
  });

  it('answers JSON patch problems with 422 and malformed patches with 400, changing nothing', () => {
    c.client.create(cm('c1', { a: '1' }));
    const missing = errorOf(() => c.client.patch('v1', 'ConfigMap', 'default', 'c1', 'json', [{ op: 'remove', path: '/data/missing' }]));
    expect(missing.code).toBe(422);
    expect(missing.reason).toBe('Invalid');
    expect(missing.details?.causes?.[0].message).toBe('remove operation does not apply: doc is missing path: "/data/missing": missing value');
    expect(errorOf(() => c.client.patch('v1', 'ConfigMap', 'default', 'c1', 'json', [{ op: 'test', path: '/data/a', value: '2' }])).code).toBe(422);
    expect(errorOf(() => c.client.patch('v1', 'ConfigMap', 'default', 'c1', 'json', { op: 'remove' })).code).toBe(400);
    const ok = c.client.patch('v1', 'ConfigMap', 'default', 'c1', 'json', [{ op: 'test', path: '/data/a', value: '1' }, { op: 'add', path: '/data/b', value: '2' }]);
    expect(ok.data).toEqual({ a: '1', b: '2' });
  });

  it('dry-run writes return the would-be object and store nothing', async () => {
    const events: string[] = [];
    const stop = c.client.watch('v1', 'ConfigMap', e => events.push(`${e.type} ${e.object.metadata.name}`));
    const rv = c.api.store.rv;
    const dry = c.client.create(cm('d1', { a: '1' }), { dryRun: true });
    expect(dry.metadata.uid).toBeTruthy();
    expect(c.client.get('v1', 'ConfigMap', 'default', 'd1')).toBeUndefined();
    const real = c.client.create(cm('d2', { a: '1' }));
    const upd = c.client.update({ ...real, data: { a: '2' } }, { dryRun: true });
    expect(upd.data).toEqual({ a: '2' });
    const pat = c.client.patch('v1', 'ConfigMap', 'default', 'd2', 'apply', cm('d2', { a: '3' }), { dryRun: true, fieldManager: 'x', force: true });
    expect(pat.data).toEqual({ a: '3' });
    expect(pat.metadata.resourceVersion).toBe(real.metadata.resourceVersion);
    c.client.delete('v1', 'ConfigMap', 'default', 'd2', { dryRun: true });
    expect(c.client.get('v1', 'ConfigMap', 'default', 'd2')!.data).toEqual({ a: '1' });
    expect(c.api.store.rv).toBe(rv + 1);
    await nextTick();
    expect(events).toEqual(['ADDED d2']);
    stop();
  });

  it('refuses strategic merge on custom resources with 415', async () => {
    c.client.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.t.io' },
      spec: { group: 't.io', scope: 'Namespaced', names: { plural: 'things', kind: 'Thing' }, versions: [{ name: 'v1', served: true, storage: true }] },
    });
    await c.cp.idle();
    c.client.create({ apiVersion: 't.io/v1', kind: 'Thing', metadata: { name: 'a', namespace: 'default' }, spec: { x: 1 } });
    const e = errorOf(() => c.client.patch('t.io/v1', 'Thing', 'default', 'a', 'strategic', { spec: { x: 2 } }));
    expect(e.code).toBe(415);
    expect(e.reason).toBe('UnsupportedMediaType');
  });
});

describe('lists and watches', () => {
  it('paginates over a consistent snapshot', async () => {
    const c = await cluster();
    for (const n of ['a', 'b', 'c', 'd', 'e']) c.client.create(cm(n, {}, 'kube-public'));
    const r = c.api.resolveKind('v1', 'ConfigMap');
    const page1 = c.api.list(r, { namespace: 'kube-public', limit: 2 });
    expect(page1.items.map(s => s.obj.metadata.name)).toEqual(['a', 'b']);
    expect(page1.remainingItemCount).toBe(4); // c, d, e and kube-root-ca.crt
    c.client.delete('v1', 'ConfigMap', 'kube-public', 'c');
    c.client.patch('v1', 'ConfigMap', 'kube-public', 'd', 'merge', { data: { changed: 'yes' } });
    c.client.create(cm('bb', {}, 'kube-public'));
    const page2 = c.api.list(r, { namespace: 'kube-public', limit: 2, continue: page1.continue });
    expect(page2.items.map(s => s.obj.metadata.name)).toEqual(['c', 'd']);
    expect(page2.items[1].obj.data).toEqual({});
    expect(page2.resourceVersion).toBe(page1.resourceVersion);
    const page3 = c.api.list(r, { namespace: 'kube-public', limit: 2, continue: page2.continue });
    expect(page3.items.map(s => s.obj.metadata.name)).toEqual(['e', 'kube-root-ca.crt']);
    expect(page3.continue).toBeUndefined();
    c.cp.stop();
  });

  it('expires continue tokens and watch versions older than the event window', async () => {
    const c = await cluster(3);
    for (let i = 0; i < 3; i++) c.client.create(cm(`x${i}`));
    const r = c.api.resolveKind('v1', 'ConfigMap');
    const old = c.api.list(r, { limit: 1 });
    const oldRv = String(c.api.store.rv);
    for (let i = 0; i < 1010; i++) c.client.patch('v1', 'ConfigMap', 'default', 'x0', 'merge', { data: { i: String(i) } });
    const e = errorOf(() => c.api.list(r, { limit: 1, continue: old.continue }));
    expect(e.code).toBe(410);
    expect(e.reason).toBe('Expired');
    const w = errorOf(() => c.api.watch(r, { resourceVersion: oldRv }, () => {}));
    expect(w.code).toBe(410);
    expect(w.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    c.cp.stop();
  });

  it('resumes watches from a resourceVersion and turns selector transitions into ADDED/DELETED', async () => {
    const c = await cluster();
    const r = c.api.resolveKind('v1', 'ConfigMap');
    c.client.create({ ...cm('w'), metadata: { name: 'w', namespace: 'default', labels: { sel: 'yes' } } });
    const rv = String(c.api.store.rv);
    c.client.patch('v1', 'ConfigMap', 'default', 'w', 'merge', { metadata: { labels: { sel: 'no' } } });
    c.client.patch('v1', 'ConfigMap', 'default', 'w', 'merge', { metadata: { labels: { sel: 'yes' } } });
    const seen: string[] = [];
    const h = c.api.watch(r, { resourceVersion: rv, labelSelector: 'sel=yes' }, d => seen.push(d.type));
    expect(h.initial.map(d => d.type)).toEqual(['DELETED', 'ADDED']);
    c.client.delete('v1', 'ConfigMap', 'default', 'w');
    expect(seen).toEqual(['DELETED']);
    h.close();
    c.cp.stop();
  });

  it('delivers in-process watch events asynchronously, in commit order, as private copies', async () => {
    const c = await cluster();
    const got: WatchEvent[] = [];
    const stop = c.client.watch('v1', 'ConfigMap', e => {
      got.push(e);
      e.object.data = { mutated: 'by handler' };
    });
    c.client.create(cm('o', { v: '1' }));
    c.client.patch('v1', 'ConfigMap', 'default', 'o', 'merge', { data: { v: '2' } });
    c.client.delete('v1', 'ConfigMap', 'default', 'o');
    expect(got).toHaveLength(0);
    await nextTick();
    expect(got.map(e => `${e.type}:${e.object.metadata.resourceVersion}`)).toEqual(
      got.map(e => `${e.type}:${e.object.metadata.resourceVersion}`).sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1])),
    );
    expect(got.map(e => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(c.api.store.bucket(c.api.resolveKind('v1', 'ConfigMap').type).events.at(-1)!.cur.obj.data).toEqual({ v: '2' });
    stop();
    c.cp.stop();
  });
});

describe('deletion', () => {
  let c: Cluster;
  beforeEach(async () => {
    c = await cluster();
  });
  afterEach(() => c.cp.stop());

  const owned = (name: string, owner: KubeObject, block = false): KubeObject => ({
    ...cm(name),
    metadata: {
      name,
      namespace: 'default',
      ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, blockOwnerDeletion: block }],
    },
  });

  it('keeps objects with finalizers until they are removed, with deletionTimestamp set', () => {
    const d = c.client.create({ ...deployment(), metadata: { ...deployment().metadata, finalizers: ['example.com/hold'] } });
    const deleting = c.client.delete('apps/v1', 'Deployment', 'default', 'web')!;
    expect(deleting.metadata.deletionTimestamp).toBeTruthy();
    expect(deleting.metadata.generation).toBe(d.metadata.generation! + 1);
    expect(errorOf(() => c.client.patch('apps/v1', 'Deployment', 'default', 'web', 'merge', { metadata: { finalizers: ['example.com/hold', 'new'] } })).code).toBe(422);
    c.client.patch('apps/v1', 'Deployment', 'default', 'web', 'merge', { metadata: { finalizers: null } });
    expect(c.client.get('apps/v1', 'Deployment', 'default', 'web')).toBeUndefined();
  });

  it('collects dependents in the background', async () => {
    const owner = c.client.create(cm('owner'));
    c.client.create(owned('dep', owner));
    c.client.delete('v1', 'ConfigMap', 'default', 'owner');
    await c.cp.idle();
    expect(c.client.get('v1', 'ConfigMap', 'default', 'dep')).toBeUndefined();
  });

  it('deletes the owner last in the foreground, waiting for blocking dependents', async () => {
    const owner = c.client.create(cm('owner'));
    c.client.create({ ...owned('blocker', owner, true), metadata: { ...owned('blocker', owner, true).metadata, finalizers: ['hold'] } });
    c.client.delete('v1', 'ConfigMap', 'default', 'owner', { propagationPolicy: 'Foreground' });
    await c.cp.idle();
    const waiting = c.client.get('v1', 'ConfigMap', 'default', 'owner')!;
    expect(waiting.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(c.client.get('v1', 'ConfigMap', 'default', 'blocker')!.metadata.deletionTimestamp).toBeTruthy();
    c.client.patch('v1', 'ConfigMap', 'default', 'blocker', 'merge', { metadata: { finalizers: null } });
    await c.cp.idle();
    expect(c.client.get('v1', 'ConfigMap', 'default', 'owner')).toBeUndefined();
  });

  it('orphans dependents when asked', async () => {
    const owner = c.client.create(cm('owner'));
    c.client.create(owned('dep', owner));
    c.client.delete('v1', 'ConfigMap', 'default', 'owner', { propagationPolicy: 'Orphan' });
    await c.cp.idle();
    expect(c.client.get('v1', 'ConfigMap', 'default', 'owner')).toBeUndefined();
    const dep = c.client.get('v1', 'ConfigMap', 'default', 'dep')!;
    expect(dep.metadata.ownerReferences).toBeUndefined();
  });

  it('deletes a namespace after everything in it, refusing new content meanwhile', async () => {
    c.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gone' } });
    await c.cp.idle();
    expect(c.client.get('v1', 'ServiceAccount', 'gone', 'default')).toBeTruthy();
    expect(c.client.get('v1', 'ConfigMap', 'gone', 'kube-root-ca.crt')!.data).toEqual({ 'ca.crt': 'CA' });
    c.client.create({ ...cm('held', {}, 'gone'), metadata: { name: 'held', namespace: 'gone', finalizers: ['hold'] } });
    const ns = c.client.delete('v1', 'Namespace', undefined, 'gone')!;
    expect(ns.status.phase).toBe('Terminating');
    await c.cp.idle();
    expect(errorOf(() => c.client.create(cm('late', {}, 'gone'))).message).toBe(
      'configmaps "late" is forbidden: unable to create new content in namespace gone because it is being terminated',
    );
    expect(c.client.get('v1', 'Namespace', undefined, 'gone')).toBeTruthy();
    expect(c.client.list('v1', 'ServiceAccount', { namespace: 'gone' })).toEqual([]);
    c.client.patch('v1', 'ConfigMap', 'gone', 'held', 'merge', { metadata: { finalizers: null } });
    await c.cp.idle();
    expect(c.client.get('v1', 'Namespace', undefined, 'gone')).toBeUndefined();
    expect(errorOf(() => c.client.create(cm('x', {}, 'gone'))).message).toBe('namespaces "gone" not found');
  });
});

describe('custom resources', () => {
  it('serves a CRD kind once established and removes it with its objects on delete', async () => {
    const c = await cluster();
    c.client.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.parity.io' },
      spec: {
        group: 'parity.io',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
        versions: [
          { name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
          { name: 'v1beta1', served: true, storage: false },
        ],
      },
    });
    expect(errorOf(() => c.client.list('parity.io/v1', 'Gadget')).code).toBe(404);
    await c.cp.idle();
    const crd = c.client.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'gadgets.parity.io')!;
    expect(crd.status.conditions.map((x: any) => `${x.type}=${x.status}`)).toEqual(['NamesAccepted=True', 'Established=True']);
    expect(crd.status.acceptedNames).toMatchObject({ kind: 'Gadget', listKind: 'GadgetList', plural: 'gadgets' });
    const g = c.client.create({ apiVersion: 'parity.io/v1', kind: 'Gadget', metadata: { name: 'g1', namespace: 'default' }, spec: { size: 1 }, status: { phase: 'x' } });
    expect(g.status).toBeUndefined();
    expect(c.client.get('parity.io/v1beta1', 'Gadget', 'default', 'g1')!.apiVersion).toBe('parity.io/v1beta1');
    let u = c.client.patch('parity.io/v1', 'Gadget', 'default', 'g1', 'merge', { status: { phase: 'Main' } });
    expect(u.status).toBeUndefined();
    u = c.client.patch('parity.io/v1', 'Gadget', 'default', 'g1', 'merge', { status: { phase: 'Sub' } }, { subresource: 'status' });
    expect(u.status.phase).toBe('Sub');
    expect(u.metadata.generation).toBe(1);
    u = c.client.patch('parity.io/v1', 'Gadget', 'default', 'g1', 'merge', { spec: { size: 2 } });
    expect(u.metadata.generation).toBe(2);
    c.client.delete('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'gadgets.parity.io');
    await c.cp.idle();
    expect(c.client.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'gadgets.parity.io')).toBeUndefined();
    expect(errorOf(() => c.client.list('parity.io/v1', 'Gadget')).code).toBe(404);
    c.cp.stop();
  });

  it('merges associative lists of structural CRD schemas by key under server-side apply', async () => {
    const c = await cluster();
    c.client.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'apps.argo.example.io' },
      spec: {
        group: 'argo.example.io',
        scope: 'Namespaced',
        names: { plural: 'apps', kind: 'App' },
        versions: [
          {
            name: 'v1alpha1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: {
                      sources: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' }, path: { type: 'string' } } } },
                      syncOptions: { type: 'array', items: { type: 'string' } },
                      extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                      port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    });
    await c.cp.idle();
    const app = (spec: Record<string, unknown>) => ({ apiVersion: 'argo.example.io/v1alpha1', kind: 'App', metadata: { name: 'a', namespace: 'default' }, spec });
    c.client.patch('argo.example.io/v1alpha1', 'App', 'default', 'a', 'apply', app({ sources: [{ name: 'x', path: '1' }], syncOptions: ['A'], port: 80 }), { fieldManager: 'one' });
    c.client.patch('argo.example.io/v1alpha1', 'App', 'default', 'a', 'apply', app({ sources: [{ name: 'y', path: '2' }] }), { fieldManager: 'two' });
    let a = c.client.get('argo.example.io/v1alpha1', 'App', 'default', 'a')!;
    expect(a.spec.sources).toEqual([{ name: 'x', path: '1' }, { name: 'y', path: '2' }]);
    // syncOptions is atomic (no list type): a second manager setting it conflicts.
    expect(errorOf(() => c.client.patch('argo.example.io/v1alpha1', 'App', 'default', 'a', 'apply', app({ syncOptions: ['B'] }), { fieldManager: 'two' })).message).toBe(
      'Apply failed with 1 conflict: conflict with "one": .spec.syncOptions',
    );
    c.client.patch('argo.example.io/v1alpha1', 'App', 'default', 'a', 'apply', app({ sources: [{ name: 'x', path: '1' }], port: 80 }), { fieldManager: 'one' });
    a = c.client.get('argo.example.io/v1alpha1', 'App', 'default', 'a')!;
    expect(a.spec).toEqual({ sources: [{ name: 'x', path: '1' }, { name: 'y', path: '2' }], port: 80 });
    const one = a.metadata.managedFields!.find((m: any) => m.manager === 'one') as any;
    expect(one.fieldsV1).toEqual({ 'f:spec': { 'f:port': {}, 'f:sources': { 'k:{"name":"x"}': { '.': {}, 'f:name': {}, 'f:path': {} } } } });
    c.cp.stop();
  });

  it('bumps generation on any non-metadata change of kinds without a status subresource', async () => {
    const c = await cluster();
    c.client.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'plain.t.io' },
      spec: { group: 't.io', scope: 'Cluster', names: { plural: 'plain', kind: 'Plain' }, versions: [{ name: 'v1', served: true, storage: true }] },
    });
    await c.cp.idle();
    c.client.create({ apiVersion: 't.io/v1', kind: 'Plain', metadata: { name: 'p' }, spec: { a: 1 } });
    expect(c.client.patch('t.io/v1', 'Plain', undefined, 'p', 'merge', { metadata: { labels: { l: 'x' } } }).metadata.generation).toBe(1);
    expect(c.client.patch('t.io/v1', 'Plain', undefined, 'p', 'merge', { status: { s: 1 } }).metadata.generation).toBe(2);
    c.cp.stop();
  });
});
