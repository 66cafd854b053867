/**
 * CronJob controller: creates a Job `<cronjob>-<scheduled time in minutes>` at each schedule
 * time (cron-parser, optional spec.timeZone), within startingDeadlineSeconds, following
 * concurrencyPolicy (Allow / Forbid / Replace) and `suspend`; tracks status.active,
 * lastScheduleTime and lastSuccessfulTime, and deletes finished Jobs beyond
 * successfulJobsHistoryLimit / failedJobsHistoryLimit. Time comes from the injectable clock.
 */
import { CronExpressionParser } from 'cron-parser';
import type { KubeObject } from '../store/types';
import { kubeTime, parseKubeTime } from './clock';
import { OWNER, ownerKey, SimContext } from './context';
import { jobFinished, JobSpec, JobStatus } from './job';
import type { ObjectMetaLite, ObjectReference } from './kubeTypes';
import { clone, createdAt, deepEqual, intField, ownerRefTo } from './objects';
import { apiErrorCode, ReconcileResult } from './queue';
import type { ApiWriter } from './writer';

const COMPONENT = 'cronjob-controller';

interface CronJobSpec {
  schedule: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  suspend?: boolean;
  jobTemplate: { metadata?: ObjectMetaLite; spec: JobSpec };
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}

interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

export interface Schedule {
  /** First schedule time strictly after `after`. */
  next(after: number): number | undefined;
  /** Last schedule time at or before `at`. */
  latest(at: number): number | undefined;
}

/** Parses a Kubernetes CronJob schedule (five fields or a macro such as @hourly). */
export function parseSchedule(schedule: string, timeZone?: string): Schedule {
  const text = schedule.trim();
  if (!text.startsWith('@') && text.split(/\s+/).length !== 5) {
    throw new Error(`expected exactly 5 fields, found ${text.split(/\s+/).length}: ${text}`);
  }
  // Validate once (throws on bad syntax or zone).
  CronExpressionParser.parse(text, { currentDate: new Date(0), tz: timeZone ?? 'UTC' });
  return {
    next(after: number) {
      const expr = CronExpressionParser.parse(text, { currentDate: new Date(after), tz: timeZone ?? 'UTC' });
      return expr.hasNext() ? expr.next().getTime() : undefined;
    },
    latest(at: number) {
      const expr = CronExpressionParser.parse(text, { currentDate: new Date(at + 1), tz: timeZone ?? 'UTC' });
      return expr.hasPrev() ? expr.prev().getTime() : undefined;
    },
  };
}

export class CronJobController {
  private readonly queue;

  private readonly writer: ApiWriter;

  constructor(private readonly ctx: SimContext) {
    this.writer = ctx.writer.as('cronjob');
    this.queue = ctx.scheduler.queue('cronjob', key => this.reconcile(key));
    ctx.informers.cronJobs.onChange((_t, obj, _old, origin) => {
      if (origin !== 'cronjob') this.queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
    });
    ctx.informers.jobs.onChange((_t, obj) => {
      const k = ownerKey(obj, 'CronJob');
      if (k) this.queue.add(k);
    });
  }

