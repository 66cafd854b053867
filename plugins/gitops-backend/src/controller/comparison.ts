/**
 * Compares an Application's desired objects with the live state of its cluster, resource by
 * resource, as Argo CD's server-side diff does: a server-side-apply dry-run of each desired
 * object predicts the live object after a sync, and the normalized prediction is compared
 * with the normalized live object. Dry-run answers are cached by (desired object, live
 * resourceVersion), so comparing an unchanged Application costs no API calls.
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
import { compareResource, type CompareResult } from '../engine/diff';
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
  result: CompareResult;
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

const dryRuns = new LRUCache<string, { predicted?: KubeObject; error?: string }>({ max: 50_000 });

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
}): Promise<AppComparison> {
  const { appName, cluster, desired } = options;
  const live = new Map<string, KubeObject>();
  const resources: ResourceComparison[] = [];
  const warnings: AppComparison['warnings'] = [];
  const desiredKeys = new Set<string>();

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
      let predictedLive: KubeObject | undefined;
      let dryRunError: string | undefined;
      if (liveObj) {
        const cacheKey = `${cluster.name}|${key}|${liveObj.metadata.resourceVersion}|${hash(obj)}`;
        let answer = dryRuns.get(cacheKey);
        if (!answer) {
          try {
            answer = {
              predicted: await cluster.resources.apply(obj, { fieldManager: FIELD_MANAGER, force: true, dryRun: true }),
            };
          } catch (error) {
            answer = { error: (error as Error).message };
          }
          dryRuns.set(cacheKey, answer);
        }
        predictedLive = answer.predicted;
        dryRunError = answer.error;
      }
      const result = compareResource({
        desired: obj,
        live: liveObj,
        predictedLive,
        ignoreDifferences: options.ignoreDifferences,
      });
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
      result: compareResource({ live: obj }),
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
