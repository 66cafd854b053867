/**
 * Following a sync plan as Argo CD runs it: from what the controller did with each task and
 * what it sees live, decide each task's phase, whether the current step (wave) is done, still
 * running or failed, and what the operation does next (next step, SyncFail hooks, finish).
 *
 * Argo CD's rules, reproduced here:
 * - A hook (Job, Pod, Workflow...) succeeds when its health is Healthy (or it has no health),
 *   fails when Degraded or Unknown, and is running while Progressing or Suspended.
 * - An applied resource, in a multi-step sync, is done when Healthy or without health and
 *   FAILS when Degraded; it keeps the wave waiting while Progressing, Suspended, Missing or
 *   Unknown. In a single-step sync nothing waits for health.
 * - A pruned resource still present (deletion pending) keeps a multi-step sync waiting.
 * - A step completes when none of its tasks runs; then, if any failed, the operation fails
 *   (after running SyncFail hooks), else the next step starts.
 */
import type {
  KubeObject,
  OperationPhase,
  ResourceResult,
  ResultCode,
} from '@gitops-suite/plugin-gitops-common';
import { getResourceHealth, HealthOptions, HealthStatus } from '../health';
import type { SyncPlan, SyncStep, SyncTask } from './types';

/** What the controller did with a task. */
export type TaskOutcome =
  | 'pending'
  | 'applied'
  | 'pruned'
  | 'skipped'
  | 'failed';

export interface TaskObservation {
  outcome: TaskOutcome;
  /** The API server's answer (error text on failure, e.g. "deployment.apps/web created"). */
  message?: string;
  /** The live object now; null when it is gone, undefined when not known yet. */
  live?: KubeObject | null;
  /** Health to use instead of computing it from `live` (null = no health). */
  health?: HealthStatus | null;
  /**
   * The final phase of a hook, once the controller has seen it end; it stays final even after
   * the hook object is deleted by its delete policy.
   */
  hookPhase?: 'Succeeded' | 'Failed';
}

export type TaskPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface TaskState {
  id: string;
  phase: TaskPhase;
  message?: string;
}

export interface ProgressOptions {
  /** Whether the sync has several steps (only then resources are waited for). */
  multiStep: boolean;
  healthOptions?: HealthOptions;
}

function healthOf(
  obs: TaskObservation,
  opts: ProgressOptions,
): HealthStatus | undefined {
  if (obs.health !== undefined) return obs.health ?? undefined;
  return obs.live ? getResourceHealth(obs.live, opts.healthOptions) : undefined;
}

/** The phase of a hook from its health, as Argo CD derives it. */
export function hookPhaseFromHealth(
  health: HealthStatus | undefined,
  name: string,
): { phase: Exclude<TaskPhase, 'Pending'>; message: string } {
  if (!health) return { phase: 'Succeeded', message: `${name} created` };
  switch (health.status) {
    case 'Healthy':
      return { phase: 'Succeeded', message: health.message ?? '' };
    case 'Degraded':
    case 'Unknown':
      return { phase: 'Failed', message: health.message ?? '' };
    default:
      return { phase: 'Running', message: health.message ?? '' };
  }
}

/** The state of one task given its observation. */
export function taskState(
  task: SyncTask,
  obs: TaskObservation | undefined,
  opts: ProgressOptions,
): TaskState {
  const state = (phase: TaskPhase, message?: string): TaskState =>
    message ? { id: task.id, phase, message } : { id: task.id, phase };
  if (task.action === 'skip' || task.action === 'prune-skipped') {
    return state('Succeeded', task.reason);
  }
  if (!obs || obs.outcome === 'pending') return state('Pending');
  if (obs.outcome === 'failed') return state('Failed', obs.message ?? 'failed');
  if (obs.outcome === 'skipped')
    return state('Succeeded', obs.message ?? task.reason);

  if (task.action === 'prune') {
    if (obs.live && opts.multiStep)
      return state('Running', `waiting for deletion of ${task.key}`);
    return state('Succeeded', obs.message ?? 'pruned');
  }
  if (task.action === 'hook') {
    if (obs.hookPhase) return state(obs.hookPhase, obs.message);
    if (obs.live === undefined && obs.health === undefined) {
      return state(
        'Running',
        `waiting for hook ${task.resource.kind}/${task.resource.name} to appear`,
      );
    }
    if (obs.live === null && obs.health === undefined) {
      return state(
        'Failed',
        `hook ${task.resource.kind}/${task.resource.name} disappeared before it finished`,
      );
    }
    const name = obs.live?.metadata?.name ?? task.resource.name;
    const hook = hookPhaseFromHealth(healthOf(obs, opts), name);
    return state(hook.phase, hook.message || obs.message);
  }
  // apply / replace / create
  if (!opts.multiStep) return state('Succeeded', obs.message);
  if (obs.live === undefined && obs.health === undefined) {
    return state('Running', `waiting for the live state of ${task.key}`);
  }
  const health = healthOf(obs, opts);
  if (!health || health.status === 'Healthy')
    return state('Succeeded', obs.message ?? health?.message);
  if (health.status === 'Degraded')
    return state('Failed', health.message || `${task.key} is Degraded`);
  return state(
    'Running',
    health.message || `waiting for healthy state of ${task.key}`,
  );
}

