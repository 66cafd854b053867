/**
 * Runs a sync operation one step at a time, as Argo CD's sync does: plan (phases, waves,
 * hooks, prunes), start the tasks of the current step, then wait — for health, hook
 * completion or deletion — before the next. Everything the operation did is recorded in
 * `status.operationState.syncResult.resources` after every step, and progress is
 * re-derived from that record plus live state on each call, so a backend restart resumes
 * the operation where it stood (or fails it visibly) instead of half-syncing silently.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  Application,
  KubeObject,
  OperationState,
  ResourceResult,
} from '@gitops-suite/plugin-gitops-common';
import type { Cluster } from '../cluster/ClusterRegistry';
import { isNotFound } from '../cluster/KubeClient';
import {
  evaluateSync,
  hookNeedsDeleting,
  planSync,
  SyncPlanError,
  toResourceResult,
  type SyncPlan,
  type SyncTask,
  type TaskObservation,
} from '../engine/sync';
import type { HealthOptions } from '../engine/health';
import { FIELD_MANAGER } from './comparison';

export interface StepInput {
  app: Application;
  cluster: Cluster;
  /** Desired objects at the operation's revision, prepared (namespaces, tracking ids). */
  desired: KubeObject[];
  /** Live objects of the app by key. */
  live: Map<string, KubeObject>;
  /** Comparison status by key. */
  syncStatus: Record<string, 'Synced' | 'OutOfSync' | 'Unknown'>;
  state: OperationState;
  healthOptions?: HealthOptions;
  /** Resources tracked by another Application (FailOnSharedResource). */
  shared: Record<string, string>;
}

export interface StepOutput {
  state: OperationState;
  /** True when the operation ended (Succeeded or Failed). */
  finished: boolean;
}

const PROPAGATION = { foreground: 'Foreground', background: 'Background', orphan: 'Orphan' } as const;

function resultMatches(task: SyncTask, r: ResourceResult): boolean {
  if (r.syncPhase !== task.phase || r.kind !== task.resource.kind || (r.group ?? '') !== task.resource.group) return false;
  if ((r.namespace ?? '') !== task.resource.namespace) return false;
  if (task.generateName) return r.name.startsWith(task.resource.name);
  return r.name === task.resource.name;
}

function describe(task: SyncTask, verb: string, name = task.resource.name): string {
  const group = task.resource.group ? `.${task.resource.group}` : '';
  return `${task.resource.kind.toLowerCase()}${group}/${name} ${verb}`;
}

/** Whether resourceVersion `a` is older than `b` (numeric, as etcd's are; else unknown → false). */
function isOlder(a: string, b: string): boolean {
  const x = Number(a);
  const y = Number(b);
  return Number.isFinite(x) && Number.isFinite(y) && x < y;
}

export class OperationRunner {
  /**
   * Hook objects this process has seen live during an operation attempt, so a vanished hook
   * reads as gone, not pending. (Small: a few keys per running operation.)
   */
  private readonly seenHooks = new Set<string>();
  /**
   * resourceVersion each apply answered with: until the watch-fed cache has caught up with
   * it, the cached object is the one before the apply and must not be judged healthy.
   */
  private readonly appliedVersions = new Map<string, string>();

  constructor(private readonly logger: LoggerService) {}

  plan(input: StepInput): SyncPlan {
    const op = input.state.operation.sync ?? {};
    return planSync({
      appName: input.app.metadata.name,
      desired: input.desired,
      live: input.live,
      syncStatus: input.syncStatus,
      appSyncOptions: input.app.spec.syncPolicy?.syncOptions,
      operation: {
        prune: op.prune,
        dryRun: op.dryRun,
        resources: op.resources,
        syncOptions: op.syncOptions,
      },
      destinationNamespace: input.app.spec.destination.namespace,
      isNamespaced: (group, kind) => input.cluster.resources.isNamespacedKind(group, kind),
      managedNamespaceMetadata: input.app.spec.syncPolicy?.managedNamespaceMetadata,
    });
  }

