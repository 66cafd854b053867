/** The simulated kubelet: pod status, readiness timing, failure modes, nodes, deletion. */
import type { KubeObject } from '../store/types';
import { FakeClock } from './clock';
import { condition, Harness, startHarness, waitFor } from './__testUtils__/harness';

// Real-time waits: leave room for a loaded CI machine.
jest.setTimeout(20_000);

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

function pod(name: string, annotations: Record<string, string> = {}, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name }, annotations },
    spec: { containers: [{ name: 'main', image: 'alpine:3.20' }], ...extra },
  };
}

const get = (name: string) => h.client.get('v1', 'Pod', 'default', name);

describe('kubelet', () => {
  it('registers Ready nodes and schedules bare pods onto the least loaded one', async () => {
    h = startHarness({ nodes: 3 });
    const nodes = await waitFor(() => {
      const list = h.client.list('v1', 'Node');
      return list.length === 3 && list.every(n => condition(n, 'Ready')?.status === 'True') ? list : undefined;
    });
    expect(nodes.map(n => n.metadata.name).sort()).toEqual(['sim-node-1', 'sim-node-2', 'sim-node-3']);
    expect(condition(nodes[0], 'Ready')).toMatchObject({ reason: 'KubeletReady', message: 'kubelet is posting ready status' });
    expect(nodes[0].status.addresses).toContainEqual({ type: 'InternalIP', address: expect.stringMatching(/^172\.18\./) });
    for (const n of ['a', 'b', 'c']) h.client.create(pod(n));
    await waitFor(() => ['a', 'b', 'c'].every(n => condition(get(n), 'Ready')?.status === 'True'));
    expect(new Set(['a', 'b', 'c'].map(n => get(n)!.spec.nodeName)).size).toBe(3);
  });

  it('writes a realistic Running status and becomes Ready after the ready delay', async () => {
    h = startHarness({ readyDelayMs: 150 });
    h.client.create(pod('web', {}, { containers: [{ name: 'main', image: 'nginx:1.25', resources: { limits: { cpu: '1', memory: '1Gi' } } }] }));
    const running = await waitFor(() => (get('web')?.status?.phase === 'Running' ? get('web') : undefined));
    expect(condition(running, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [main]' });
    expect(condition(running, 'PodScheduled')?.status).toBe('True');
    expect(condition(running, 'Initialized')?.status).toBe('True');
    expect(running!.status).toMatchObject({
      hostIP: expect.stringMatching(/^172\.18\./),
      podIP: expect.stringMatching(/^10\./),
      qosClass: 'Guaranteed',
      startTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(running!.status.containerStatuses[0]).toMatchObject({
      name: 'main',
      image: 'nginx:1.25',
      imageID: expect.stringMatching(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/),
      ready: false,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: expect.any(String) } },
    });
    const t0 = Date.now();
    const ready = await waitFor(() => (condition(get('web'), 'Ready')?.status === 'True' ? get('web') : undefined));
    expect(Date.now() - t0).toBeGreaterThan(60);
    expect(condition(ready, 'ContainersReady')?.status).toBe('True');
    expect(ready!.status.containerStatuses[0].ready).toBe(true);
    await waitFor(() => {
      const reasons = h.client.list('v1', 'Event', { namespace: 'default' }).filter(e => e.involvedObject.name === 'web').map(e => e.reason);
      return ['Scheduled', 'Pulled', 'Created', 'Started'].every(r => reasons.includes(r));
    });
  });

  it('honours the ready-delay annotation per pod', async () => {
    h = startHarness({ readyDelayMs: 10 });
    h.client.create(pod('quick'));
    h.client.create(pod('late', { 'sim.gitops-suite.io/ready-delay': '400ms' }));
    await waitFor(() => condition(get('quick'), 'Ready')?.status === 'True');
    expect(condition(get('late'), 'Ready')?.status).toBe('False');
    await waitFor(() => condition(get('late'), 'Ready')?.status === 'True', 3000);
  });

  it('CrashLoop: restartCount grows, state CrashLoopBackOff with lastState terminated exit 1, BackOff events', async () => {
    h = startHarness({ crashLoopIntervalMs: 40 });
    h.client.create(pod('crash', { 'sim.gitops-suite.io/failure': 'CrashLoop' }));
    const first = await waitFor(() => {
      const p = get('crash');
      return (p?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? p : undefined;
    });
    const cs = first.status.containerStatuses[0];
    expect(first.status.phase).toBe('Running');
    expect(cs.ready).toBe(false);
    expect(cs.state.waiting).toMatchObject({ reason: 'CrashLoopBackOff', message: expect.stringContaining('restarting failed container=main pod=crash_default(') });
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(condition(first, 'Ready')?.status).toBe('False');
    await waitFor(() => (get('crash')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 4, 3000);
    const backoff = await waitFor(() =>
      h.client.list('v1', 'Event', { namespace: 'default' }).find(e => e.reason === 'BackOff' && e.involvedObject.name === 'crash' && e.count >= 2),
    );
    expect(backoff).toMatchObject({ type: 'Warning', message: expect.stringContaining('Back-off restarting failed container main') });
  });

  it('NeverReady stays Running and unready; ImagePullBackOff stays Pending', async () => {
    h = startHarness({ readyDelayMs: 5 });
    h.client.create(pod('never', { 'sim.gitops-suite.io/failure': 'NeverReady' }));
    h.client.create(pod('pull', { 'sim.gitops-suite.io/failure': 'ImagePullBackOff' }));
    await waitFor(() => get('never')?.status?.phase === 'Running' && get('pull')?.status?.phase === 'Pending');
    await new Promise(r => setTimeout(r, 60));
    expect(condition(get('never'), 'Ready')?.status).toBe('False');
    expect(get('never')!.status.containerStatuses[0]).toMatchObject({ ready: false, started: true, state: { running: expect.any(Object) } });
    const pull = get('pull')!;
    expect(pull.status.containerStatuses[0]).toMatchObject({
      ready: false,
      restartCount: 0,
      state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "alpine:3.20"' } },
    });
    await waitFor(() => h.client.list('v1', 'Event', { namespace: 'default' }).some(e => e.involvedObject.name === 'pull' && e.reason === 'BackOff'));
  });

  it('runs pods with restartPolicy Never to completion (Succeeded, or Failed with JobFail)', async () => {
    h = startHarness({ readyDelayMs: 5 });
    h.client.create(pod('ok', { 'sim.gitops-suite.io/run-duration': '80ms' }, { restartPolicy: 'Never' }));
    h.client.create(pod('bad', { 'sim.gitops-suite.io/run-duration': '80ms', 'sim.gitops-suite.io/failure': 'JobFail' }, { restartPolicy: 'Never' }));
    await waitFor(() => get('ok')?.status?.phase === 'Succeeded' && get('bad')?.status?.phase === 'Failed', 3000);
    expect(get('ok')!.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(condition(get('ok'), 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(get('bad')!.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
  });

  it('finishes graceful deletions at once', async () => {
    h = startHarness();
    h.client.create({ ...pod('fin'), metadata: { ...pod('fin').metadata, finalizers: [] } });
    await waitFor(() => condition(get('fin'), 'Ready')?.status === 'True');
    // A store that implements grace periods marks the pod first; the kubelet completes it.
    h.client.patch('v1', 'Pod', 'default', 'fin', 'merge', { metadata: { finalizers: ['sim/hold'] } });
    h.client.delete('v1', 'Pod', 'default', 'fin');
    expect(get('fin')?.metadata.deletionTimestamp).toBeTruthy();
    h.client.patch('v1', 'Pod', 'default', 'fin', 'merge', { metadata: { finalizers: null } });
    await waitFor(() => !get('fin'));
  });

  it('uses the injected clock for readiness', async () => {
    const clock = new FakeClock();
    h = startHarness({ readyDelayMs: 5000 }, clock);
    h.client.create(pod('fake'));
    await waitFor(() => get('fake')?.status?.phase === 'Running');
    await new Promise(r => setTimeout(r, 30));
    expect(condition(get('fake'), 'Ready')?.status).toBe('False');
    clock.advance(5000);
    await waitFor(() => condition(get('fake'), 'Ready')?.status === 'True');
  });
});
