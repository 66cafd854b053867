/**
 * Job controller: runs `parallelism` pods at a time until `completions` succeed (or, without
 * completions, until one succeeds and none run), replaces failed pods after a doubling backoff
 * until backoffLimit is passed, honours activeDeadlineSeconds, `suspend` and
 * ttlSecondsAfterFinished, and writes the batch/v1 status (active, succeeded, failed, ready,
 * startTime, completionTime, uncountedTerminatedPods, conditions SuccessCriteriaMet/Complete,
 * FailureTarget/Failed, Suspended).
 */
import type { KubeObject } from '../store/types';
import { kubeTime, parseKubeTime } from './clock';
import { OWNER, ownerKey, SimContext } from './context';
import { generatedName } from './hash';
import type { Condition, PodTemplateSpec } from './kubeTypes';
import { buildPod } from './podFactory';
import { byCreation, clone, deepEqual, findCondition, intField, isPodActive, isPodReady, podStatus, upsertCondition } from './objects';
import type { ReconcileResult } from './queue';
import type { ApiWriter } from './writer';

const COMPONENT = 'job-controller';

export interface JobSpec {
  parallelism?: number;
  completions?: number;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  suspend?: boolean;
  template: PodTemplateSpec;
}

export interface JobStatus {
  active?: number;
  succeeded?: number;
  failed?: number;
  ready?: number;
  startTime?: string;
  completionTime?: string;
  conditions?: Condition[];
  uncountedTerminatedPods?: Record<string, unknown>;
}

/** Complete or Failed, and when (for TTL). */
export function jobFinished(job: KubeObject): { type: 'Complete' | 'Failed'; at: number } | undefined {
  const status = (job.status ?? {}) as JobStatus;
  for (const type of ['Complete', 'Failed'] as const) {
    const c = findCondition(status.conditions, type);
    if (c?.status === 'True') {
      const at = parseKubeTime(type === 'Complete' ? status.completionTime ?? c.lastTransitionTime : c.lastTransitionTime) ?? 0;
      return { type, at };
    }
  }
  return undefined;
}

export class JobController {
  private readonly queue;
  /** When this process first saw the job's latest failure (drives the retry backoff). */
  private readonly lastFailure = new Map<string, { failed: number; at: number }>();

  private readonly writer: ApiWriter;

  constructor(private readonly ctx: SimContext) {
    this.writer = ctx.writer.as('job');
    this.queue = ctx.scheduler.queue('job', key => this.reconcile(key));
    ctx.informers.jobs.onChange((type, obj) => {
      if (type === 'DELETED') this.lastFailure.delete(obj.metadata.uid ?? '');
      else this.queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
    });
    ctx.informers.pods.onChange((_t, obj) => {
      const k = ownerKey(obj, 'Job');
      if (k) this.queue.add(k);
    });
  }

