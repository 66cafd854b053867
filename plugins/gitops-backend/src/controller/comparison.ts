/**
 * Compares an Application's desired objects with the live state of its cluster, resource by
 * resource, as Argo CD's server-side diff does: a server-side-apply dry-run of each desired
 * object predicts the live object after a sync, and the normalized prediction is compared
 * with the normalized live object. Verdicts are cached by (desired object, live
 * resourceVersion), so comparing an unchanged Application costs no API calls; readers of
 * the diff get masked YAML from a fresh comparison (`details`).
 */
import type {
  KubeObject,
  ResourceIgnoreDifferences,
  ResourceStatus,
  SyncStatusCode,
} from '@gitops-suite/plugin-gitops-common';
import { ANNOTATION_COMPARE_OPTIONS, ANNOTATION_TRACKING_ID, groupOf } from '@gitops-suite/plugin-gitops-common';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Cluster } from '../cluster/ClusterRegistry';
import { resourceKey } from '../cluster/ClusterCache';
import { compareResource, compareResourceSummary, type CompareInput, type CompareResult, type CompareSummary } from '../engine/diff';
import { getResourceHealth, type HealthOptions, type HealthStatus } from '../engine/health';
import { hookInfo, syncWaveOf } from '../engine/sync';
import { parseTrackingId, setTrackingAnnotation } from '../engine/tracking';

export const FIELD_MANAGER = 'gitops-suite-controller';

export interface ResourceComparison {
  key: string;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  desired?: KubeObject;
  live?: KubeObject;
  result: CompareSummary;
  /** Masked objects, YAML and diff: only when the comparison was asked for details. */
  details?: CompareResult;
  health?: HealthStatus;
  syncWave: number;
  /** Another Application tracks the live object. */
  sharedWith?: string;
  /** The dry-run failed: the message says why (the resource still counts as OutOfSync). */
  dryRunError?: string;
}

export interface AppComparison {
  status: SyncStatusCode;
  resources: ResourceComparison[];
  /** Desired objects prepared for syncing (namespace defaulted, tracking annotation set), hooks included. */
  desired: KubeObject[];
  /** Live objects of the app and of its desired resources, by key (for the sync plan). */
  live: Map<string, KubeObject>;
  /** Conditions to report (shared resources, dry-run failures). */
  warnings: Array<{ type: string; message: string }>;
}

function keyOfObject(obj: KubeObject): string {
  return resourceKey(groupOf(obj.apiVersion), obj.kind, obj.metadata.namespace ?? '', obj.metadata.name ?? obj.metadata.generateName ?? '');
}

function versionOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

/**
 * Verdicts of server-side comparisons by (cluster, resource, live resourceVersion, desired
 * object, ignoreDifferences): an Application re-compared because one of its resources
 * changed dry-runs only that one. Verdicts are small; the dry-run answers are not kept.
 */
const verdicts = new LRUCache<string, { summary: CompareSummary; error?: string }>({ max: 100_000 });

function hash(obj: unknown): string {
  return createHash('sha1').update(JSON.stringify(obj)).digest('hex');
}

/** Desired objects as they will be applied: namespaced ones get the destination namespace, all get the tracking id. */
export function prepareDesired(objects: readonly KubeObject[], appName: string, cluster: Cluster, namespace: string | undefined): KubeObject[] {
  return objects.map(obj => {
    let copy = obj;
    const namespaced = cluster.resources.isNamespacedKind(groupOf(obj.apiVersion), obj.kind);
    if (namespaced !== false && !obj.metadata?.namespace && namespace) {
      copy = { ...obj, metadata: { ...obj.metadata, namespace } };
    } else if (namespaced === false && obj.metadata?.namespace) {
      // A namespace on a cluster-scoped object is ignored by the API server: drop it so keys match.
      const { namespace: _ignored, ...metadata } = obj.metadata;
      copy = { ...obj, metadata };
    }
    return setTrackingAnnotation(copy, appName);
  });
}

