/**
 * Sync planning and progress, following Argo CD's documented semantics: options, hooks,
 * phases and waves, pruning, step completion and retry backoff.
 */
export {
  parseSyncOptions,
  splitOptionsAnnotation,
  DEFAULT_SYNC_OPTIONS,
} from './options';
export type { SyncOptions, PropagationPolicy } from './options';
export { hookInfo, hookDeletePolicies, syncWaveOf } from './hooks';
export type { HookDeletePolicy, HookInfo, DeletionHookType } from './hooks';
export { KIND_ORDER, kindRank } from './kinds';
export { planSync } from './plan';
export type { SyncPlanInput } from './plan';
export { SyncPlanError } from './types';
export type { SyncAction, SyncPlan, SyncStep, SyncTask } from './types';
export {
  evaluateSync,
  hookNeedsDeleting,
  hookPhaseFromHealth,
  isWaveComplete,
  nextStepState,
  resultCodeOf,
  taskState,
  toResourceResult,
} from './progress';
export type {
  ProgressOptions,
  StepState,
  StepStatus,
  SyncProgress,
  TaskObservation,
  TaskOutcome,
  TaskPhase,
  TaskState,
} from './progress';
export {
  retryDelay,
  shouldRetry,
  DEFAULT_RETRY_DURATION,
  DEFAULT_RETRY_FACTOR,
  DEFAULT_RETRY_MAX_DURATION,
} from './retry';