export type StepStatus = 'pending' | 'running' | 'complete' | 'failed';

export interface StepState {
  status: StepStatus;
  message: string;
  tasks: TaskState[];
  /** Tasks of the step not started yet (status `pending`). */
  toStart: SyncTask[];
  /** Keys of the tasks still running. */
  waitingFor: string[];
}

function waitingMessage(step: SyncStep, running: SyncTask[]): string {
  const first = running[0];
  const more = running.length > 1 ? ` and ${running.length - 1} more` : '';
  let what = `healthy state of ${first.key}`;
  if (first.action === 'hook') {
    what = `completion of hook ${first.resource.kind}/${first.resource.name}`;
  } else if (first.action === 'prune') {
    what = `deletion of ${first.key}`;
  }
  return `waiting for ${what}${more} (${step.phase} wave ${step.wave})`;
}

/** Decides whether a step is pending, running, complete or failed. */
export function nextStepState(
  step: SyncStep,
  observations: Readonly<Record<string, TaskObservation>>,
  opts: ProgressOptions,
): StepState {
  const states = step.tasks.map(t => taskState(t, observations[t.id], opts));
  const toStart = step.tasks.filter((_, i) => states[i].phase === 'Pending');
  const running = step.tasks.filter((_, i) => states[i].phase === 'Running');
  const failed = step.tasks.filter((_, i) => states[i].phase === 'Failed');
  const base = { tasks: states, toStart, waitingFor: running.map(t => t.key) };
  if (toStart.length > 0) {
    return {
      ...base,
      status: 'pending',
      message: `starting ${step.phase} wave ${step.wave}`,
    };
  }
  if (running.length > 0) {
    return {
      ...base,
      status: 'running',
      message: waitingMessage(step, running),
    };
  }
  if (failed.length > 0) {
    const applyErrors = failed
      .filter(t => observations[t.id]?.outcome === 'failed')
      .map(t => `${t.key}: ${observations[t.id]?.message ?? 'failed'}`);
    const message =
      applyErrors.length > 0
        ? `one or more objects failed to apply, reason: ${applyErrors.join(
            ', ',
          )}`
        : 'one or more synchronization tasks completed unsuccessfully';
    return { ...base, status: 'failed', message };
  }
  return {
    ...base,
    status: 'complete',
    message: `${step.phase} wave ${step.wave} complete`,
  };
}

/** True when every task of the step finished successfully. */
export function isWaveComplete(
  step: SyncStep,
  observations: Readonly<Record<string, TaskObservation>>,
  opts: ProgressOptions,
): boolean {
  return nextStepState(step, observations, opts).status === 'complete';
}

export interface SyncProgress {
  phase: Extract<OperationPhase, 'Running' | 'Succeeded' | 'Failed'>;
  message: string;
  /** True while the SyncFail hooks of a failed sync run. */
  inFailure: boolean;
  /** The step being run or waited for (index into steps, or failureSteps when inFailure). */
  stepIndex?: number;
  /** Tasks the controller must start now. */
  toStart: SyncTask[];
  waitingFor: string[];
  /** States of the tasks of every step reached so far, by task id. */
  taskStates: Record<string, TaskState>;
}

/**
 * Walks the plan's steps in order with the observations made so far and says where the
 * operation stands: which tasks to start, what it waits for, or how it ended.
 */
