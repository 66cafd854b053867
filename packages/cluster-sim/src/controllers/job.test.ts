/** Job and CronJob controllers (CronJob on an injected clock). */
import type { KubeObject } from '../store/types';
import { FakeClock } from './clock';
import { condition, Harness, startHarness, waitFor } from './__testUtils__/harness';

// Real-time waits: leave room for a loaded CI machine.
jest.setTimeout(20_000);

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

function job(name: string, spec: Record<string, unknown> = {}, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      template: {
        metadata: { annotations: { 'sim.gitops-suite.io/run-duration': '30ms', ...annotations } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'task', image: 'busybox:1.36' }] },
      },
      ...spec,
    },
  };
}

const getJob = (name: string) => h.client.get('batch/v1', 'Job', 'default', name);
const jobPods = (name: string) => h.client.list('v1', 'Pod', { namespace: 'default', labelSelector: `job-name=${name}` });

describe('Job controller', () => {
  it('runs completions with bounded parallelism and reports Complete', async () => {
    h = startHarness({ readyDelayMs: 5 });
    let maxActive = 0;
    h.client.watch('batch/v1', 'Job', ev => {
      maxActive = Math.max(maxActive, ev.object.status?.active ?? 0);
    });
    h.client.create(job('batch', { completions: 4, parallelism: 2 }));
    const done = await waitFor(() => (condition(getJob('batch'), 'Complete')?.status === 'True' ? getJob('batch') : undefined), 5000);
    expect(done.status).toMatchObject({
      succeeded: 4,
      ready: 0,
      startTime: expect.any(String),
      completionTime: expect.any(String),
      uncountedTerminatedPods: {},
    });
    expect(done.status.active).toBeUndefined();
    expect(done.status.failed).toBeUndefined();
    expect(condition(done, 'Complete')).toMatchObject({ reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
    expect(maxActive).toBe(2);
    const pods = jobPods('batch');
    expect(pods).toHaveLength(4);
    expect(pods.every(p => p.status.phase === 'Succeeded')).toBe(true);
    expect(pods[0].metadata.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'batch', 'controller-uid': done.metadata.uid });
    await waitFor(() => h.client.list('v1', 'Event', { namespace: 'default' }).some(e => e.reason === 'Completed' && e.involvedObject.name === 'batch'));
  });

  it('fails with BackoffLimitExceeded after backoffLimit + 1 failed pods', async () => {
    h = startHarness({ readyDelayMs: 5, jobBackoffMs: 10 });
    h.client.create(job('flaky', { backoffLimit: 2 }, { 'sim.gitops-suite.io/failure': 'JobFail' }));
    const failed = await waitFor(() => (condition(getJob('flaky'), 'Failed')?.status === 'True' ? getJob('flaky') : undefined), 5000);
    expect(condition(failed, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(failed.status.failed).toBe(3);
    expect(failed.status.succeeded).toBeUndefined();
    expect(jobPods('flaky').filter(p => p.status.phase === 'Failed')).toHaveLength(3);
    await waitFor(() => h.client.list('v1', 'Event', { namespace: 'default' }).some(e => e.reason === 'BackoffLimitExceeded' && e.type === 'Warning'));
  });

  it('suspend stops pods and sets Suspended; resume continues', async () => {
    h = startHarness({ readyDelayMs: 5 });
    h.client.create(job('sus', { suspend: true }));
    await waitFor(() => condition(getJob('sus'), 'Suspended')?.status === 'True');
    expect(condition(getJob('sus'), 'Suspended')).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended' });
    expect(jobPods('sus')).toHaveLength(0);
    expect(getJob('sus')!.status.startTime).toBeUndefined();
    h.client.patch('batch/v1', 'Job', 'default', 'sus', 'merge', { spec: { suspend: false } });
    await waitFor(() => condition(getJob('sus'), 'Complete')?.status === 'True');
    expect(condition(getJob('sus'), 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed' });
  });

  it('deletes finished Jobs after ttlSecondsAfterFinished', async () => {
    const clock = new FakeClock();
    h = startHarness({ readyDelayMs: 0, jobRunMs: 0 }, clock);
    h.client.create(job('ttl', { ttlSecondsAfterFinished: 60 }, { 'sim.gitops-suite.io/run-duration': '0' }));
    await waitFor(() => condition(getJob('ttl'), 'Complete')?.status === 'True');
    clock.advance(30_000);
    await new Promise(r => setTimeout(r, 30));
    expect(getJob('ttl')).toBeDefined();
    clock.advance(31_000);
    await waitFor(() => !getJob('ttl'));
  });
});

function cronJob(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: {
        metadata: { labels: { owner: name } },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'task', image: 'busybox:1.36' }] } } },
      },
      ...spec,
    },
  };
}