  private reconcile(key: string): ReconcileResult | void {
    const job = this.ctx.informers.jobs.getByKey(key);
    if (!job || job.metadata.deletionTimestamp) return undefined;
    const spec = job.spec as JobSpec;
    if (!spec?.template) return undefined;
    const nowMs = this.ctx.clock.now();
    const now = kubeTime(nowMs);
    const finished = jobFinished(job);
    if (finished) return this.handleTtl(job, spec, finished.at, nowMs);

    const old = (job.status ?? {}) as JobStatus;
    const status: JobStatus = clone(old);
    const uid = job.metadata.uid ?? '';
    const pods = this.ctx.informers.pods.byIndex(OWNER, uid).filter(p => p.metadata.namespace === job.metadata.namespace);
    let active = pods.filter(isPodActive);
    const succeeded = Math.max(old.succeeded ?? 0, pods.filter(p => podStatus(p).phase === 'Succeeded').length);
    const failed = Math.max(old.failed ?? 0, pods.filter(p => podStatus(p).phase === 'Failed').length);
    const seen = this.lastFailure.get(uid);
    if (failed > 0 && (!seen || seen.failed < failed)) this.lastFailure.set(uid, { failed, at: nowMs });
    let conditions = clone(old.conditions ?? []);
    const cond = (type: string, value: boolean, reason: string, message: string) => {
      conditions = upsertCondition(conditions, type, value ? 'True' : 'False', now, { reason, message, lastProbeTime: now });
    };
    let requeue: number | undefined;

    if (spec.suspend) {
      for (const p of active) this.deletePod(job, p);
      active = [];
      if (findCondition(conditions, 'Suspended')?.status !== 'True') {
        cond('Suspended', true, 'JobSuspended', 'Job suspended');
        this.ctx.recorder.record(job, 'Normal', 'Suspended', 'Job suspended', COMPONENT);
      }
      delete status.startTime;
    } else {
      if (findCondition(conditions, 'Suspended')?.status === 'True') {
        cond('Suspended', false, 'JobResumed', 'Job resumed');
        this.ctx.recorder.record(job, 'Normal', 'Resumed', 'Job resumed', COMPONENT);
      }
      status.startTime ??= now;
      const startMs = parseKubeTime(status.startTime) ?? nowMs;
      const backoffLimit = intField(spec.backoffLimit, 6);
      const parallelism = Math.max(0, intField(spec.parallelism, 1));
      const completions = typeof spec.completions === 'number' ? spec.completions : undefined;
      const deadline = typeof spec.activeDeadlineSeconds === 'number' ? startMs + spec.activeDeadlineSeconds * 1000 : undefined;
      let failure: [string, string] | undefined;
      if (failed > backoffLimit) failure = ['BackoffLimitExceeded', 'Job has reached the specified backoff limit'];
      else if (deadline !== undefined && nowMs >= deadline) failure = ['DeadlineExceeded', 'Job was active longer than specified deadline'];
      const complete = completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0;
      if (failure) {
        for (const p of active) this.deletePod(job, p);
        active = [];
        cond('FailureTarget', true, failure[0], failure[1]);
        cond('Failed', true, failure[0], failure[1]);
        this.ctx.recorder.record(job, 'Warning', failure[0], failure[1], COMPONENT);
      } else if (complete) {
        for (const p of active) this.deletePod(job, p);
        active = [];
        cond('SuccessCriteriaMet', true, 'CompletionsReached', 'Reached expected number of succeeded pods');
        cond('Complete', true, 'CompletionsReached', 'Reached expected number of succeeded pods');
        status.completionTime = now;
        this.ctx.recorder.record(job, 'Normal', 'Completed', 'Job completed', COMPONENT);
      } else {
        // Without completions, the Job is done once any pod succeeded: start no more.
        let want = succeeded > 0 ? 0 : parallelism;
        if (completions !== undefined) want = Math.min(parallelism, completions - succeeded);
        if (active.length < want) {
          const last = this.lastFailure.get(uid);
          const backoff = failed > 0 ? Math.min(this.ctx.options.jobBackoffMs * 2 ** (failed - 1), 360_000) : 0;
          const readyAt = last ? last.at + backoff : nowMs;
          if (readyAt > nowMs) requeue = readyAt - nowMs;
          else for (let i = active.length; i < want; i++) active.push(this.createPod(job, spec));
        } else if (active.length > want) {
          const extra = [...active].sort(byCreation).slice(want);
          for (const p of extra) this.deletePod(job, p);
          active = active.filter(p => !extra.includes(p));
        }
        if (deadline !== undefined) requeue = Math.min(requeue ?? Infinity, Math.max(1, deadline - nowMs));
      }
    }

    const next: JobStatus = { ...status, conditions: conditions.length ? conditions : undefined };
    if (active.length) next.active = active.length;
    else delete next.active;
    if (succeeded) next.succeeded = succeeded;
    if (failed) next.failed = failed;
    next.ready = active.filter(isPodReady).length;
    next.uncountedTerminatedPods = {};
    if (!next.conditions) delete next.conditions;
    let written = job;
    if (!deepEqual(next, old)) written = this.writer.updateStatus({ ...job, status: next }, 'kube-controller-manager');
    const done = jobFinished(written);
    if (done) return this.handleTtl(written, spec, done.at, nowMs);
    return requeue !== undefined ? { requeueAfterMs: requeue } : undefined;
  }

  private handleTtl(job: KubeObject, spec: JobSpec, finishedAt: number, nowMs: number): ReconcileResult | void {
    if (typeof spec.ttlSecondsAfterFinished !== 'number') return undefined;
    const expireAt = finishedAt + spec.ttlSecondsAfterFinished * 1000;
    if (expireAt > nowMs) return { requeueAfterMs: expireAt - nowMs };
    this.writer.delete(job, { propagationPolicy: 'Background' });
    return undefined;
  }

  private createPod(job: KubeObject, spec: JobSpec): KubeObject {
    const name = job.metadata.name ?? '';
    const uid = job.metadata.uid ?? '';
    const pod = buildPod(this.ctx, {
      owner: job,
      template: spec.template,
      name: generatedName(name),
      extraLabels: {
        'batch.kubernetes.io/controller-uid': uid,
        'batch.kubernetes.io/job-name': name,
        'controller-uid': uid,
        'job-name': name,
      },
    });
    const created = this.writer.create(pod, 'kube-controller-manager');
    this.ctx.recorder.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, COMPONENT);
    return created;
  }

  private deletePod(job: KubeObject, pod: KubeObject): void {
    this.writer.delete(pod, { propagationPolicy: 'Background' });
    this.ctx.recorder.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, COMPONENT);
  }
}