export function evaluateSync(
  plan: SyncPlan,
  observations: Readonly<Record<string, TaskObservation>>,
  healthOptions?: HealthOptions,
): SyncProgress {
  const taskStates: Record<string, TaskState> = {};
  for (const t of plan.tasks) {
    if (t.action === 'skip' || t.action === 'prune-skipped') {
      taskStates[t.id] = taskState(t, undefined, { multiStep: false });
    }
  }
  const opts: ProgressOptions = {
    multiStep: plan.steps.length > 1,
    healthOptions,
  };
  let failure: string | undefined;
  for (let i = 0; i < plan.steps.length; i++) {
    const st = nextStepState(plan.steps[i], observations, opts);
    st.tasks.forEach(s => (taskStates[s.id] = s));
    if (st.status === 'complete') continue;
    if (st.status === 'failed') {
      failure = st.message;
      break;
    }
    return {
      phase: 'Running',
      message: st.message,
      inFailure: false,
      stepIndex: i,
      toStart: st.toStart,
      waitingFor: st.waitingFor,
      taskStates,
    };
  }
  if (failure === undefined) {
    return {
      phase: 'Succeeded',
      message:
        plan.steps.length === 0
          ? 'successfully synced (no more tasks)'
          : 'successfully synced (all tasks run)',
      inFailure: false,
      toStart: [],
      waitingFor: [],
      taskStates,
    };
  }
  // SyncFail hooks always wait for their outcome.
  const failOpts: ProgressOptions = { multiStep: true, healthOptions };
  for (let j = 0; j < plan.failureSteps.length; j++) {
    const st = nextStepState(plan.failureSteps[j], observations, failOpts);
    st.tasks.forEach(s => (taskStates[s.id] = s));
    if (st.status === 'complete') continue;
    if (st.status === 'failed') {
      return {
        phase: 'Failed',
        message: `${failure}; SyncFail hooks failed: ${st.message}`,
        inFailure: true,
        toStart: [],
        waitingFor: [],
        taskStates,
      };
    }
    return {
      phase: 'Running',
      message: `${failure}; running SyncFail hooks: ${st.message}`,
      inFailure: true,
      stepIndex: j,
      toStart: st.toStart,
      waitingFor: st.waitingFor,
      taskStates,
    };
  }
  return {
    phase: 'Failed',
    message: failure,
    inFailure: true,
    toStart: [],
    waitingFor: [],
    taskStates,
  };
}

/** Whether a finished hook must be deleted now under its delete policies. */
export function hookNeedsDeleting(task: SyncTask, phase: TaskPhase): boolean {
  return (
    (phase === 'Succeeded' &&
      task.hookDeletePolicies.includes('HookSucceeded')) ||
    (phase === 'Failed' && task.hookDeletePolicies.includes('HookFailed'))
  );
}

/** The Argo CD result code of a task in a state. */
export function resultCodeOf(
  task: SyncTask,
  state: TaskState,
): ResultCode | undefined {
  if (task.action === 'prune-skipped') return 'PruneSkipped';
  if (task.action === 'prune')
    return state.phase === 'Failed' ? 'SyncFailed' : 'Pruned';
  if (task.action === 'hook' || task.action === 'skip') return undefined;
  if (state.phase === 'Pending') return undefined;
  return state.phase === 'Failed' ? 'SyncFailed' : 'Synced';
}

/** The `syncResult.resources[]` entry of a task (Argo CD's ResourceResult). */
export function toResourceResult(
  task: SyncTask,
  state: TaskState,
): ResourceResult {
  const apiVersion = task.apiVersion;
  const version = apiVersion.includes('/')
    ? apiVersion.slice(apiVersion.indexOf('/') + 1)
    : apiVersion;
  const result: ResourceResult = {
    group: task.resource.group,
    version,
    kind: task.resource.kind,
    namespace: task.resource.namespace,
    name: task.resource.name,
    syncPhase: task.phase,
    syncWave: task.wave,
  };
  const code = resultCodeOf(task, state);
  if (code) result.status = code;
  if (state.message) result.message = state.message;
  if (task.hookType) {
    result.hookType = task.hookType;
    result.hookPhase = state.phase === 'Pending' ? 'Pending' : state.phase;
  }
  return result;
}