describe('CronJob controller', () => {
  const start = Date.UTC(2025, 0, 1, 0, 3, 0);
  const cj = (name: string) => h.client.get('batch/v1', 'CronJob', 'default', name);
  const jobsOf = (name: string) => h.client.list('batch/v1', 'Job', { namespace: 'default', labelSelector: `owner=${name}` });

  it('creates a Job at each schedule time, named by the scheduled minute, and records history', async () => {
    const clock = new FakeClock(start);
    h = startHarness({ readyDelayMs: 0, jobRunMs: 1000 }, clock);
    h.client.create(cronJob('tick'));
    await waitFor(() => cj('tick')?.metadata.uid);
    await new Promise(r => setTimeout(r, 30));
    expect(jobsOf('tick')).toHaveLength(0);
    clock.set(Date.UTC(2025, 0, 1, 0, 5, 0));
    const first = `tick-${Date.UTC(2025, 0, 1, 0, 5, 0) / 60_000}`;
    await waitFor(() => h.client.get('batch/v1', 'Job', 'default', first), 5000, `first job ${JSON.stringify(h.client.list('batch/v1','Job').map(j=>j.metadata.name))}`);
    const created = h.client.get('batch/v1', 'Job', 'default', first)!;
    expect(created.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'tick', controller: true });
    expect(created.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2025-01-01T00:05:00Z');
    await waitFor(() => cj('tick')?.status?.active?.length === 1, 5000, 'active');
    expect(cj('tick')!.status.lastScheduleTime).toBe('2025-01-01T00:05:00Z');
    const { client } = h;
    const finish = async (jobName: string) => {
      await waitFor(() => client.list('v1', 'Pod', { namespace: 'default', labelSelector: `job-name=${jobName}` })[0]?.status?.phase === 'Running', 5000, `${jobName} running`);
      clock.advance(2000);
      await waitFor(() => condition(client.get('batch/v1', 'Job', 'default', jobName), 'Complete')?.status === 'True', 5000, `${jobName} complete`);
      await waitFor(() => !client.get('batch/v1', 'CronJob', 'default', 'tick')?.status?.active, 5000, 'no active');
    };
    await finish(first);
    expect(cj('tick')!.status.lastSuccessfulTime).toBe('2025-01-01T00:05:02Z');
    // Four more runs: only three successful Jobs are kept.
    for (const minute of [10, 15, 20, 25]) {
      clock.set(Date.UTC(2025, 0, 1, 0, minute, 0));
      const name = `tick-${Date.UTC(2025, 0, 1, 0, minute, 0) / 60_000}`;
      await waitFor(() => client.get('batch/v1', 'Job', 'default', name), 5000, name);
      await finish(name);
    }
    await waitFor(() => jobsOf('tick').length === 3);
    expect(jobsOf('tick').map(j => j.metadata.name).sort()).toEqual(
      [15, 20, 25].map(m => `tick-${Date.UTC(2025, 0, 1, 0, m, 0) / 60_000}`).sort(),
    );
  });

  it('Forbid skips a run while one is active; suspend stops scheduling', async () => {
    const clock = new FakeClock(start);
    h = startHarness({ readyDelayMs: 0, jobRunMs: 10 * 60_000 }, clock);
    h.client.create(cronJob('forbid', { concurrencyPolicy: 'Forbid' }));
    await waitFor(() => cj('forbid')?.metadata.uid);
    clock.set(Date.UTC(2025, 0, 1, 0, 5, 0));
    await waitFor(() => jobsOf('forbid').length === 1);
    clock.set(Date.UTC(2025, 0, 1, 0, 10, 0));
    await waitFor(() =>
      h.client.list('v1', 'Event', { namespace: 'default' }).some(e => e.reason === 'JobAlreadyActive' && e.involvedObject.name === 'forbid'),
    );
    expect(jobsOf('forbid')).toHaveLength(1);
    h.client.patch('batch/v1', 'CronJob', 'default', 'forbid', 'merge', { spec: { suspend: true, concurrencyPolicy: 'Allow' } });
    await new Promise(r => setTimeout(r, 30));
    clock.set(Date.UTC(2025, 0, 1, 0, 15, 0));
    await new Promise(r => setTimeout(r, 50));
    expect(jobsOf('forbid')).toHaveLength(1);
  });

  it('Replace deletes the running Job when the next one starts', async () => {
    const clock = new FakeClock(start);
    h = startHarness({ readyDelayMs: 0, jobRunMs: 10 * 60_000 }, clock);
    h.client.create(cronJob('rep', { concurrencyPolicy: 'Replace' }));
    await waitFor(() => cj('rep')?.metadata.uid);
    clock.set(Date.UTC(2025, 0, 1, 0, 5, 0));
    await waitFor(() => jobsOf('rep').length === 1);
    clock.set(Date.UTC(2025, 0, 1, 0, 10, 0));
    const second = `rep-${Date.UTC(2025, 0, 1, 0, 10, 0) / 60_000}`;
    await waitFor(() => jobsOf('rep').length === 1 && jobsOf('rep')[0].metadata.name === second);
    await waitFor(() => cj('rep')?.status?.active?.length === 1 && cj('rep')?.status?.active?.[0].name === second);
    expect(jobsOf('rep').map(j => j.metadata.name)).toEqual([second]);
  });

  it('reports an unparseable schedule as a Warning event', async () => {
    h = startHarness();
    h.client.create(cronJob('bad', { schedule: 'every minute please' }));
    const event = await waitFor(() =>
      h.client.list('v1', 'Event', { namespace: 'default' }).find(e => e.reason === 'UnparseableSchedule' && e.type === 'Warning'),
    );
    expect(event.message).toContain('every minute please');
    expect(h.client.list('batch/v1', 'Job', { namespace: 'default' })).toHaveLength(0);
  });
});
