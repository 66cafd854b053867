/**
 * Types of sync plans: tasks (one resource action in a phase and wave), steps (the tasks run
 * together) and the plan itself.
 */
import type {
  HookType,
  KubeObject,
  ResourceKey,
  SyncPhase,
  SyncStatusCode,
} from '@gitops-suite/plugin-gitops-common';
import type { HookDeletePolicy } from './hooks';
import type { SyncOptions } from './options';

/**
 * What to do with a resource: `apply` (kubectl apply, client- or server-side per options),
 * `replace` / `create` (Replace=true, create when missing), `prune` (delete), `hook` (create
 * the hook object), `prune-skipped` (would be pruned but is not: disabled, Prune=false or
 * awaiting confirmation), `skip` (left alone: Skip hook, or ApplyOutOfSyncOnly and Synced).
 */
export type SyncAction =
  | 'apply'
  | 'replace'
  | 'create'
  | 'prune'
  | 'prune-skipped'
  | 'hook'
  | 'skip';

export interface SyncTask {
  /** Unique within the plan: `<phase>:<key>` (a hook may run in several phases). */
  id: string;
  /** `group/Kind/namespace/name` (hooks with generateName use the generateName). */
  key: string;
  resource: ResourceKey;
  /** The apiVersion of the target (or live) object. */
  apiVersion: string;
  phase: SyncPhase;
  wave: number;
  action: SyncAction;
  hookType?: HookType;
  /** Delete policies of a hook (BeforeHookCreation when none is given); [] for resources. */
  hookDeletePolicies: HookDeletePolicy[];
  /** The object to apply/create (namespace defaulted); absent for prunes. */
  target?: KubeObject;
  /** The live object, when there is one. */
  live?: KubeObject;
  /** Sync options in effect for this resource (app/operation options + its annotation). */
  options: SyncOptions;
  /** Why a task is skipped / prune-skipped, or what it is for. */
  reason?: string;
  /** Live but no longer desired. */
  requiresPruning?: boolean;
  /** The comparison status the plan was made with. */
  syncStatus?: SyncStatusCode;
  /** True when the object uses generateName (the created name is known only after create). */
  generateName?: boolean;
}

export interface SyncStep {
  phase: SyncPhase;
  wave: number;
  tasks: SyncTask[];
}

export interface SyncPlan {
  /** Every task in execution order, including skipped ones (for reporting). */
  tasks: SyncTask[];
  /** Executable tasks grouped into steps, in execution order (PreSync → Sync → PostSync). */
  steps: SyncStep[];
  /** SyncFail hooks, run only when the operation fails. */
  failureSteps: SyncStep[];
  dryRun: boolean;
  /** Whether prune was requested for the operation. */
  prune: boolean;
  /** Objects left out entirely, with the reason (deletion hooks, unsupported Helm hooks...). */
  ignored: Array<{ key: string; reason: string }>;
}

/** Invalid input for a plan: every problem found, so the user can fix them at once. */
export class SyncPlanError extends Error {
  readonly errors: string[];
  constructor(errors: string[]) {
    super(`invalid sync: ${errors.join('; ')}`);
    this.name = 'SyncPlanError';
    this.errors = errors;
  }
}
