/**
 * @kubernetes/client-node 1.4 against the simulated cluster, configured only from the
 * sim's kubeconfig: KubernetesObjectApi (create, read, server-side apply with dry-run,
 * replace, list, delete), the typed Core and Apps APIs, Watch (ordered events,
 * bookmarks) and a ListWatch informer that stays in sync while watches are dropped.
 */
import * as k8s from '@kubernetes/client-node';
import { ClusterSim, startClusterSim } from './index';
import { quietLogger } from './__testUtils__/harness';

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

describe('@kubernetes/client-node against cluster-sim', () => {
  let sim: ClusterSim;
  let kc: k8s.KubeConfig;

  beforeAll(async () => {
    sim = await startClusterSim({ port: 0, logger: quietLogger, bookmarkIntervalMs: 100, controllerOptions: { readyDelayMs: 20 } });
    kc = new k8s.KubeConfig();
    kc.loadFromString(sim.kubeconfig);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: 'cn' } } });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('KubernetesObjectApi: create, read, server-side apply (dry-run and real), replace, list, delete', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'cn' }, data: { a: '1' } };
    const created = (await objects.create(cm)) as k8s.V1ConfigMap;
    expect(created.metadata?.uid).toBeTruthy();

    const read = (await objects.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'cn' } })) as k8s.V1ConfigMap;
    expect(read.data).toEqual({ a: '1' });

    const applied = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'cn' }, data: { a: '1', b: '2' } };
    const dry = (await objects.patch(applied, undefined, 'All', 'gitops', true, k8s.PatchStrategy.ServerSideApply)) as k8s.V1ConfigMap;
    expect(dry.data).toEqual({ a: '1', b: '2' });
    expect(dry.metadata?.resourceVersion).toBe(read.metadata?.resourceVersion);
    const afterDry = (await objects.read(applied)) as k8s.V1ConfigMap;
    expect(afterDry.data).toEqual({ a: '1' });

    const real = (await objects.patch(applied, undefined, undefined, 'gitops', true, k8s.PatchStrategy.ServerSideApply)) as k8s.V1ConfigMap;
    expect(real.data).toEqual({ a: '1', b: '2' });
    const managers = (real.metadata?.managedFields ?? []).map(m => `${m.manager}/${m.operation}`);
    expect(managers).toContain('gitops/Apply');
    expect(JSON.stringify(real.metadata?.managedFields?.find(m => m.manager === 'gitops')?.fieldsV1)).toContain('"f:b"');

    // Apply again without `a`: the field was co-owned by the creator, so it stays.
    const smaller = { ...applied, data: { b: '3' } };
    const again = (await objects.patch(smaller, undefined, undefined, 'gitops', true, k8s.PatchStrategy.ServerSideApply)) as k8s.V1ConfigMap;
    expect(again.data).toEqual({ a: '1', b: '3' });

    const replaced = (await objects.replace({ ...again, data: { z: '9' } })) as k8s.V1ConfigMap;
    expect(replaced.data).toEqual({ z: '9' });
    await expect(objects.replace({ ...again, data: { stale: 'x' } })).rejects.toMatchObject({ code: 409 });

    const list = await objects.list('v1', 'ConfigMap', 'cn');
    expect(list.items.map(i => i.metadata?.name).sort()).toEqual(['kube-root-ca.crt', 'settings']);

    await objects.delete({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'cn' } });
    await expect(objects.read(applied)).rejects.toMatchObject({ code: 404 });
  });

  it('CoreV1Api and AppsV1Api: a Deployment becomes available and its pods are listed', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'cn',
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
        },
      },
    });
    const d = await apps.readNamespacedDeployment({ namespace: 'cn', name: 'web' });
    expect(d.spec?.strategy?.rollingUpdate?.maxSurge).toBe('25%');
    expect(d.spec?.revisionHistoryLimit).toBe(10);
    await waitFor('deployment available', async () => {
      const s = await apps.readNamespacedDeploymentStatus({ namespace: 'cn', name: 'web' });
      return s.status?.availableReplicas === 2 ? s : undefined;
    });
    const pods = await core.listNamespacedPod({ namespace: 'cn', labelSelector: 'app=web' });
    expect(pods.items).toHaveLength(2);
    expect(pods.items.every(p => p.status?.phase === 'Running')).toBe(true);
    const running = await core.listNamespacedPod({ namespace: 'cn', fieldSelector: 'status.phase=Running' });
    expect(running.items.length).toBeGreaterThanOrEqual(2);
  });

  it('Watch delivers ADDED, MODIFIED, DELETED in order and bookmarks when asked', async () => {
    const watch = new k8s.Watch(kc);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const list = await core.listNamespacedConfigMap({ namespace: 'cn' });
    const events: string[] = [];
    let bookmarks = 0;
    const req = await watch.watch(
      '/api/v1/namespaces/cn/configmaps',
      { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type, obj) => {
        if (type === 'BOOKMARK') bookmarks++;
        else events.push(`${type} ${obj.metadata.name} ${obj.data?.v ?? ''}`.trim());
      },
      () => {},
    );
    await core.createNamespacedConfigMap({ namespace: 'cn', body: { metadata: { name: 'w1' }, data: { v: '1' } } });
    for (let i = 2; i <= 5; i++) {
      await core.patchNamespacedConfigMap(
        { namespace: 'cn', name: 'w1', body: { data: { v: String(i) } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    }
    await core.deleteNamespacedConfigMap({ namespace: 'cn', name: 'w1' });
    await waitFor('all events', () => events.length >= 6 && bookmarks > 0);
    req.abort();
    expect(events).toEqual(['ADDED w1 1', 'MODIFIED w1 2', 'MODIFIED w1 3', 'MODIFIED w1 4', 'MODIFIED w1 5', 'DELETED w1 5']);
  });

  it('a ListWatch informer stays in sync while the server drops its watches', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    sim.setFaults(['verb=watch,kind=ConfigMap,watch-drop=0.3']);
    try {
      const informer = k8s.makeInformer(kc, '/api/v1/namespaces/cn/configmaps', () => core.listNamespacedConfigMap({ namespace: 'cn' }));
      let connects = 0;
      let stopped = false;
      informer.on('connect', () => connects++);
      // client-node informers stop on errors; applications restart them.
      informer.on('error', () => setTimeout(() => !stopped && informer.start(), 20));
      await informer.start();
      for (let i = 0; i < 30; i++) {
        await core.createNamespacedConfigMap({ namespace: 'cn', body: { metadata: { name: `lw-${i}` }, data: { i: String(i) } } });
        if (i % 3 === 0) {
          await core.patchNamespacedConfigMap(
            { namespace: 'cn', name: `lw-${i}`, body: { data: { i: `${i}-changed` } } },
            k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
          );
        }
        if (i % 5 === 0) await core.deleteNamespacedConfigMap({ namespace: 'cn', name: `lw-${i}` });
      }
      const server = await core.listNamespacedConfigMap({ namespace: 'cn' });
      const want = server.items.map(o => `${o.metadata?.name}@${o.metadata?.resourceVersion}`).sort();
      await waitFor('informer cache in sync', () => {
        const have = informer.list('cn').map(o => `${o.metadata?.name}@${o.metadata?.resourceVersion}`).sort();
        return JSON.stringify(have) === JSON.stringify(want) ? true : undefined;
      });
      expect(connects).toBeGreaterThan(1);
      stopped = true;
      await informer.stop();
    } finally {
      sim.setFaults({ rules: [] });
    }
  });
});