  /** What is known of each task: from the recorded results and the live cache. */
  private observe(plan: SyncPlan, input: StepInput): Record<string, TaskObservation> {
    const results = input.state.syncResult?.resources ?? [];
    const observations: Record<string, TaskObservation> = {};
    for (const task of plan.tasks) {
      const recorded = results.find(r => resultMatches(task, r));
      if (!recorded) continue;
      const name = recorded.name;
      const key = `${task.resource.group}/${task.resource.kind}/${task.resource.namespace}/${name}`;
      const cached = input.cluster.cache.get(key);
      // Hooks keep their names across operations: remember sightings per attempt.
      const hookSeenKey = `${input.app.metadata.name}|${input.state.startedAt}|${input.state.retryCount ?? 0}|${key}`;
      if (task.action === 'hook') {
        if (recorded.hookPhase === 'Succeeded' || recorded.hookPhase === 'Failed') {
          observations[task.id] = { outcome: 'applied', hookPhase: recorded.hookPhase, message: recorded.message };
        } else if (recorded.status === 'SyncFailed') {
          observations[task.id] = { outcome: 'failed', message: recorded.message };
        } else if (cached) {
          this.seenHooks.add(hookSeenKey);
          observations[task.id] = {
            outcome: 'applied',
            live: cached.object ?? ({ apiVersion: task.apiVersion, kind: task.resource.kind, metadata: { name } } as KubeObject),
            health: cached.health ? (cached.health as TaskObservation['health']) : null,
            message: recorded.message,
          };
        } else {
          observations[task.id] = {
            outcome: 'applied',
            live: this.seenHooks.has(hookSeenKey) ? null : undefined,
            message: recorded.message,
          };
        }
        continue;
      }
      if (recorded.status === 'SyncFailed') {
        observations[task.id] = { outcome: 'failed', message: recorded.message };
      } else if (task.action === 'prune') {
        observations[task.id] = {
          outcome: 'pruned',
          live: cached ? cached.object ?? ({} as KubeObject) : null,
          message: recorded.message,
        };
      } else if (recorded.status === 'Synced') {
        const applied = this.appliedVersions.get(`${input.cluster.name}|${key}`);
        if (cached && applied) {
          if (isOlder(cached.resourceVersion, applied)) {
            observations[task.id] = { outcome: 'applied', live: undefined, message: recorded.message };
            continue;
          }
          this.appliedVersions.delete(`${input.cluster.name}|${key}`);
        }
        observations[task.id] = {
          outcome: 'applied',
          live: cached ? cached.object ?? null : undefined,
          health: cached && !cached.object ? ((cached.health ?? null) as TaskObservation['health']) : undefined,
          message: recorded.message,
        };
      }
    }
    return observations;
  }

  /** Advances the operation by one step at most; never throws for task failures. */
  async step(input: StepInput): Promise<StepOutput> {
    const state = input.state;
    const now = () => new Date().toISOString();
    if (state.phase === 'Terminating') {
      return { finished: true, state: { ...state, phase: 'Failed', message: 'Operation terminated', finishedAt: now() } };
    }
    let plan: SyncPlan;
    try {
      plan = this.plan(input);
    } catch (error) {
      const message = error instanceof SyncPlanError ? error.message : `sync plan failed: ${(error as Error).message}`;
      return { finished: true, state: { ...state, phase: 'Failed', message, finishedAt: now() } };
    }
    const failOnShared = plan.tasks.find(t => t.options.failOnSharedResource && input.shared[t.key]);
    if (failOnShared) {
      return {
        finished: true,
        state: {
          ...state,
          phase: 'Failed',
          message: `${failOnShared.resource.kind}/${failOnShared.resource.name} is part of a different application: ${input.shared[failOnShared.key]}`,
          finishedAt: now(),
        },
      };
    }

    let observations = this.observe(plan, input);
    let progress = evaluateSync(plan, observations, input.healthOptions);
    const results = [...(state.syncResult?.resources ?? [])];

    // Start what the current step needs started.
    if (progress.phase === 'Running' && progress.toStart.length > 0) {
      const outcomes = await Promise.all(progress.toStart.map(task => this.execute(task, input, plan.dryRun)));
      for (const { task, result } of outcomes) {
        const index = results.findIndex(r => resultMatches(task, r));
        if (index >= 0) results[index] = result;
        else results.push(result);
      }
      const withNew: OperationState = { ...state, syncResult: { ...(state.syncResult ?? { revision: '' }), resources: results } };
      observations = this.observe(plan, { ...input, state: withNew });
      progress = evaluateSync(plan, observations, input.healthOptions);
    }

    // Record task states; finish hooks whose delete policy says so.
    for (const task of plan.tasks) {
      const taskState = progress.taskStates[task.id];
      if (!taskState) continue;
      const index = results.findIndex(r => resultMatches(task, r));
      if (index < 0 && (task.action === 'skip' || task.action === 'prune-skipped')) {
        const entry = toResourceResult(task, taskState);
        if (entry.status || entry.hookType) results.push(entry);
        continue;
      }
      if (index < 0) continue;
      const previous = results[index];
      const next = { ...toResourceResult(task, taskState), name: previous.name };
      // A resource keeps what the API server said when it was applied ("deployment.apps/web
      // created"); what the operation waits for is the operation's message. Hooks report
      // their own progress.
      if (task.action !== 'hook' || !next.message) next.message = previous.message;
      if (!next.message) delete next.message;
      results[index] = next;
      const finalHook = task.action === 'hook' && (taskState.phase === 'Succeeded' || taskState.phase === 'Failed');
      if (finalHook && previous.hookPhase !== taskState.phase && hookNeedsDeleting(task, taskState.phase) && !plan.dryRun) {
        await this.deleteQuietly(input.cluster, task.apiVersion, task.resource.kind, task.resource.namespace, previous.name);
      }
    }

    const next: OperationState = {
      ...state,
      message: progress.message,
      syncResult: { ...(state.syncResult ?? { revision: '' }), resources: results },
    };
    if (progress.phase === 'Running') {
      return { finished: false, state: { ...next, phase: 'Running' } };
    }
    const prefix = `${input.app.metadata.name}|`;
    for (const key of this.seenHooks) if (key.startsWith(prefix)) this.seenHooks.delete(key);
    return { finished: true, state: { ...next, phase: progress.phase, finishedAt: now() } };
  }

