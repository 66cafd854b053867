/** Endpoints, LoadBalancer/Ingress addresses, PVC binding and HPA status. */
import type { KubeObject } from '../store/types';
import { condition, deployment, Harness, startHarness, waitFor } from './__testUtils__/harness';

// Real-time waits: leave room for a loaded CI machine.
jest.setTimeout(20_000);

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

function service(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels: { team: 'a' } }, spec };
}

const endpoints = (name: string) => h.client.get('v1', 'Endpoints', 'default', name);

describe('Endpoints controller', () => {
  it('lists ready pods under addresses, unready under notReadyAddresses, and resolves named target ports', async () => {
    h = startHarness({ readyDelayMs: 150 });
    h.client.create(service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090, targetPort: 9090 }] }));
    h.client.create(deployment('web', { replicas: 2 }));
    const early = await waitFor(() => {
      const ep = endpoints('web');
      return ep?.subsets?.[0]?.notReadyAddresses?.length === 2 ? ep : undefined;
    });
    expect(early.subsets[0].addresses).toBeUndefined();
    expect(early.metadata.labels).toEqual({ team: 'a' });
    expect(early.subsets[0].ports).toEqual([
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9090, protocol: 'TCP' },
    ]);
    const ready = await waitFor(() => {
      const ep = endpoints('web');
      return ep?.subsets?.[0]?.addresses?.length === 2 ? ep : undefined;
    });
    expect(ready.subsets[0].notReadyAddresses).toBeUndefined();
    const pods = h.client.list('v1', 'Pod', { namespace: 'default', labelSelector: 'app=web' });
    expect(ready.subsets[0].addresses.map((a: { ip: string }) => a.ip).sort()).toEqual(pods.map(p => p.status.podIP).sort());
    expect(ready.subsets[0].addresses[0]).toMatchObject({ nodeName: 'sim-node-1', targetRef: { kind: 'Pod', namespace: 'default' } });
    // Scale to zero: the Endpoints empty out.
    h.client.patch('apps/v1', 'Deployment', 'default', 'web', 'merge', { spec: { replicas: 0 } });
    await waitFor(() => endpoints('web') && !endpoints('web')!.subsets);
    h.client.delete('v1', 'Service', 'default', 'web');
    await waitFor(() => !endpoints('web'));
  });

  it('leaves Services without selector alone', async () => {
    h = startHarness();
    h.client.create(service('external', { ports: [{ port: 5432 }] }));
    h.client.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'external', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432 }] }] });
    await new Promise(r => setTimeout(r, 50));
    expect(endpoints('external')!.subsets[0].addresses).toEqual([{ ip: '192.0.2.10' }]);
  });
});

describe('LoadBalancer, Ingress, PVC', () => {
  it('gives LoadBalancer Services and Ingresses an address shortly after creation', async () => {
    h = startHarness({ loadBalancerDelayMs: 60 });
    h.client.create(service('lb', { type: 'LoadBalancer', selector: { app: 'x' }, ports: [{ port: 80 }] }));
    h.client.create(service('plain', { selector: { app: 'x' }, ports: [{ port: 80 }] }));
    h.client.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'ing', namespace: 'default' },
      spec: { rules: [{ host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'lb', port: { number: 80 } } } }] } }] },
    });
    await new Promise(r => setTimeout(r, 20));
    expect(h.client.get('v1', 'Service', 'default', 'lb')!.status?.loadBalancer?.ingress).toBeUndefined();
    const lb = await waitFor(() => h.client.get('v1', 'Service', 'default', 'lb')?.status?.loadBalancer?.ingress);
    expect(lb).toEqual([{ ip: expect.stringMatching(/^172\.18\.\d+\.\d+$/), ipMode: 'VIP' }]);
    const ing = await waitFor(() => h.client.get('networking.k8s.io/v1', 'Ingress', 'default', 'ing')?.status?.loadBalancer?.ingress);
    expect(ing).toEqual([{ ip: '172.18.255.1' }]);
    expect(h.client.get('v1', 'Service', 'default', 'plain')!.status?.loadBalancer?.ingress).toBeUndefined();
  });

  it('binds claims to a provisioned PersistentVolume and deletes it with the claim', async () => {
    h = startHarness();
    h.client.create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
    });
    const pvc = await waitFor(() => {
      const c = h.client.get('v1', 'PersistentVolumeClaim', 'default', 'data');
      return c?.status?.phase === 'Bound' ? c : undefined;
    });
    expect(pvc.status).toEqual({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '5Gi' } });
    expect(pvc.spec.volumeName).toBe(`pvc-${pvc.metadata.uid}`);
    expect(pvc.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes' });
    const pv = h.client.get('v1', 'PersistentVolume', undefined, pvc.spec.volumeName)!;
    expect(pv.status).toEqual({ phase: 'Bound' });
    expect(pv.spec).toMatchObject({ capacity: { storage: '5Gi' }, claimRef: { name: 'data', namespace: 'default', uid: pvc.metadata.uid } });
    h.client.delete('v1', 'PersistentVolumeClaim', 'default', 'data');
    await waitFor(() => !h.client.get('v1', 'PersistentVolume', undefined, pvc.spec.volumeName));
  });
});

describe('HPA status', () => {
  it('reports replicas and healthy conditions, and moves the target into [min, max]', async () => {
    h = startHarness({ readyDelayMs: 5 });
    h.client.create(deployment('api', { replicas: 1 }));
    h.client.create({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'api', namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    });
    await waitFor(() => h.client.get('apps/v1', 'Deployment', 'default', 'api')?.status?.availableReplicas === 2);
    const hpa = await waitFor(() => {
      const x = h.client.get('autoscaling/v2', 'HorizontalPodAutoscaler', 'default', 'api');
      return x?.status?.currentReplicas === 2 && condition(x, 'AbleToScale')?.reason === 'ReadyForNewScale' ? x : undefined;
    });
    expect(hpa.status).toMatchObject({ desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70 } } }] });
    expect(condition(hpa, 'ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
    expect(condition(hpa, 'ScalingLimited')).toMatchObject({ status: 'False', reason: 'DesiredWithinRange' });
    await waitFor(() => h.client.list('v1', 'Event', { namespace: 'default' }).some(e => e.reason === 'SuccessfulRescale'));
  });
});
