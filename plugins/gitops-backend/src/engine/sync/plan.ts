/**
 * Sync planning as Argo CD documents it: phases (PreSync → Sync → PostSync, SyncFail on
 * failure), waves (lower first; prunes in reverse wave order), kind order within a wave,
 * hooks and their delete policies, prune rules (disabled, Prune=false, Prune=confirm,
 * PruneLast), ApplyOutOfSyncOnly, selective sync, Replace/ServerSideApply options and
 * CreateNamespace.
 */
import {
  ANNOTATION_SYNC_OPTIONS,
  formatResourceKey,
  groupOf,
  HookType,
  KubeObject,
  ResourceKey,
  SyncOperationResource,
  SyncPhase,
  SyncStatusCode,
} from '@gitops-suite/plugin-gitops-common';
import { annotationOf, deepClone, isRecord } from '../objects';
import { isTrackedBy } from '../tracking';
import {
  HookDeletePolicy,
  hookDeletePolicies,
  HookInfo,
  hookInfo,
  syncWaveOf,
} from './hooks';
import { kindRank } from './kinds';
import { parseSyncOptions, SyncOptions } from './options';
import { SyncPlan, SyncPlanError, SyncStep, SyncTask } from './types';

export interface SyncPlanInput {
  /** The Application's name; when set, only objects it tracks are pruned. */
  appName?: string;
  /** Rendered manifests, hooks included. */
  desired: readonly KubeObject[];
  /** Live objects by `group/Kind/namespace/name`: the app's managed objects and desired ones' live states. */
  live: Readonly<Record<string, KubeObject>> | ReadonlyMap<string, KubeObject>;
  /** Comparison status by key (used by ApplyOutOfSyncOnly). */
  syncStatus?: Readonly<Record<string, SyncStatusCode>>;
  /** `spec.syncPolicy.syncOptions`. */
  appSyncOptions?: readonly string[];
  operation?: {
    prune?: boolean;
    dryRun?: boolean;
    /** Selective sync: only these resources (hooks do not run, nothing else is pruned). */
    resources?: readonly SyncOperationResource[];
    /** Options of this operation; they override the app's key by key. */
    syncOptions?: readonly string[];
    /** Prunes marked Prune=confirm were confirmed by the user. */
    pruneConfirmed?: boolean;
  };
  /** `spec.destination.namespace`: default namespace of namespaced objects without one. */
  destinationNamespace?: string;
  /** Whether a kind is namespaced; undefined (unknown kind) counts as namespaced. */
  isNamespaced: (group: string, kind: string) => boolean | undefined;
  /** `syncPolicy.managedNamespaceMetadata`, for the namespace CreateNamespace creates. */
  managedNamespaceMetadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

const PHASE_ORDER: Record<SyncPhase, number> = {
  PreSync: 0,
  Sync: 1,
  PostSync: 2,
  SyncFail: 3,
};
const EXECUTABLE = new Set(['apply', 'replace', 'create', 'prune', 'hook']);

function liveLookup(
  live: SyncPlanInput['live'],
): (key: string) => KubeObject | undefined {
  if (live instanceof Map) {
    return key => live.get(key);
  }
  const record = live as Readonly<Record<string, KubeObject>>;
  return key =>
    Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function liveEntries(live: SyncPlanInput['live']): Array<[string, KubeObject]> {
  return live instanceof Map
    ? [...(live as ReadonlyMap<string, KubeObject>).entries()]
    : Object.entries(live as Record<string, KubeObject>);
}

function isSelected(
  key: ResourceKey,
  selection: readonly SyncOperationResource[],
): boolean {
  return selection.some(
    r =>
      (r.group ?? '') === key.group &&
      r.kind === key.kind &&
      r.name === key.name &&
      (r.namespace === undefined ||
        r.namespace === '' ||
        r.namespace === key.namespace),
  );
}

function describe(obj: unknown, index: number): string {
  if (!isRecord(obj)) return `object #${index + 1}`;
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const name = meta.name ?? meta.generateName;
  return `object #${index + 1} (${[obj.apiVersion, obj.kind, name]
    .filter(Boolean)
    .join(' ')})`;
}

function sortTasks(tasks: SyncTask[]): SyncTask[] {
  const isPrune = (t: SyncTask) =>
    t.action === 'prune' || t.action === 'prune-skipped';
  return [...tasks].sort((a, b) => {
    const byPhase = PHASE_ORDER[a.phase] - PHASE_ORDER[b.phase];
    if (byPhase !== 0) return byPhase;
    if (a.wave !== b.wave) return a.wave - b.wave;
    // In a wave, applies come first (kind order); prunes after, dependents first.
    if (isPrune(a) !== isPrune(b)) return isPrune(a) ? 1 : -1;
    const byKind = isPrune(a)
      ? kindRank(b.resource.kind) - kindRank(a.resource.kind)
      : kindRank(a.resource.kind) - kindRank(b.resource.kind);
    if (byKind !== 0) return byKind;
    if (a.resource.kind !== b.resource.kind)
      return a.resource.kind.localeCompare(b.resource.kind);
    return (
      a.resource.name.localeCompare(b.resource.name) ||
      a.key.localeCompare(b.key)
    );
  });
}

function groupSteps(tasks: SyncTask[]): SyncStep[] {
  const steps: SyncStep[] = [];
  for (const task of tasks) {
    const last = steps[steps.length - 1];
    if (last && last.phase === task.phase && last.wave === task.wave) {
      last.tasks.push(task);
    } else {
      steps.push({ phase: task.phase, wave: task.wave, tasks: [task] });
    }
  }
  return steps;
}

/** Builds the sync plan; throws SyncPlanError listing every invalid input. */
export function planSync(input: SyncPlanInput): SyncPlan {
  const errors: string[] = [];
  const getLive = liveLookup(input.live);
  const operation = input.operation ?? {};
  const baseOptions = [
    ...(input.appSyncOptions ?? []),
    ...(operation.syncOptions ?? []),
  ];
  const appOptions = parseSyncOptions(baseOptions);
  const selection = operation.resources ?? [];
  const selective = selection.length > 0;
  const prune = operation.prune === true;
  const tasks: SyncTask[] = [];
  const ignored: SyncPlan['ignored'] = [];
  const desiredKeys = new Set<string>();
  const seen = new Map<string, number>();

  input.desired.forEach((raw, index) => {
    if (!isRecord(raw) || typeof raw.kind !== 'string' || raw.kind === '') {
      errors.push(`${describe(raw, index)} has no kind`);
      return;
    }
    if (typeof raw.apiVersion !== 'string' || raw.apiVersion === '') {
      errors.push(`${describe(raw, index)} has no apiVersion`);
      return;
    }
    if (!isRecord(raw.metadata)) {
      errors.push(`${describe(raw, index)} has no metadata`);
      return;
    }
    let hooks: HookInfo;
    let wave = 0;
    let policies: HookDeletePolicy[];
    let resourceOptions: SyncOptions;
    try {
      hooks = hookInfo(raw);
      wave = syncWaveOf(raw);
      policies = hooks.isHook ? hookDeletePolicies(raw) : [];
      resourceOptions = parseSyncOptions(
        baseOptions,
        annotationOf(raw, ANNOTATION_SYNC_OPTIONS),
      );
    } catch (e) {
      errors.push(`${describe(raw, index)}: ${(e as Error).message}`);
      return;
    }
    const name = raw.metadata.name;
    const generateName = raw.metadata.generateName;
    if (!name && !(hooks.isHook && generateName)) {
      errors.push(
        generateName
          ? `${describe(
              raw,
              index,
            )} uses generateName, which only hooks may use; set metadata.name`
          : `${describe(raw, index)} has no metadata.name`,
      );
      return;
    }
    if (
      hooks.types.includes('Skip') &&
      (hooks.types.length > 1 || hooks.deletionTypes.length > 0)
    ) {
      errors.push(
        `${describe(
          raw,
          index,
        )}: hook annotation combines Skip with other hooks (${[
          ...hooks.types,
          ...hooks.deletionTypes,
        ].join(',')})`,
      );
      return;
    }

    const target = deepClone(raw);
    const group = groupOf(target.apiVersion);
    const namespaced = input.isNamespaced(group, target.kind) !== false;
    if (!namespaced) {
      delete target.metadata.namespace;
    } else if (!target.metadata.namespace && input.destinationNamespace) {
      target.metadata.namespace = input.destinationNamespace;
    }
    const resource: ResourceKey = {
      group,
      kind: target.kind,
      namespace: target.metadata.namespace ?? '',
      name: name ?? generateName ?? '',
    };
    const key = formatResourceKey(resource);
    if (name) {
      const previous = seen.get(key);
      if (previous !== undefined) {
        errors.push(
          `duplicate resource ${key}: ${describe(
            input.desired[previous],
            previous,
          )} and ${describe(raw, index)} define the same object`,
        );
        return;
      }
      seen.set(key, index);
    }
    desiredKeys.add(key);
    const live = name ? getLive(key) : undefined;
    const base = {
      key,
      resource,
      apiVersion: target.apiVersion,
      target,
      options: resourceOptions,
      syncStatus: input.syncStatus?.[key],
      ...(live ? { live } : {}),
      ...(name ? {} : { generateName: true }),
    };

    if (
      hooks.unsupported.length > 0 &&
      hooks.types.length === 0 &&
      hooks.deletionTypes.length === 0
    ) {
      ignored.push({
        key,
        reason: `Helm hook ${hooks.unsupported.join(
          ',',
        )} has no Argo CD equivalent`,
      });
      return;
    }
    if (hooks.isHook && hooks.types.length === 0) {
      ignored.push({
        key,
        reason: `${hooks.deletionTypes.join(
          ',',
        )} hook runs only when the Application is deleted`,
      });
      return;
    }
    if (hooks.isHook && selective) {
      ignored.push({ key, reason: 'hooks do not run during a selective sync' });
      return;
    }
    if (selective && !isSelected(resource, selection)) {
      return;
    }
    if (hooks.types.includes('Skip')) {
      tasks.push({
        ...base,
        id: `Sync:${key}`,
        phase: 'Sync',
        wave,
        action: 'skip',
        hookDeletePolicies: [],
        reason: 'Skip hook annotation',
      });
      return;
    }
    if (hooks.isHook) {
      for (const hookType of hooks.types as Exclude<HookType, 'Skip'>[]) {
        tasks.push({
          ...base,
          id: `${hookType}:${key}`,
          phase: hookType,
          wave,
          action: 'hook',
          hookType,
          hookDeletePolicies: policies,
        });
      }
      return;
    }
    let action: SyncTask['action'] = 'apply';
    let reason: string | undefined;
    if (
      resourceOptions.applyOutOfSyncOnly &&
      input.syncStatus?.[key] === 'Synced'
    ) {
      action = 'skip';
      reason = 'already synced (ApplyOutOfSyncOnly)';
    } else if (resourceOptions.replace) {
      action = live ? 'replace' : 'create';
    }
    tasks.push({
      ...base,
      id: `Sync:${key}`,
      phase: 'Sync',
      wave,
      action,
      hookDeletePolicies: [],
      ...(reason ? { reason } : {}),
    });
  });

  // Prune candidates: live objects of the app that are no longer desired.
  for (const [key, live] of liveEntries(input.live)) {
    if (desiredKeys.has(key) || !isRecord(live) || !isRecord(live.metadata))
      continue;
    if (input.appName && !isTrackedBy(live, input.appName)) continue;
    if ((live.metadata.ownerReferences ?? []).some(ref => ref.controller))
      continue;
    let liveIsHook = false;
    let wave = 0;
    let options: SyncOptions;
    try {
      liveIsHook = hookInfo(live).isHook;
      wave = syncWaveOf(live);
      options = parseSyncOptions(
        baseOptions,
        annotationOf(live, ANNOTATION_SYNC_OPTIONS),
      );
    } catch {
      // A live object with broken annotations is still pruned, in wave 0.
      options = parseSyncOptions(baseOptions);
    }
    // Hooks are never pruned: their delete policies clean them up.
    if (liveIsHook) continue;
    const resource: ResourceKey = {
      group: groupOf(live.apiVersion ?? ''),
      kind: live.kind,
      namespace: live.metadata.namespace ?? '',
      name: live.metadata.name ?? '',
    };
    if (selective && !isSelected(resource, selection)) continue;
    let action: SyncTask['action'] = 'prune';
    let reason = 'pruned';
    if (!options.prune) {
      action = 'prune-skipped';
      reason = 'ignored (no prune)';
    } else if (!prune) {
      action = 'prune-skipped';
      reason = 'ignored (requires pruning)';
    } else if (options.pruneConfirm && !operation.pruneConfirmed) {
      action = 'prune-skipped';
      reason = 'waiting for pruning confirmation';
    }
    tasks.push({
      id: `Sync:${key}`,
      key,
      resource,
      apiVersion: live.apiVersion,
      phase: 'Sync',
      wave,
      action,
      hookDeletePolicies: [],
      live,
      options,
      reason,
      requiresPruning: true,
      syncStatus: 'OutOfSync',
    });
  }

  if (errors.length > 0) {
    throw new SyncPlanError(errors);
  }

  // Prunes run in reverse wave order: swap the prune waves end for end.
  const pruneTasks = tasks.filter(t => t.requiresPruning);
  const pruneWaves = [...new Set(pruneTasks.map(t => t.wave))].sort(
    (a, b) => a - b,
  );
  const reversed = new Map(
    pruneWaves.map((w, i) => [w, pruneWaves[pruneWaves.length - 1 - i]]),
  );
  for (const t of pruneTasks) {
    t.wave = reversed.get(t.wave)!;
  }
  // PruneLast: after the last wave of the Sync phase.
  const lastSyncWave = Math.max(
    0,
    ...tasks.filter(t => t.phase === 'Sync').map(t => t.wave),
  );
  for (const t of pruneTasks) {
    if (t.options.pruneLast) {
      t.wave = lastSyncWave + 1;
      if (t.action === 'prune') t.reason = 'pruned last (PruneLast)';
    }
  }

  // CreateNamespace: the destination namespace first of all when missing.
  const ns = input.destinationNamespace;
  if (
    appOptions.createNamespace &&
    ns &&
    !tasks.some(
      t =>
        t.resource.kind === 'Namespace' &&
        t.resource.group === '' &&
        t.resource.name === ns,
    )
  ) {
    const key = formatResourceKey({
      group: '',
      kind: 'Namespace',
      namespace: '',
      name: ns,
    });
    const live = getLive(key);
    const meta = input.managedNamespaceMetadata;
    if (!live || meta) {
      const target: KubeObject = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
      };
      if (meta?.labels && Object.keys(meta.labels).length > 0)
        target.metadata.labels = { ...meta.labels };
      if (meta?.annotations && Object.keys(meta.annotations).length > 0) {
        target.metadata.annotations = { ...meta.annotations };
      }
      const firstWave = Math.min(0, ...tasks.map(t => t.wave));
      tasks.push({
        id: `PreSync:${key}`,
        key,
        resource: { group: '', kind: 'Namespace', namespace: '', name: ns },
        apiVersion: 'v1',
        phase: 'PreSync',
        wave: firstWave - 1,
        action: 'apply',
        hookDeletePolicies: [],
        target,
        ...(live ? { live } : {}),
        options: appOptions,
        reason: live
          ? 'namespace metadata (managedNamespaceMetadata)'
          : 'namespace created (CreateNamespace=true)',
      });
    }
  }

  const ordered = sortTasks(tasks);
  const runnable = ordered.filter(t => EXECUTABLE.has(t.action));
  return {
    tasks: ordered,
    steps: groupSteps(runnable.filter(t => t.phase !== 'SyncFail')),
    failureSteps: groupSteps(runnable.filter(t => t.phase === 'SyncFail')),
    dryRun: operation.dryRun === true,
    prune,
    ignored,
  };
}
