/** StatefulSet: ordered creation, identity, PVCs, rolling update with partition, OnDelete, status. */
import type { KubeObject } from '../store/types';
import { condition, Harness, startHarness, waitFor } from './__testUtils__/harness';

// Real-time waits: leave room for a loaded CI machine.
jest.setTimeout(20_000);

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

function sts(name: string, replicas: number, extra: Record<string, unknown> = {}, image = 'redis:7'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'db', image }] } },
      ...extra,
    },
  };
}

const get = (name: string) => h.client.get('apps/v1', 'StatefulSet', 'default', name);
const pods = (app: string) =>
  h.client.list('v1', 'Pod', { namespace: 'default', labelSelector: `app=${app}` }).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));

function settled(name: string): boolean {
  const s = get(name);
  return (
    !!s &&
    s.status?.observedGeneration === s.metadata.generation &&
    s.status.readyReplicas === s.spec.replicas &&
    s.status.replicas === s.spec.replicas &&
    s.status.currentRevision === s.status.updateRevision
  );
}

describe('StatefulSet controller', () => {
  it('creates <name>-0..n-1 one at a time, each after the previous is Ready', async () => {
    h = startHarness({ readyDelayMs: 30 });
    const order: string[] = [];
    let violated = false;
    h.client.watch('v1', 'Pod', ev => {
      if (ev.type !== 'ADDED') return;
      const name = ev.object.metadata.name!;
      order.push(name);
      const ordinal = Number(name.split('-').pop());
      for (let i = 0; i < ordinal; i++) {
        const prev = h.client.get('v1', 'Pod', 'default', `db-${i}`);
        if (condition(prev, 'Ready')?.status !== 'True') violated = true;
      }
    });
    h.client.create(
      sts('db', 3, {
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      }),
    );
    await waitFor(() => settled('db'), 5000);
    expect(order).toEqual(['db-0', 'db-1', 'db-2']);
    expect(violated).toBe(false);
    const s = get('db')!;
    expect(s.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1, collisionCount: 0 });
    const revision = s.status.updateRevision;
    expect(revision).toMatch(/^db-[bcdfghjklmnpqrstvwxz2456789]{8,10}$/);
    const cr = h.client.get('apps/v1', 'ControllerRevision', 'default', revision)!;
    expect(cr.revision).toBe(1);
    expect(cr.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'StatefulSet', name: 'db', controller: true });
    for (const [i, p] of pods('db').entries()) {
      expect(p.metadata.labels).toMatchObject({ 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': `db-${i}`, 'apps.kubernetes.io/pod-index': String(i) });
      expect(p.spec).toMatchObject({ hostname: `db-${i}`, subdomain: 'db' });
      expect(p.spec.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: `data-db-${i}` } });
    }
    await waitFor(() => [0, 1, 2].every(i => h.client.get('v1', 'PersistentVolumeClaim', 'default', `data-db-${i}`)?.status?.phase === 'Bound'));
  });

  it('Parallel creates all pods at once; scale down removes the highest ordinals', async () => {
    h = startHarness({ readyDelayMs: 200 });
    h.client.create(sts('par', 3, { podManagementPolicy: 'Parallel' }));
    await waitFor(() => pods('par').length === 3);
    expect(pods('par').some(p => condition(p, 'Ready')?.status === 'True')).toBe(false);
    await waitFor(() => settled('par'), 3000);
    h.client.patch('apps/v1', 'StatefulSet', 'default', 'par', 'merge', { spec: { replicas: 1 } });
    await waitFor(() => settled('par') && pods('par').length === 1);
    expect(pods('par').map(p => p.metadata.name)).toEqual(['par-0']);
  });

  it('rolling update goes from the highest ordinal down and honours the partition', async () => {
    h = startHarness({ readyDelayMs: 10 });
    h.client.create(sts('ru', 3));
    await waitFor(() => settled('ru'));
    const oldRevision = get('ru')!.status.currentRevision;
    const deletions: string[] = [];
    h.client.watch('v1', 'Pod', ev => {
      if (ev.type === 'DELETED') deletions.push(ev.object.metadata.name!);
    });
    h.client.patch('apps/v1', 'StatefulSet', 'default', 'ru', 'merge', {
      spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }, template: { spec: { containers: [{ name: 'db', image: 'redis:7.2' }] } } },
    });
    await waitFor(() => {
      const s = get('ru');
      return s?.status?.observedGeneration === 2 && s.status.updatedReplicas === 2 && s.status.readyReplicas === 3;
    }, 5000);
    const s = get('ru')!;
    expect(s.status.currentRevision).toBe(oldRevision);
    expect(s.status.updateRevision).not.toBe(oldRevision);
    expect(s.status.currentReplicas).toBe(1);
    expect(deletions).toEqual(['ru-2', 'ru-1']);
    expect(pods('ru').map(p => p.spec.containers[0].image)).toEqual(['redis:7', 'redis:7.2', 'redis:7.2']);
    // Dropping the partition finishes the update and the current revision moves.
    h.client.patch('apps/v1', 'StatefulSet', 'default', 'ru', 'merge', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    await waitFor(() => settled('ru') && get('ru')!.status.updatedReplicas === 3);
    expect(get('ru')!.status.currentRevision).toBe(s.status.updateRevision);
    expect(deletions).toEqual(['ru-2', 'ru-1', 'ru-0']);
  });

  it('OnDelete only updates pods that are deleted', async () => {
    h = startHarness({ readyDelayMs: 10 });
    h.client.create(sts('od', 2, { updateStrategy: { type: 'OnDelete' } }));
    await waitFor(() => settled('od'));
    h.client.patch('apps/v1', 'StatefulSet', 'default', 'od', 'merge', { spec: { template: { spec: { containers: [{ name: 'db', image: 'redis:8' }] } } } });
    await waitFor(() => get('od')?.status?.observedGeneration === 2);
    await new Promise(r => setTimeout(r, 80));
    expect(pods('od').map(p => p.spec.containers[0].image)).toEqual(['redis:7', 'redis:7']);
    h.client.delete('v1', 'Pod', 'default', 'od-1');
    await waitFor(() => pods('od').find(p => p.metadata.name === 'od-1')?.spec.containers[0].image === 'redis:8');
    await waitFor(() => get('od')?.status?.updatedReplicas === 1 && get('od')?.status?.readyReplicas === 2);
    expect(get('od')!.status.currentRevision).not.toBe(get('od')!.status.updateRevision);
  });
});
