/** Deployment → ReplicaSet → Pod behaviour against the in-memory API. */
import type { KubeObject } from '../store/types';
import { FakeClock } from './clock';
import { condition, deployment, Harness, podsOf, startHarness, waitFor } from './__testUtils__/harness';

// Real-time waits: leave room for a loaded CI machine.
jest.setTimeout(20_000);

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

function dep(name: string, ns = 'default'): KubeObject | undefined {
  return h.client.get('apps/v1', 'Deployment', ns, name);
}

function rsOf(name: string, ns = 'default'): KubeObject[] {
  const d = dep(name, ns);
  return h.client
    .list('apps/v1', 'ReplicaSet', { namespace: ns })
    .filter(rs => rs.metadata.ownerReferences?.some(r => r.uid === d?.metadata.uid));
}

function isAvailable(name: string, ns = 'default'): boolean {
  const d = dep(name, ns);
  return (
    !!d &&
    d.status?.observedGeneration === d.metadata.generation &&
    condition(d, 'Available')?.status === 'True' &&
    condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' &&
    d.status?.updatedReplicas === d.spec.replicas &&
    d.status?.availableReplicas === d.spec.replicas &&
    d.status?.replicas === d.spec.replicas
  );
}

function patchTemplate(name: string, image: string, extra: Record<string, unknown> = {}): void {
  h.client.patch('apps/v1', 'Deployment', 'default', name, 'merge', {
    spec: { template: { spec: { containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 8080 }] }] } }, ...extra },
  });
}

