/**
 * State in a data directory survives a restart: objects, the resourceVersion counter,
 * CRD-served kinds, the token and the CA; the log is compacted into snapshots.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startClusterSim } from './index';
import { quietLogger, tempDir } from './__testUtils__/harness';
import { ApiCore } from './store/api';
import { createSimClient } from './store/client';
import { Persistence } from './store/persistence';

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'rollouts.argoproj.io' },
  spec: {
    group: 'argoproj.io',
    scope: 'Namespaced',
    names: { plural: 'rollouts', singular: 'rollout', kind: 'Rollout', shortNames: ['ro'] },
    versions: [{ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

describe('persistence', () => {
  it('restores objects, resourceVersions, CRD kinds, token and CA after a restart', async () => {
    const dataDir = tempDir('data');
    const first = await startClusterSim({ port: 0, dataDir, logger: quietLogger, controllers: false });
    first.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'keep' } });
    first.client.create(crd);
    await first.idle();
    const ro = first.client.create({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r1', namespace: 'keep' }, spec: { replicas: 2 } });
    const gone = first.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gone', namespace: 'keep' } });
    first.client.delete('v1', 'ConfigMap', 'keep', gone.metadata.name!);
    const lastRv = Number(first.client.get('v1', 'Namespace', undefined, 'keep')!.metadata.resourceVersion);
    await first.stop();

    const second = await startClusterSim({ port: 0, dataDir, logger: quietLogger, controllers: false });
    try {
      expect(second.token).toBe(first.token);
      expect(second.caData).toBe(first.caData);
      const back = second.client.get('argoproj.io/v1alpha1', 'Rollout', 'keep', 'r1')!;
      expect(back.metadata.uid).toBe(ro.metadata.uid);
      expect(back.metadata.resourceVersion).toBe(ro.metadata.resourceVersion);
      expect(second.client.get('v1', 'ConfigMap', 'keep', 'gone')).toBeUndefined();
      expect(second.client.get('v1', 'ServiceAccount', 'keep', 'default')).toBeTruthy();
      const next = second.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new', namespace: 'keep' } });
      expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(lastRv);
      expect(second.client.list('v1', 'Namespace').map(n => n.metadata.name)).toEqual(['default', 'keep', 'kube-node-lease', 'kube-public', 'kube-system']);
    } finally {
      await second.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('compacts the log into a snapshot and replays whatever came after it', async () => {
    const dataDir = tempDir('wal');
    const api = new ApiCore();
    const p = new Persistence(dataDir, api, { snapshotEvery: 50, flushIntervalMs: 1 });
    p.load();
    p.start();
    const client = createSimClient(api);
    client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } });
    for (let i = 0; i < 200; i++) {
      client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'n' }, data: { i: String(i) } });
      if (i % 40 === 0) await new Promise(r => setTimeout(r, 20));
    }
    await new Promise(r => setTimeout(r, 50));
    expect(fs.existsSync(path.join(dataDir, 'state', 'snapshot.jsonl'))).toBe(true);
    client.patch('v1', 'ConfigMap', 'n', 'c7', 'merge', { data: { i: 'changed' } });
    client.delete('v1', 'ConfigMap', 'n', 'c8');
    await p.stop();

    const api2 = new ApiCore();
    expect(new Persistence(dataDir, api2).load()).toBe(true);
    const c2 = createSimClient(api2);
    expect(c2.list('v1', 'ConfigMap', { namespace: 'n' })).toHaveLength(199);
    expect(c2.get('v1', 'ConfigMap', 'n', 'c7')!.data).toEqual({ i: 'changed' });
    expect(api2.store.rv).toBe(api.store.rv);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