  private async execute(task: SyncTask, input: StepInput, dryRun: boolean): Promise<{ task: SyncTask; result: ResourceResult }> {
    const { cluster } = input;
    const base = toResourceResult(task, { id: task.id, phase: 'Running' });
    const outcome: Partial<ResourceResult> =
      task.action === 'hook' ? { hookPhase: 'Running' } : { status: task.action === 'prune' ? 'Pruned' : 'Synced' };
    const ok = (message: string, name = task.resource.name): { task: SyncTask; result: ResourceResult } => ({
      task,
      result: { ...base, name, message, ...outcome },
    });
    try {
      switch (task.action) {
        case 'prune': {
          const policy = PROPAGATION[task.options.prunePropagationPolicy] ?? 'Foreground';
          const deleted = await cluster.resources.delete(task.apiVersion, task.resource.kind, task.resource.namespace || undefined, task.resource.name, {
            propagationPolicy: policy,
            dryRun,
          });
          return ok(deleted ? 'pruned' : 'ignored (no longer exists)');
        }
        case 'hook': {
          const target = task.target!;
          if (!target.metadata.generateName && task.hookDeletePolicies.includes('BeforeHookCreation') && !dryRun) {
            await this.deleteAndWait(cluster, target);
          }
          const created = await cluster.resources.create(target, { dryRun, fieldManager: FIELD_MANAGER });
          return ok(describe(task, 'created', created.metadata.name), created.metadata.name ?? task.resource.name);
        }
        case 'create': {
          const created = await cluster.resources.create(task.target!, { dryRun, fieldManager: FIELD_MANAGER });
          return ok(describe(task, 'created', created.metadata.name));
        }
        case 'replace': {
          const exists = Boolean(task.live);
          if (exists) await cluster.resources.replace(task.target!, { dryRun, fieldManager: FIELD_MANAGER });
          else await cluster.resources.create(task.target!, { dryRun, fieldManager: FIELD_MANAGER });
          return ok(describe(task, exists ? 'replaced' : 'created'));
        }
        default: {
          const applied = await cluster.resources.apply(task.target!, {
            fieldManager: FIELD_MANAGER,
            force: true,
            dryRun,
            validate: task.options.validate,
          });
          if (!dryRun && applied?.metadata?.resourceVersion) {
            this.appliedVersions.set(`${cluster.name}|${task.key}`, applied.metadata.resourceVersion);
          }
          return ok(describe(task, task.live ? 'configured' : 'created'));
        }
      }
    } catch (error) {
      const message = (error as Error).message;
      this.logger.debug(`sync task ${task.id} failed: ${message}`);
      return {
        task,
        result: {
          ...base,
          status: 'SyncFailed',
          message,
          ...(task.action === 'hook' ? { hookPhase: 'Failed' as const } : {}),
        },
      };
    }
  }

  private async deleteAndWait(cluster: Cluster, obj: KubeObject) {
    const ns = obj.metadata.namespace;
    const deleted = await cluster.resources.delete(obj.apiVersion, obj.kind, ns, obj.metadata.name!, { propagationPolicy: 'Background' });
    if (!deleted) return;
    for (let i = 0; i < 300; i++) {
      if (!(await cluster.resources.get(obj.apiVersion, obj.kind, ns, obj.metadata.name!))) return;
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    throw new Error(`${obj.kind}/${obj.metadata.name} was not deleted within 30s (BeforeHookCreation)`);
  }

  private async deleteQuietly(cluster: Cluster, apiVersion: string, kind: string, namespace: string, name: string) {
    try {
      await cluster.resources.delete(apiVersion, kind, namespace || undefined, name, { propagationPolicy: 'Background' });
    } catch (error) {
      if (!isNotFound(error)) this.logger.warn(`could not delete hook ${kind}/${name}: ${error}`);
    }
  }
}