describe('Deployment controller', () => {
  it('creates a hashed ReplicaSet and ready pods, and reports the rollout as complete', async () => {
    h = startHarness();
    h.client.create(deployment('web', { replicas: 3 }));
    await waitFor(() => isAvailable('web'), 5000, 'web available');
    const d = dep('web')!;
    const [rs] = rsOf('web');
    const hash = rs.metadata.labels?.['pod-template-hash'];
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{8,10}$/);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true }),
    ]);
    expect(rs.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(rs.status).toEqual({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    expect(d.status).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(d.status.unavailableReplicas).toBeUndefined();
    expect(condition(d, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    expect(condition(d, 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "web-${hash}" has successfully progressed.` });

    const pods = podsOf(h.client, 'default', 'app=web');
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.metadata.name).toMatch(new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(pod.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
      expect(pod.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: rs.metadata.name, controller: true });
      expect(pod.spec.nodeName).toBe('sim-node-1');
      expect(pod.status.phase).toBe('Running');
      expect(pod.status.podIP).toMatch(/^10\.\d+\.\d+\.\d+$/);
      expect(condition(pod, 'Ready')?.status).toBe('True');
    }
    // Events for kubectl describe.
    await waitFor(() => h.client.list('v1', 'Event', { namespace: 'default' }).some(e => e.reason === 'ScalingReplicaSet'));
    const events = h.client.list('v1', 'Event', { namespace: 'default' });
    expect(events.find(e => e.reason === 'ScalingReplicaSet')).toMatchObject({
      type: 'Normal',
      message: `Scaled up replica set web-${hash} from 0 to 3`,
      involvedObject: { kind: 'Deployment', name: 'web', uid: d.metadata.uid },
      source: { component: 'deployment-controller' },
      count: 1,
    });
    expect(events.filter(e => e.reason === 'SuccessfulCreate' && e.involvedObject.kind === 'ReplicaSet')).toHaveLength(3);
    expect(events.some(e => e.reason === 'Started' && e.involvedObject.kind === 'Pod')).toBe(true);
  });

  it('reports progress before pods are ready: Available False and ReplicaSetUpdated', async () => {
    h = startHarness({ readyDelayMs: 300 });
    h.client.create(deployment('slow', { replicas: 2 }));
    const d = await waitFor(() => {
      const x = dep('slow');
      return x?.status?.observedGeneration === 1 && x.status.replicas === 2 ? x : undefined;
    });
    expect(d.status.availableReplicas).toBeUndefined();
    expect(d.status.unavailableReplicas).toBe(2);
    expect(condition(d, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
    expect(['NewReplicaSetCreated', 'ReplicaSetUpdated']).toContain(condition(d, 'Progressing')?.reason);
    await waitFor(() => isAvailable('slow'));
  });

  it.each([
    { replicas: 4, maxSurge: 1, maxUnavailable: 0 },
    { replicas: 4, maxSurge: 0, maxUnavailable: 1 },
    { replicas: 10, maxSurge: '25%', maxUnavailable: '25%' },
    { replicas: 5, maxSurge: '30%', maxUnavailable: '30%' },
  ])('rolling update stays within maxSurge/maxUnavailable at every step (%o)', async ({ replicas, maxSurge, maxUnavailable }) => {
    h = startHarness({ readyDelayMs: 25 });
    const pct = (v: number | string, roundUp: boolean) =>
      typeof v === 'number' ? v : (roundUp ? Math.ceil : Math.floor)((parseInt(v, 10) * replicas) / 100);
    const surge = pct(maxSurge, true);
    const unavailable = pct(maxUnavailable, false);
    h.client.create(deployment('roll', { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } }));
    await waitFor(() => isAvailable('roll'));
    const violations: string[] = [];
    let observations = 0;
    const check = () => {
      observations++;
      const sets = rsOf('roll');
      const specTotal = sets.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
      const pods = podsOf(h.client, 'default', 'app=roll').filter(p => !p.metadata.deletionTimestamp);
      const ready = pods.filter(p => condition(p, 'Ready')?.status === 'True').length;
      if (specTotal > replicas + surge) violations.push(`RS replicas ${specTotal} > ${replicas + surge}`);
      if (pods.length > replicas + surge) violations.push(`pods ${pods.length} > ${replicas + surge}`);
      if (ready < replicas - unavailable) violations.push(`ready ${ready} < ${replicas - unavailable}`);
    };
    const stopPods = h.client.watch('v1', 'Pod', check);
    const stopRs = h.client.watch('apps/v1', 'ReplicaSet', check);
    patchTemplate('roll', 'nginx:1.26');
    await waitFor(() => {
      const d = dep('roll');
      return d?.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' && isAvailable('roll');
    }, 10_000);
    stopPods();
    stopRs();
    expect(violations).toEqual([]);
    expect(observations).toBeGreaterThan(replicas);
    const sets = rsOf('roll');
    expect(sets).toHaveLength(2);
    const [newRS] = sets.filter(rs => rs.spec.template.spec.containers[0].image === 'nginx:1.26');
    const [oldRS] = sets.filter(rs => rs !== newRS);
    expect(newRS.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(newRS.spec.replicas).toBe(replicas);
    expect(oldRS.spec.replicas).toBe(0);
    expect(podsOf(h.client, 'default', 'app=roll').every(p => p.spec.containers[0].image === 'nginx:1.26')).toBe(true);
    const d = dep('roll')!;
    expect(d.status).toMatchObject({ observedGeneration: 2, replicas, updatedReplicas: replicas, availableReplicas: replicas });
  });

  it('Recreate removes every old pod before creating new ones', async () => {
    h = startHarness();
    h.client.create(deployment('rec', { replicas: 3, strategy: { type: 'Recreate' } }));
    await waitFor(() => isAvailable('rec'));
    let mixed = false;
    const stop = h.client.watch('v1', 'Pod', () => {
      const images = new Set(podsOf(h.client, 'default', 'app=rec').map(p => p.spec.containers[0].image));
      if (images.size > 1) mixed = true;
    });
    patchTemplate('rec', 'nginx:1.26');
    await waitFor(() => dep('rec')?.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' && isAvailable('rec'));
    stop();
    expect(mixed).toBe(false);
    expect(podsOf(h.client, 'default', 'app=rec').map(p => p.spec.containers[0].image)).toEqual(['nginx:1.26', 'nginx:1.26', 'nginx:1.26']);
  });

  it('a paused Deployment reports DeploymentPaused and holds template changes until resumed', async () => {
    h = startHarness();
    h.client.create(deployment('p', { replicas: 2 }));
    await waitFor(() => isAvailable('p'));
    h.client.patch('apps/v1', 'Deployment', 'default', 'p', 'merge', { spec: { paused: true } });
    await waitFor(() => condition(dep('p'), 'Progressing')?.reason === 'DeploymentPaused');
    expect(condition(dep('p'), 'Progressing')).toMatchObject({ status: 'Unknown', message: 'Deployment is paused' });
    patchTemplate('p', 'nginx:1.26');
    await waitFor(() => dep('p')?.status?.observedGeneration === dep('p')?.metadata.generation);
    await new Promise(r => setTimeout(r, 100));
    expect(rsOf('p')).toHaveLength(1);
    // Scaling still works while paused.
    h.client.patch('apps/v1', 'Deployment', 'default', 'p', 'merge', { spec: { replicas: 3 } });
    await waitFor(() => dep('p')?.status?.availableReplicas === 3);
    expect(rsOf('p')).toHaveLength(1);
    h.client.patch('apps/v1', 'Deployment', 'default', 'p', 'merge', { spec: { paused: null } });
    await waitFor(() => rsOf('p').length === 2 && isAvailable('p'));
    expect(podsOf(h.client, 'default', 'app=p').every(p => p.spec.containers[0].image === 'nginx:1.26')).toBe(true);
  });

  it('scales, records ScalingReplicaSet, and keeps revisionHistoryLimit old ReplicaSets', async () => {
    h = startHarness({ readyDelayMs: 5 });
    h.client.create(deployment('hist', { replicas: 1, extra: { revisionHistoryLimit: 1 } }));
    await waitFor(() => isAvailable('hist'));
    for (const tag of ['1.26', '1.27', '1.28']) {
      patchTemplate('hist', `nginx:${tag}`);
      await waitFor(() => {
        const d = dep('hist');
        return d?.status?.observedGeneration === d?.metadata.generation && isAvailable('hist') && rsOf('hist').length <= 2;
      });
    }
    const sets = rsOf('hist');
    expect(sets).toHaveLength(2);
    expect(sets.map(rs => rs.metadata.annotations?.['deployment.kubernetes.io/revision']).sort()).toEqual(['3', '4']);
    h.client.patch('apps/v1', 'Deployment', 'default', 'hist', 'merge', { spec: { replicas: 4 } });
    await waitFor(() => isAvailable('hist') && dep('hist')?.status?.availableReplicas === 4);
    await waitFor(() =>
      h.client.list('v1', 'Event', { namespace: 'default' }).some(e => e.reason === 'ScalingReplicaSet' && / from 1 to 4$/.test(e.message)),
    );
    h.client.patch('apps/v1', 'Deployment', 'default', 'hist', 'merge', { spec: { replicas: 2 } });
    await waitFor(() => isAvailable('hist') && podsOf(h.client, 'default', 'app=hist').length === 2);
  });

  it('rolls back to an earlier template by reusing its ReplicaSet with a new revision', async () => {
    h = startHarness({ readyDelayMs: 5 });
    h.client.create(deployment('rb', { replicas: 2 }));
    await waitFor(() => isAvailable('rb'));
    const first = rsOf('rb')[0].metadata.name;
    patchTemplate('rb', 'nginx:1.26');
    await waitFor(() => rsOf('rb').length === 2 && isAvailable('rb'));
    patchTemplate('rb', 'nginx:1.25');
    await waitFor(() => dep('rb')?.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3' && isAvailable('rb'));
    const rs = h.client.get('apps/v1', 'ReplicaSet', 'default', first!)!;
    expect(rs.spec.replicas).toBe(2);
    expect(rs.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(rs.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
  });

  it('marks ProgressDeadlineExceeded when a rollout makes no progress for progressDeadlineSeconds', async () => {
    const clock = new FakeClock();
    h = startHarness({ readyDelayMs: 0 }, clock);
    h.client.create(deployment('stuck', { replicas: 1 }));
    await waitFor(() => isAvailable('stuck'));
    h.client.patch('apps/v1', 'Deployment', 'default', 'stuck', 'merge', {
      spec: {
        progressDeadlineSeconds: 30,
        template: { metadata: { annotations: { 'sim.gitops-suite.io/failure': 'NeverReady' } } },
      },
    });
    await waitFor(() => rsOf('stuck').length === 2 && dep('stuck')?.status?.replicas === 2);
    const before = dep('stuck')!;
    expect(condition(before, 'Progressing')?.status).toBe('True');
    expect(condition(before, 'Available')?.status).toBe('True');
    clock.advance(20_000);
    await new Promise(r => setTimeout(r, 50));
    expect(condition(dep('stuck'), 'Progressing')?.reason).not.toBe('ProgressDeadlineExceeded');
    clock.advance(15_000);
    const d = await waitFor(() => {
      const x = dep('stuck');
      return condition(x, 'Progressing')?.reason === 'ProgressDeadlineExceeded' ? x : undefined;
    });
    const newRS = rsOf('stuck').find(rs => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2')!;
    expect(condition(d, 'Progressing')).toMatchObject({
      status: 'False',
      message: `ReplicaSet "${newRS.metadata.name}" has timed out progressing.`,
    });
    expect(d.status).toMatchObject({ replicas: 2, updatedReplicas: 1, availableReplicas: 1, unavailableReplicas: 1 });
  });

  it('scales ReplicaSets owned by other controllers (an Argo Rollout) but leaves their spec alone', async () => {
    h = startHarness();
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'canary-abc12345',
        namespace: 'default',
        labels: { app: 'canary', 'rollouts-pod-template-hash': 'abc12345' },
        ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'canary', uid: 'rollout-uid', controller: true }],
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'canary', 'rollouts-pod-template-hash': 'abc12345' } },
        template: { metadata: { labels: { app: 'canary', 'rollouts-pod-template-hash': 'abc12345' } }, spec: { containers: [{ name: 'app', image: 'nginx:1' }] } },
      },
    };
    h.client.create(rs);
    await waitFor(() => h.client.get('apps/v1', 'ReplicaSet', 'default', 'canary-abc12345')?.status?.availableReplicas === 2);
    h.client.patch('apps/v1', 'ReplicaSet', 'default', 'canary-abc12345', 'merge', { spec: { replicas: 1 } });
    await waitFor(() => {
      const x = h.client.get('apps/v1', 'ReplicaSet', 'default', 'canary-abc12345');
      return x?.status?.replicas === 1 && x.status.observedGeneration === 2;
    });
    expect(podsOf(h.client, 'default', 'app=canary')).toHaveLength(1);
    const after = h.client.get('apps/v1', 'ReplicaSet', 'default', 'canary-abc12345')!;
    expect(after.metadata.annotations).toBeUndefined();
    expect(after.metadata.ownerReferences?.[0].kind).toBe('Rollout');
  });

  it('scale-down removes not-ready pods first', async () => {
    h = startHarness({ readyDelayMs: 5 });
    h.client.create(deployment('sd', { replicas: 3 }));
    await waitFor(() => isAvailable('sd'));
    // One pod stops being ready (as if its readiness probe failed).
    const [victim] = podsOf(h.client, 'default', 'app=sd');
    h.client.patch('v1', 'Pod', 'default', victim.metadata.name!, 'merge', { metadata: { annotations: { 'sim.gitops-suite.io/failure': 'NeverReady' } } });
    await waitFor(() => condition(h.client.get('v1', 'Pod', 'default', victim.metadata.name!), 'Ready')?.status === 'False');
    h.client.patch('apps/v1', 'Deployment', 'default', 'sd', 'merge', { spec: { replicas: 2 } });
    await waitFor(() => podsOf(h.client, 'default', 'app=sd').length === 2);
    expect(h.client.get('v1', 'Pod', 'default', victim.metadata.name!)).toBeUndefined();
  });
});
