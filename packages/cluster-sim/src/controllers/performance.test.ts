/**
 * Efficiency guards: many Deployments reach Available quickly on the real store, and the
 * controllers need a bounded number of writes per Deployment (no polling, no write loops).
 */
import { startClusterSim } from '../index';
import type { KubeObject, SimClient } from '../store/types';
import { condition, deployment, quietLogger, startHarness, waitFor } from './__testUtils__/harness';

function available(d: KubeObject): boolean {
  return condition(d, 'Available')?.status === 'True' && d.status?.availableReplicas === d.spec.replicas && d.status?.observedGeneration === d.metadata.generation;
}

function createApps(client: SimClient, count: number, replicas: number): void {
  for (let i = 0; i < count; i++) {
    client.create(deployment(`app-${i}`, { replicas, namespace: 'default' }));
    client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: `app-${i}`, namespace: 'default' }, spec: { selector: { app: `app-${i}` }, ports: [{ port: 80, targetPort: 8080 }] } });
  }
}

describe('controller efficiency', () => {
  it('brings 300 Deployments × 3 pods to Available within seconds on the real store', async () => {
    const sim = await startClusterSim({ http: true, logger: quietLogger, controllerOptions: { readyDelayMs: 100, nodes: 3 } });
    try {
      const done = new Set<string>();
      const all = new Promise<void>(resolve => {
        sim.client.watch('apps/v1', 'Deployment', ev => {
          if (available(ev.object)) done.add(ev.object.metadata.name!);
          if (done.size === 300) resolve();
        });
      });
      const t0 = Date.now();
      createApps(sim.client, 300, 3);
      await Promise.race([all, new Promise(r => setTimeout(r, 40_000))]);
      const elapsed = Date.now() - t0;
      expect(done.size).toBe(300);
      // About 3 s on a 2-core machine; the bound leaves room for a busy CI host.
      expect(elapsed).toBeLessThan(30_000);
      const pods = sim.client.list('v1', 'Pod', { namespace: 'default' });
      expect(pods).toHaveLength(900);
      expect(new Set(pods.map(p => p.spec.nodeName)).size).toBe(3);
    } finally {
      await sim.stop();
    }
  }, 60_000);

  it('needs a bounded number of writes per Deployment', async () => {
    const h = startHarness({ readyDelayMs: 20, events: false });
    try {
      createApps(h.client, 50, 3);
      await waitFor(() => h.client.list('apps/v1', 'Deployment', { namespace: 'default' }).every(available), 15_000);
      await h.sim.idle();
      await new Promise(r => setTimeout(r, 100));
      const w = h.client.writes;
      const perDeployment = (w.create + w.update + w.updateStatus + w.patch + w.delete - 100) / 50;
      // RS + 3 pods + Endpoints created, 2 status writes per pod, a few RS/Deployment/Endpoints updates.
      expect(perDeployment).toBeLessThan(25);
      const before = { ...w };
      await new Promise(r => setTimeout(r, 300));
      expect(h.client.writes).toEqual(before);
    } finally {
      await h.stop();
    }
  }, 30_000);
});
