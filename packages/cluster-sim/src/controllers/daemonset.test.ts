/** DaemonSet: one pod per node, nodeSelector, rolling update, status. */
import type { KubeObject } from '../store/types';
import { condition, Harness, startHarness, waitFor } from './__testUtils__/harness';

// Real-time waits: leave room for a loaded CI machine.
jest.setTimeout(20_000);

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

function ds(name: string, extra: Record<string, unknown> = {}, image = 'fluentd:1'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'kube-system' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image }] } },
      ...extra,
    },
  };
}

const get = (name: string) => h.client.get('apps/v1', 'DaemonSet', 'kube-system', name);
const pods = (app: string) => h.client.list('v1', 'Pod', { namespace: 'kube-system', labelSelector: `app=${app}` });

describe('DaemonSet controller', () => {
  it('runs one pod per node and reports the DaemonSet status', async () => {
    h = startHarness({ nodes: 3 });
    h.client.create(ds('agent'));
    await waitFor(() => get('agent')?.status?.numberAvailable === 3);
    const list = pods('agent');
    expect(list.map(p => p.spec.nodeName).sort()).toEqual(['sim-node-1', 'sim-node-2', 'sim-node-3']);
    expect(list[0].metadata.labels).toMatchObject({ 'controller-revision-hash': expect.any(String), 'pod-template-generation': '1' });
    expect(get('agent')!.status).toEqual({
      currentNumberScheduled: 3,
      numberMisscheduled: 0,
      desiredNumberScheduled: 3,
      numberReady: 3,
      observedGeneration: 1,
      updatedNumberScheduled: 3,
      numberAvailable: 3,
    });
  });

  it('honours nodeSelector and follows nodes as they are added', async () => {
    h = startHarness({ nodes: 2 });
    h.client.create(ds('gpu', { template: { metadata: { labels: { app: 'gpu' } }, spec: { nodeSelector: { gpu: 'yes' }, containers: [{ name: 'agent', image: 'x:1' }] } } }));
    await waitFor(() => get('gpu')?.status?.observedGeneration === 1);
    expect(pods('gpu')).toHaveLength(0);
    h.client.patch('v1', 'Node', undefined, 'sim-node-2', 'merge', { metadata: { labels: { gpu: 'yes' } } });
    await waitFor(() => get('gpu')?.status?.numberReady === 1);
    expect(pods('gpu')[0].spec.nodeName).toBe('sim-node-2');
    h.client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'extra', labels: { gpu: 'yes' } } });
    await waitFor(() => get('gpu')?.status?.numberReady === 2 && get('gpu')?.status?.desiredNumberScheduled === 2);
    expect(condition(h.client.get('v1', 'Node', undefined, 'extra'), 'Ready')?.status).toBe('True');
  });

  it('rolling update replaces at most maxUnavailable pods at a time', async () => {
    h = startHarness({ nodes: 4, readyDelayMs: 20 });
    h.client.create(ds('roll', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } }));
    await waitFor(() => get('roll')?.status?.numberAvailable === 4);
    let minReady = 4;
    h.client.watch('v1', 'Pod', () => {
      const ready = pods('roll').filter(p => condition(p, 'Ready')?.status === 'True').length;
      minReady = Math.min(minReady, ready);
    });
    h.client.patch('apps/v1', 'DaemonSet', 'kube-system', 'roll', 'merge', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'fluentd:2' }] } } } });
    await waitFor(() => {
      const s = get('roll')?.status;
      return s?.observedGeneration === 2 && s.updatedNumberScheduled === 4 && s.numberAvailable === 4;
    }, 5000);
    expect(minReady).toBeGreaterThanOrEqual(3);
    expect(pods('roll').every(p => p.spec.containers[0].image === 'fluentd:2')).toBe(true);
  });

  it('maxSurge starts the new pod next to the old one before removing it', async () => {
    h = startHarness({ nodes: 2, readyDelayMs: 40 });
    h.client.create(ds('surge', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
    await waitFor(() => get('surge')?.status?.numberAvailable === 2);
    let minReady = 2;
    let maxPods = 2;
    h.client.watch('v1', 'Pod', () => {
      const list = pods('surge').filter(p => !p.metadata.deletionTimestamp);
      maxPods = Math.max(maxPods, list.length);
      minReady = Math.min(minReady, list.filter(p => condition(p, 'Ready')?.status === 'True').length);
    });
    h.client.patch('apps/v1', 'DaemonSet', 'kube-system', 'surge', 'merge', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'fluentd:2' }] } } } });
    await waitFor(() => {
      const s = get('surge')?.status;
      return s?.observedGeneration === 2 && s.updatedNumberScheduled === 2 && s.numberAvailable === 2 && pods('surge').length === 2;
    }, 5000);
    expect(minReady).toBe(2);
    expect(maxPods).toBe(3);
  });

  it('OnDelete replaces only pods that are deleted', async () => {
    h = startHarness({ nodes: 2, readyDelayMs: 5 });
    h.client.create(ds('od', { updateStrategy: { type: 'OnDelete' } }));
    await waitFor(() => get('od')?.status?.numberAvailable === 2);
    h.client.patch('apps/v1', 'DaemonSet', 'kube-system', 'od', 'merge', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'fluentd:2' }] } } } });
    await waitFor(() => get('od')?.status?.observedGeneration === 2);
    await new Promise(r => setTimeout(r, 60));
    expect(pods('od').map(p => p.spec.containers[0].image)).toEqual(['fluentd:1', 'fluentd:1']);
    expect(get('od')!.status.updatedNumberScheduled).toBeUndefined();
    const victim = pods('od').find(p => p.spec.nodeName === 'sim-node-1')!;
    h.client.delete('v1', 'Pod', 'kube-system', victim.metadata.name!);
    await waitFor(() => get('od')?.status?.updatedNumberScheduled === 1 && get('od')?.status?.numberAvailable === 2);
    expect(pods('od').find(p => p.spec.nodeName === 'sim-node-1')!.spec.containers[0].image).toBe('fluentd:2');
  });
});