  private reconcile(key: string): ReconcileResult | void {
    const cj = this.ctx.informers.cronJobs.getByKey(key);
    if (!cj || cj.metadata.deletionTimestamp) return undefined;
    const spec = cj.spec as CronJobSpec;
    if (!spec?.jobTemplate) return undefined;
    const nowMs = this.ctx.clock.now();
    const old = (cj.status ?? {}) as CronJobStatus;
    const status: CronJobStatus = clone(old);
    const jobs = this.ctx.informers.jobs.byIndex(OWNER, cj.metadata.uid ?? '').filter(j => j.metadata.namespace === cj.metadata.namespace);
    const byUid = new Map(jobs.map(j => [j.metadata.uid, j]));
    let active = [...(status.active ?? [])];

    for (const job of jobs) {
      const inActive = active.some(r => r.uid === job.metadata.uid);
      const done = jobFinished(job);
      if (inActive && done) {
        active = active.filter(r => r.uid !== job.metadata.uid);
        this.ctx.recorder.record(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, status: ${done.type}`, COMPONENT);
      } else if (!inActive && !done) {
        active.push(this.ref(job));
      }
      if (done?.type === 'Complete') {
        const completed = (job.status as JobStatus | undefined)?.completionTime;
        const t = parseKubeTime(completed);
        if (t !== undefined && t > (parseKubeTime(status.lastSuccessfulTime) ?? -Infinity)) status.lastSuccessfulTime = completed;
      }
    }
    for (const ref of active) {
      if (!byUid.has(ref.uid)) {
        this.ctx.recorder.record(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`, COMPONENT);
      }
    }
    active = active.filter(r => byUid.has(r.uid));
    this.cleanupHistory(cj, spec, jobs);

    let requeue: number | undefined;
    if (!spec.suspend) {
      let schedule: Schedule | undefined;
      try {
        schedule = parseSchedule(spec.schedule ?? '', spec.timeZone);
      } catch (error) {
        this.ctx.recorder.record(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${spec.schedule}" : ${(error as Error).message}`, COMPONENT);
      }
      if (schedule) {
        const earliestBase = parseKubeTime(old.lastScheduleTime) ?? createdAt(cj);
        const earliest =
          typeof spec.startingDeadlineSeconds === 'number' ? Math.max(earliestBase, nowMs - spec.startingDeadlineSeconds * 1000) : earliestBase;
        // The most recent schedule time not yet run; older missed ones are skipped, as in Kubernetes.
        const latest = schedule.latest(nowMs);
        const missed = latest !== undefined && latest > earliest ? latest : undefined;
        const next = schedule.next(nowMs);
        if (next !== undefined) requeue = Math.max(1, next - nowMs);
        if (missed !== undefined) {
          const policy = spec.concurrencyPolicy ?? 'Allow';
          if (policy === 'Forbid' && active.length > 0) {
            this.ctx.recorder.record(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid', COMPONENT);
          } else {
            if (policy === 'Replace') {
              for (const ref of active) {
                const job = byUid.get(ref.uid);
                if (job) {
                  this.writer.delete(job, { propagationPolicy: 'Background' });
                  this.ctx.recorder.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`, COMPONENT);
                }
              }
              active = [];
            }
            const job = this.createJob(cj, spec, missed);
            if (job && !active.some(r => r.uid === job.metadata.uid)) active.push(this.ref(job));
            status.lastScheduleTime = kubeTime(missed);
          }
        }
      }
    }

    if (active.length) status.active = active;
    else delete status.active;
    if (!deepEqual(status, old)) this.writer.updateStatus({ ...cj, status }, 'kube-controller-manager');
    return requeue !== undefined ? { requeueAfterMs: requeue } : undefined;
  }

  private ref(job: KubeObject): ObjectReference {
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: job.metadata.name,
      namespace: job.metadata.namespace,
      uid: job.metadata.uid,
      resourceVersion: job.metadata.resourceVersion,
    };
  }

  private createJob(cj: KubeObject, spec: CronJobSpec, scheduled: number): KubeObject | undefined {
    const name = `${cj.metadata.name}-${Math.floor(scheduled / 60_000)}`;
    const meta = spec.jobTemplate.metadata ?? {};
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cj.metadata.namespace,
        labels: { ...(meta.labels ?? {}) },
        annotations: { ...(meta.annotations ?? {}), 'batch.kubernetes.io/cronjob-scheduled-timestamp': kubeTime(scheduled) },
        ownerReferences: [ownerRefTo(cj)],
      },
      spec: clone(spec.jobTemplate.spec),
    };
    try {
      const created = this.writer.create(job, 'kube-controller-manager');
      this.ctx.recorder.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${name}`, COMPONENT);
      return created;
    } catch (error) {
      if (apiErrorCode(error) !== 409) {
        this.ctx.recorder.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${(error as Error).message}`, COMPONENT);
        throw error;
      }
      const existing = this.ctx.informers.jobs.get(cj.metadata.namespace, name);
      return existing?.metadata.ownerReferences?.some(r => r.uid === cj.metadata.uid) ? existing : undefined;
    }
  }

  private cleanupHistory(cj: KubeObject, spec: CronJobSpec, jobs: KubeObject[]): void {
    const limits: Record<'Complete' | 'Failed', number> = {
      Complete: intField(spec.successfulJobsHistoryLimit, 3),
      Failed: intField(spec.failedJobsHistoryLimit, 1),
    };
    for (const type of ['Complete', 'Failed'] as const) {
      const finished = jobs
        .filter(j => jobFinished(j)?.type === type && !j.metadata.deletionTimestamp)
        .sort((a, b) => {
          const sa = parseKubeTime((a.status as JobStatus | undefined)?.startTime) ?? createdAt(a);
          const sb = parseKubeTime((b.status as JobStatus | undefined)?.startTime) ?? createdAt(b);
          return sa - sb;
        });
      for (const job of finished.slice(0, Math.max(0, finished.length - limits[type]))) {
        this.writer.delete(job, { propagationPolicy: 'Background' });
        this.ctx.recorder.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`, COMPONENT);
      }
    }
  }
}