export async function compareApplication(options: {
  appName: string;
  cluster: Cluster;
  desired: KubeObject[];
  ignoreDifferences?: readonly ResourceIgnoreDifferences[];
  healthOptions?: HealthOptions;
  /** Also produce masked YAML and diffs (for readers); reconciling needs only the verdicts. */
  details?: boolean;
}): Promise<AppComparison> {
  const { appName, cluster, desired } = options;
  const live = new Map<string, KubeObject>();
  const resources: ResourceComparison[] = [];
  const warnings: AppComparison['warnings'] = [];
  const desiredKeys = new Set<string>();
  const ignoreHash = hash(options.ignoreDifferences ?? []);
  const needsManagedFields = (options.ignoreDifferences ?? []).some(rule => rule.managedFieldsManagers?.length);

  // The app's tracked live objects (full objects are kept in the cache for them).
  for (const entry of cluster.cache.trackedBy(appName)) {
    if (entry.object) live.set(entry.key, entry.object);
  }

  await Promise.all(
    desired.map(async obj => {
      const info = hookInfo(obj);
      const key = keyOfObject(obj);
      if (info.isHook || info.types.includes('Skip')) {
        const cached = cluster.cache.get(key);
        if (cached?.object) live.set(key, cached.object);
        return;
      }
      desiredKeys.add(key);
      let liveObj = live.get(key);
      const cached = cluster.cache.get(key);
      if (!liveObj && cached) {
        // Live but not tracked by this app (adopted on sync, or owned by another app).
        liveObj = cached.object ?? (await cluster.resources.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!));
        if (liveObj) live.set(key, liveObj);
      }
      let result: CompareSummary;
      let details: CompareResult | undefined;
      let dryRunError: string | undefined;
      const input: CompareInput = { desired: obj, live: liveObj, ignoreDifferences: options.ignoreDifferences };
      const cacheKey = liveObj && `${cluster.name}|${key}|${liveObj.metadata.resourceVersion}|${hash(obj)}|${ignoreHash}`;
      const known = cacheKey && !options.details ? verdicts.get(cacheKey) : undefined;
      if (known) {
        result = known.summary;
        dryRunError = known.error;
      } else {
        let predictedLive: KubeObject | undefined;
        if (liveObj && needsManagedFields) {
          // The cache keeps no managedFields: read them for rules about field managers.
          input.live = (await cluster.resources.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!)) ?? liveObj;
        }
        if (liveObj) {
          try {
            predictedLive = await cluster.resources.apply(obj, { fieldManager: FIELD_MANAGER, force: true, dryRun: true });
          } catch (error) {
            dryRunError = (error as Error).message;
          }
        }
        details = options.details ? compareResource({ ...input, predictedLive }) : undefined;
        result = details ?? compareResourceSummary({ ...input, predictedLive });
        if (cacheKey) {
          const { status, mode, changedPaths, requiresPruning } = result;
          verdicts.set(cacheKey, { summary: { status, mode, changedPaths, requiresPruning }, error: dryRunError });
        }
      }
      const trackedBy = liveObj ? parseTrackingId(liveObj.metadata.annotations?.[ANNOTATION_TRACKING_ID])?.appName : undefined;
      resources.push({
        key,
        group: groupOf(obj.apiVersion),
        version: versionOf(obj.apiVersion),
        kind: obj.kind,
        namespace: obj.metadata.namespace ?? '',
        name: obj.metadata.name ?? '',
        desired: obj,
        live: liveObj,
        result: dryRunError ? { ...result, status: 'OutOfSync' } : result,
        ...(details ? { details } : {}),
        health: liveObj ? getResourceHealth(liveObj, options.healthOptions) ?? undefined : { status: 'Missing' },
        syncWave: safeWave(obj),
        sharedWith: trackedBy && trackedBy !== appName ? trackedBy : undefined,
        dryRunError,
      });
    }),
  );

  // Tracked live objects no longer desired: prune candidates (hooks are never pruned).
  for (const [key, obj] of live) {
    if (desiredKeys.has(key) || hookInfo(obj).isHook) continue;
    if (!parseTrackingId(obj.metadata.annotations?.[ANNOTATION_TRACKING_ID]) || obj.metadata.annotations?.[ANNOTATION_TRACKING_ID]?.split(':')[0] !== appName) continue;
    if ((obj.metadata.annotations?.[ANNOTATION_COMPARE_OPTIONS] ?? '').includes('IgnoreExtraneous')) continue;
    resources.push({
      key,
      group: groupOf(obj.apiVersion),
      version: versionOf(obj.apiVersion),
      kind: obj.kind,
      namespace: obj.metadata.namespace ?? '',
      name: obj.metadata.name ?? '',
      live: obj,
      result: compareResourceSummary({ live: obj }),
      ...(options.details ? { details: compareResource({ live: obj }) } : {}),
      health: getResourceHealth(obj, options.healthOptions) ?? undefined,
      syncWave: safeWave(obj),
    });
  }

  resources.sort((a, b) => a.key.localeCompare(b.key));
  for (const r of resources) {
    if (r.sharedWith) {
      warnings.push({
        type: 'SharedResourceWarning',
        message: `${r.kind}/${r.name} is part of applications ${appName} and ${r.sharedWith}`,
      });
    }
    if (r.dryRunError) {
      warnings.push({ type: 'ComparisonError', message: `${r.kind}/${r.name}: ${r.dryRunError}` });
    }
  }
  const status: SyncStatusCode = resources.every(r => r.result.status === 'Synced') ? 'Synced' : 'OutOfSync';
  return { status, resources, desired, live, warnings };
}

function safeWave(obj: KubeObject): number {
  try {
    return syncWaveOf(obj);
  } catch {
    return 0;
  }
}

/** The `status.resources[]` entries of a comparison. */
export function resourceStatuses(comparison: AppComparison): ResourceStatus[] {
  return comparison.resources.map(r => {
    const status: ResourceStatus = {
      group: r.group,
      version: r.version,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      status: r.result.status,
    };
    if (r.health) status.health = r.health.message ? { status: r.health.status as any, message: r.health.message } : { status: r.health.status as any };
    if (r.result.requiresPruning) status.requiresPruning = true;
    if (r.syncWave) status.syncWave = r.syncWave;
    return status;
  });
}
