/**
 * The Application controller: keeps clusters equal to what Git declares, with Argo CD's
 * semantics. Applications and AppProjects are custom resources in the control cluster's
 * namespace; the controller watches them (and every cluster's resources, through the
 * clusters' caches), reconciles each Application on change, on a Git poll, on a webhook
 * refresh and on an operation request, and writes `status` back: sync, health, resources,
 * conditions, operation state and history.
 *
 * Requests from the REST API reach it through the Applications themselves, as in Argo CD
 * (`operation`, the refresh annotation, `status.operationState.phase: Terminating`), so
 * whichever replica owns an Application's shard acts on them.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ANNOTATION_REFRESH,
  ANNOTATION_TRACKING_ID,
  FINALIZER_RESOURCES,
  type Application,
  type ApplicationCondition,
  type ApplicationSource,
  type ApplicationStatus,
  type AppProject,
  type EngineStatus,
  type KubeObject,
  type Operation,
  type OperationState,
  type RevisionHistory,
} from '@gitops-suite/plugin-gitops-common';
import type { CacheEvent } from '../cluster/ClusterCache';
import type { Cluster, ClusterRegistry } from '../cluster/ClusterRegistry';
import { isNotFound } from '../cluster/KubeClient';
import type { GitopsConfig } from '../config';
import type { GitopsStore } from '../database/GitopsStore';
import {
  aggregateHealth,
  appendHistory,
  checkDestinationPermitted,
  checkResourcePermitted,
  checkSourcePermitted,
  defaultProject,
  isAutoSyncEnabled,
  parseSyncOptions,
  parseTrackingId,
  retryDelay,
  shouldRetry,
  sourcesOf,
  validateApplication,
  type HealthOptions,
} from '../engine';
import { deepEqual } from '../engine/objects';
import { compareApplication, prepareDesired, resourceStatuses, type AppComparison } from './comparison';
import { controlPlaneCrds } from './crds';
import type { ManifestSource } from './ManifestSource';
import { OperationRunner } from './OperationRunner';
import { WorkQueue } from './WorkQueue';

const APP_GK = 'argoproj.io/Application';
const PROJECT_GK = 'argoproj.io/AppProject';
/** Argo CD's self-heal timeout: the pause between two self-heal syncs of one Application. */
const SELF_HEAL_BACKOFF_MS = 5_000;
/** After an operation, compare afresh twice more, 2 s apart (cheap: unchanged resources hit the verdict cache). */
const SETTLE_MS = 3_000;
const SETTLE_RECHECK_MS = 2_000;
/** Backoff of a reconciliation that threw: 0.5 s, doubling, at most 30 s. */
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;

/** What the controller remembers of an Application between reconciliations. */
interface AppMemory {
  /** The Application as this controller last wrote it (the cache may lag behind it). */
  written?: Application;
  comparison?: AppComparison;
  /** What the comparison was made from: an unchanged fingerprint means nothing to redo. */
  fingerprint?: string;
  comparisonConditions?: ApplicationCondition[];
  sourceType?: ApplicationStatus['sourceType'];
  revisions?: string[];
  comparedAt?: number;
  selfHealAt?: number;
  /** After an operation, Git is asked again (as Argo CD refreshes after a sync). */
  resolveNotBefore?: number;
  retryAt?: number;
  /** Until then (just after an operation), every reconciliation compares afresh. */
  settleUntil?: number;
  reconciledAt?: string;
}

export interface ApplicationControllerOptions {
  config: GitopsConfig;
  registry: ClusterRegistry;
  source: ManifestSource;
  store?: GitopsStore;
  logger: LoggerService;
  /** Whether this replica owns an Application now (shard leases); all when absent. */
  owns?: (name: string) => boolean;
}

export class ApplicationController {
  private readonly config: GitopsConfig;
  private readonly registry: ClusterRegistry;
  private readonly source: ManifestSource;
  private readonly store?: GitopsStore;
  private readonly logger: LoggerService;
  private readonly owns: (name: string) => boolean;
  private readonly queue: WorkQueue;
  private readonly runner: OperationRunner;
  private readonly memory = new Map<string, AppMemory>();
  /** Bumped on every change of a live resource an Application tracks. */
  private readonly liveVersions = new Map<string, number>();
  /** When this replica first saw each pending refresh request. */
  private readonly refreshSeenAt = new Map<string, number>();
  /** Consecutive failed reconciliations per Application, for the retry backoff. */
  private readonly failures = new Map<string, number>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly healthOptions: HealthOptions;
  private state: EngineStatus = { state: 'starting' };
  private passStartedAt?: number;

  constructor(options: ApplicationControllerOptions) {
    this.config = options.config;
    this.registry = options.registry;
    this.source = options.source;
    this.store = options.store;
    this.logger = options.logger;
    this.owns = options.owns ?? (() => true);
    this.healthOptions = { applicationHealth: options.config.reconciliation.applicationHealth } as HealthOptions;
    this.runner = new OperationRunner(options.logger);
    this.queue = new WorkQueue(
      async name => {
        await this.reconcile(name);
        this.failures.delete(name);
      },
      options.config.reconciliation.workers,
      (name, error) => {
        // A failed reconciliation (an API error, a lost connection) is retried with backoff,
        // as Kubernetes controllers requeue: never left waiting for the next poll.
        const failures = (this.failures.get(name) ?? 0) + 1;
        this.failures.set(name, failures);
        const delayMs = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (failures - 1));
        this.logger.error(`reconciling application ${name} failed (retry in ${delayMs} ms): ${(error as Error).stack ?? error}`);
        this.queue.addAfter(name, delayMs);
      },
    );
  }

  get namespace(): string {
    return this.config.namespace;
  }

  private get control(): Cluster {
    return this.registry.control;
  }

  /** Installs the CRDs and the default project when missing, then starts reconciling. */
  async start(): Promise<void> {
    await this.installControlPlane();
    for (const cluster of this.registry.clusters) {
      this.unsubscribe.push(cluster.cache.subscribe(event => this.onClusterEvent(cluster, event)));
    }
    await this.control.cache.synced();
    this.queue.start();
    this.state = { state: 'running' };
  }

  stop(): void {
    this.queue.stop();
    for (const off of this.unsubscribe.splice(0)) off();
    this.state = { state: 'stopped' };
  }

  private async installControlPlane() {
    const resources = this.control.resources;
    for (const crd of controlPlaneCrds()) {
      const existing = await resources.get(crd.apiVersion, crd.kind, undefined, crd.metadata.name!);
      if (!existing) {
        await resources.apply(crd, { fieldManager: 'gitops-suite-installer', force: true });
        this.logger.info(`installed CRD ${crd.metadata.name}`);
      }
    }
    for (let i = 0; i < 100 && !(await resources.resourceFor('argoproj.io/v1alpha1', 'Application')); i++) {
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    if (!(await resources.get('v1', 'Namespace', undefined, this.namespace))) {
      await resources.apply(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.namespace } },
        { fieldManager: 'gitops-suite-installer' },
      );
    }
    if (!(await resources.get('argoproj.io/v1alpha1', 'AppProject', this.namespace, 'default'))) {
      await resources.apply(defaultProject(this.namespace) as KubeObject, { fieldManager: 'gitops-suite-installer' });
    }
    await this.control.cache.synced();
  }

  // ------------------------------------------------------------------ reads

  /** Every Application of the control namespace, from the cache. */
  applications(): Application[] {
    return this.control.cache
      .ofKind('argoproj.io', 'Application', this.namespace)
      .map(r => r.object as Application)
      .filter(Boolean);
  }

  application(name: string): Application | undefined {
    return this.control.cache.get(`argoproj.io/Application/${this.namespace}/${name}`)?.object as Application | undefined;
  }

  project(name: string): AppProject | undefined {
    const found = this.control.cache.get(`argoproj.io/AppProject/${this.namespace}/${name}`)?.object as AppProject | undefined;
    return found ?? (name === 'default' ? defaultProject(this.namespace) : undefined);
  }

  /**
   * An Application's comparison with masked YAML and diffs, for readers. Reconciling keeps
   * only verdicts, so this compares again, with fresh dry-runs (read-only requests).
   */
  async comparisonDetails(name: string): Promise<AppComparison | undefined> {
    const app = this.application(name);
    if (!app) return undefined;
    const cluster = this.registry.resolve(app.spec.destination);
    if (typeof cluster === 'string') return undefined;
    const sources = sourcesOf(app);
    const revisions = await Promise.all(
      sources.map(s => this.source.resolve(s, { maxAgeMs: this.config.reconciliation.pollingIntervalMs })),
    );
    const rendered = await this.source.render(app.metadata.name, sources, revisions, app.spec.destination.namespace ?? '');
    return compareApplication({
      appName: name,
      cluster,
      desired: prepareDesired(rendered.objects, name, cluster, app.spec.destination.namespace),
      ignoreDifferences: app.spec.ignoreDifferences,
      healthOptions: this.healthOptions,
      details: true,
    });
  }

  clusterOf(app: Application): Cluster | undefined {
    const cluster = this.registry.resolve(app.spec.destination);
    return typeof cluster === 'string' ? undefined : cluster;
  }

  status(): EngineStatus {
    return {
      ...this.state,
      managed: this.applications().length,
      lastPassAt: this.state.lastPassAt,
      lastPassMillis: this.state.lastPassMillis,
    };
  }

  // ------------------------------------------------------------------ triggers

  enqueue(name: string): void {
    this.queue.add(name);
  }

  /** Queues every Application (of a shard, when given): a full pass. */
  enqueueAll(filter?: (name: string) => boolean): void {
    this.passStartedAt = Date.now();
    for (const app of this.applications()) {
      if (!filter || filter(app.metadata.name)) this.queue.add(app.metadata.name);
    }
    void this.queue.idle().then(() => {
      if (this.passStartedAt) {
        this.state = { ...this.state, lastPassAt: new Date().toISOString(), lastPassMillis: Date.now() - this.passStartedAt };
        this.passStartedAt = undefined;
      }
    });
  }

  /** Resolves when no reconciliation is queued or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** A webhook announced a push: forget cached resolutions of that repository. */
  invalidateRepository(repoURL: string): void {
    this.source.invalidate(repoURL);
  }

  private onClusterEvent(cluster: Cluster, event: CacheEvent) {
    const r = event.resource;
    const gk = `${r.group}/${r.kind}`;
    if (cluster === this.control && r.namespace === this.namespace) {
      if (gk === APP_GK) {
        if (event.type === 'delete') this.memory.delete(r.name);
        if (r.object?.metadata.annotations?.[ANNOTATION_REFRESH] && !this.refreshSeenAt.has(r.name)) {
          this.refreshSeenAt.set(r.name, Date.now());
        }
        this.queue.add(r.name);
        return;
      }
      if (gk === PROJECT_GK) {
        for (const app of this.applications()) {
          if ((app.spec?.project ?? 'default') === r.name) this.queue.add(app.metadata.name);
        }
        return;
      }
    }
    // A resource an Application tracks changed (or a copy of its tracking id, e.g. a hook Job).
    const appName = r.appName ?? this.looseTrackingApp(event);
    if (appName) {
      this.liveVersions.set(appName, (this.liveVersions.get(appName) ?? 0) + 1);
      this.queue.add(appName);
    }
  }

  private looseTrackingApp(event: CacheEvent): string | undefined {
    const obj = event.resource.object;
    if (obj) return parseTrackingId(obj.metadata.annotations?.[ANNOTATION_TRACKING_ID])?.appName;
    return undefined;
  }

  // ------------------------------------------------------------------ reconcile

  private async reconcile(name: string): Promise<void> {
    if (!this.owns(name)) return;
    const cached = this.application(name);
    if (!cached) {
      this.memory.delete(name);
      return;
    }
    const memory = this.memory.get(name) ?? {};
    this.memory.set(name, memory);
    // Our own last write may not have come back through the watch yet: never act on an
    // older copy (it would run an operation step twice).
    const app =
      memory.written && isNewer(memory.written.metadata.resourceVersion, cached.metadata.resourceVersion)
        ? memory.written
        : cached;
    if (app === cached) memory.written = undefined;

    if (app.metadata.deletionTimestamp) {
      await this.finalizeDeletion(app);
      return;
    }

    const refresh = app.metadata.annotations?.[ANNOTATION_REFRESH];
    const conditions: ApplicationCondition[] = [];
    const status: ApplicationStatus = {
      ...(app.status ?? {}),
      controllerNamespace: this.namespace,
    };

    const specErrors = validateApplication(app);
    const project = this.project(app.spec?.project ?? 'default');
    if (specErrors.length === 0 && !project) {
      specErrors.push(`Application referencing project ${app.spec.project} which does not exist`);
    }
    let cluster: Cluster | undefined;
    if (specErrors.length === 0) {
      const resolved = this.registry.resolve(app.spec.destination);
      if (typeof resolved === 'string') specErrors.push(resolved);
      else cluster = resolved;
      for (const source of sourcesOf(app)) {
        const check = checkSourcePermitted(project!, source.repoURL);
        if (!check.permitted) specErrors.push(check.message);
      }
      const destCheck = checkDestinationPermitted(project!, app.spec.destination);
      if (!destCheck.permitted) specErrors.push(destCheck.message);
    }
    if (specErrors.length > 0 || !cluster) {
      for (const message of specErrors) conditions.push({ type: 'InvalidSpecError', message });
      status.sync = { ...(status.sync ?? {}), status: 'Unknown' };
      status.health = { status: 'Unknown' };
      if (app.operation) {
        status.operationState = this.failedOperation(app.operation, specErrors.join('; '));
        await this.writeStatus(app, status, conditions, memory, { startOperation: true });
        return;
      }
      await this.writeStatus(app, status, conditions, memory);
      this.schedulePoll(name);
      return;
    }

    // Git → manifests → comparison.
    const sources = sourcesOf(app);
    const running = app.status?.operationState?.phase === 'Running' || app.status?.operationState?.phase === 'Terminating';
    const resolveOptions = {
      maxAgeMs: this.config.reconciliation.pollingIntervalMs,
      // A refresh or a newly requested operation (a sync of `main` means main as it is
      // now) asks Git afresh rather than trusting the last poll.
      notBefore: refresh ? this.refreshSeenAt.get(name) ?? Date.now() : memory.resolveNotBefore,
    };
    if (!refresh && app.operation && !running) resolveOptions.notBefore = Date.now();
    memory.resolveNotBefore = undefined;
    this.refreshSeenAt.delete(name);
    let comparison: AppComparison | undefined;
    let revisions: string[] | undefined;
    try {
      revisions = await Promise.all(sources.map(s => this.source.resolve(s, resolveOptions)));
      // Same spec, same commits, same project, no live change: the last comparison stands,
      // and reconciling costs no render, no dry-run and no API call.
      const fingerprint = JSON.stringify([
        app.spec,
        revisions,
        project!.metadata.resourceVersion ?? '',
        this.liveVersions.get(name) ?? 0,
        cluster.name,
      ]);
      // Shortly after an operation the watch may still be delivering what it changed:
      // compare afresh a few times rather than trust an unchanged fingerprint.
      const settling = (memory.settleUntil ?? 0) > Date.now();
      if (settling) this.queue.addAfter(name, SETTLE_RECHECK_MS);
      else memory.settleUntil = undefined;
      if (memory.comparison && memory.fingerprint === fingerprint && !settling) {
        comparison = memory.comparison;
        status.sourceType = memory.sourceType;
        conditions.push(...(memory.comparisonConditions ?? []));
      } else {
        const comparisonConditions: ApplicationCondition[] = [];
        const rendered = await this.source.render(name, sources, revisions, app.spec.destination.namespace ?? '');
        status.sourceType = rendered.sourceType;
        const desired = prepareDesired(rendered.objects, name, cluster, app.spec.destination.namespace);
        for (const obj of desired) {
          const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
          const check = checkResourcePermitted(project!, {
            group,
            kind: obj.kind,
            namespaced: cluster.resources.isNamespacedKind(group, obj.kind) !== false,
            name: obj.metadata.name,
          });
          if (!check.permitted) comparisonConditions.push({ type: 'InvalidSpecError', message: check.message });
        }
        comparison = await compareApplication({
          appName: name,
          cluster,
          desired,
          ignoreDifferences: app.spec.ignoreDifferences,
          healthOptions: this.healthOptions,
        });
        comparisonConditions.push(...comparison.warnings);
        conditions.push(...comparisonConditions);
        memory.comparison = comparison;
        memory.comparisonConditions = comparisonConditions;
        memory.sourceType = rendered.sourceType;
        memory.fingerprint = fingerprint;
        memory.revisions = revisions;
        memory.comparedAt = Date.now();
      }
    } catch (error) {
      // A broken source or render leaves the cluster as it is: only the status says so.
      conditions.push({ type: 'ComparisonError', message: (error as Error).message });
      memory.comparison = undefined;
      memory.fingerprint = undefined;
    }

    if (comparison && revisions) {
      status.resources = resourceStatuses(comparison);
      status.sync = {
        status: comparison.status,
        comparedTo: { source: app.spec.source, destination: app.spec.destination, ...(app.spec.sources ? { sources: app.spec.sources } : {}) } as any,
        revision: revisions[0],
        ...(revisions.length > 1 ? { revisions } : {}),
      };
      const health = aggregateHealth(comparison.resources.filter(r => !r.result.requiresPruning).map(r => r.health));
      const unhealthy = comparison.resources.find(r => r.health?.status === health && r.health.message);
      status.health = {
        status: health,
        ...(health !== 'Healthy' && unhealthy?.health?.message ? { message: unhealthy.health.message } : {}),
      };
      status.summary = { images: [...new Set(comparison.resources.flatMap(r => imagesOf(r.live ?? r.desired)))].sort() };
    } else {
      status.sync = { ...(status.sync ?? {}), status: 'Unknown' };
    }

    // Operations: a requested one starts; a running one advances.
    let startOperation: OperationState | undefined;
    let operationState = status.operationState;
    if (app.operation && !running) {
      startOperation = this.newOperationState(app.operation, revisions);
      operationState = startOperation;
    } else if (!running && comparison && revisions && isAutoSyncEnabled(app)) {
      const decision = this.autoSyncDecision(app, comparison, revisions, memory);
      if (decision.condition) conditions.push(decision.condition);
      if (decision.operation) {
        startOperation = this.newOperationState(decision.operation, revisions);
        operationState = startOperation;
        if (decision.selfHeal) memory.selfHealAt = Date.now();
      }
    }

    let requeueMs: number | undefined;
    if (operationState && (operationState.phase === 'Running' || operationState.phase === 'Terminating')) {
      const result = await this.advanceOperation(app, cluster, operationState, comparison, memory, project!);
      status.operationState = result.state;
      requeueMs = result.requeueMs;
      if (result.history) status.history = result.history;
    }

    await this.writeStatus(app, status, conditions, memory, {
      startOperation: Boolean(startOperation),
      clearRefresh: Boolean(refresh),
    });
    if (requeueMs !== undefined) this.queue.addAfter(name, requeueMs);
    this.schedulePoll(name);
  }

  /** Re-checks Git after the polling interval plus jitter, as Argo CD does. */
  private schedulePoll(name: string) {
    const { pollingIntervalMs, pollingJitterMs } = this.config.reconciliation;
    this.queue.addAfter(name, pollingIntervalMs + Math.floor(Math.random() * pollingJitterMs));
  }

  private newOperationState(operation: Operation, revisions?: string[]): OperationState {
    return {
      operation,
      phase: 'Running',
      message: 'starting sync',
      startedAt: new Date().toISOString(),
      syncResult: {
        revision: operation.sync?.revision && /^[0-9a-f]{40}$/.test(operation.sync.revision) ? operation.sync.revision : revisions?.[0] ?? '',
        resources: [],
        ...(operation.sync?.source ? { source: operation.sync.source } : {}),
      },
    };
  }

  private failedOperation(operation: Operation, message: string): OperationState {
    const now = new Date().toISOString();
    return { operation, phase: 'Failed', message, startedAt: now, finishedAt: now };
  }

  /** Argo CD's automated sync rules: once per revision, self-heal for drift, never wipe out by accident. */
  private autoSyncDecision(
    app: Application,
    comparison: AppComparison,
    revisions: string[],
    memory: AppMemory,
  ): { operation?: Operation; selfHeal?: boolean; condition?: ApplicationCondition } {
    if (comparison.status !== 'OutOfSync') return {};
    const automated = app.spec.syncPolicy?.automated ?? {};
    const outOfSync = comparison.resources.filter(r => r.result.status === 'OutOfSync');
    if (!automated.prune && outOfSync.every(r => r.result.requiresPruning)) return {};
    const desiredCount = comparison.resources.filter(r => r.desired).length;
    if (automated.prune && !automated.allowEmpty && desiredCount === 0 && comparison.resources.length > 0) {
      return {
        condition: {
          type: 'SyncError',
          message: `Skipping sync attempt to ${revisions[0]}: auto-sync will wipe out all resources (set syncPolicy.automated.allowEmpty to allow it)`,
        },
      };
    }
    const last = app.status?.operationState;
    const lastRevision = last?.syncResult?.revision ?? last?.operation?.sync?.revision;
    const sameRevision = last && lastRevision === revisions[0] && last.operation?.initiatedBy?.automated;
    let selfHeal = false;
    if (sameRevision) {
      if (last!.phase !== 'Succeeded') {
        return {
          condition: last!.phase === 'Failed' || last!.phase === 'Error'
            ? { type: 'SyncError', message: `Failed sync attempt to ${revisions[0]}: ${last!.message ?? ''}` }
            : undefined,
        };
      }
      if (!automated.selfHeal) return {};
      const since = Date.now() - (memory.selfHealAt ?? 0);
      if (since < SELF_HEAL_BACKOFF_MS) {
        this.queue.addAfter(app.metadata.name, SELF_HEAL_BACKOFF_MS - since);
        return {};
      }
      selfHeal = true;
    }
    return {
      selfHeal,
      operation: {
        initiatedBy: { automated: true },
        sync: { revision: revisions[0], prune: Boolean(automated.prune) },
        ...(app.spec.syncPolicy?.retry ? { retry: app.spec.syncPolicy.retry } : {}),
      },
    };
  }

  private async advanceOperation(
    app: Application,
    cluster: Cluster,
    initial: OperationState,
    comparison: AppComparison | undefined,
    memory: AppMemory,
    project: AppProject,
  ): Promise<{ state: OperationState; requeueMs?: number; history?: RevisionHistory[] }> {
    const name = app.metadata.name;
    let state = initial;
    if (memory.retryAt && Date.now() < memory.retryAt && state.phase === 'Running') {
      return { state, requeueMs: memory.retryAt - Date.now() };
    }
    memory.retryAt = undefined;
    const op = state.operation.sync ?? {};
    const sources: ApplicationSource[] = op.source ? [op.source] : sourcesOf(app);
    let desired: KubeObject[];
    let live: Map<string, KubeObject>;
    let syncStatus: Record<string, 'Synced' | 'OutOfSync' | 'Unknown'> = {};
    const shared: Record<string, string> = {};
    try {
      const now = { maxAgeMs: 0, notBefore: Date.parse(state.startedAt) };
      const revision = state.syncResult?.revision || (await this.source.resolve(sources[0], now));
      const revisions = [revision, ...(await Promise.all(sources.slice(1).map(s => this.source.resolve(s, now))))];
      const sameAsCompared = !op.source && memory.revisions && deepEqual(memory.revisions, revisions) && comparison;
      if (sameAsCompared) {
        desired = comparison!.desired;
        live = comparison!.live;
        for (const r of comparison!.resources) {
          syncStatus[r.key] = r.result.status;
          if (r.sharedWith) shared[r.key] = r.sharedWith;
        }
      } else {
        const rendered = await this.source.render(name, sources, revisions, app.spec.destination.namespace ?? '');
        const other = await compareApplication({
          appName: name,
          cluster,
          desired: prepareDesired(rendered.objects, name, cluster, app.spec.destination.namespace),
          ignoreDifferences: app.spec.ignoreDifferences,
          healthOptions: this.healthOptions,
        });
        desired = other.desired;
        live = other.live;
        syncStatus = Object.fromEntries(other.resources.map(r => [r.key, r.result.status]));
      }
      const violations = desired
        .map(obj => {
          const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
          return checkResourcePermitted(project, {
            group,
            kind: obj.kind,
            namespaced: cluster.resources.isNamespacedKind(group, obj.kind) !== false,
            name: obj.metadata.name,
          });
        })
        .filter((c): c is { permitted: false; message: string } => !c.permitted);
      if (violations.length > 0) throw new Error(violations.map(v => v.message).join('; '));
      state = { ...state, syncResult: { ...(state.syncResult ?? { resources: [] }), revision, ...(revisions.length > 1 ? { revisions } : {}) } };
    } catch (error) {
      return this.operationFailed(app, { ...state, message: `ComparisonError: ${(error as Error).message}` }, memory);
    }

    const step = await this.runner.step({
      app,
      cluster,
      desired,
      live,
      syncStatus,
      state,
      healthOptions: this.healthOptions,
      shared,
    });
    if (!step.finished) {
      this.log(app, state, 'info', step.state.message ?? 'running');
      // Watch events drive the next step; the timer is a safety net.
      return { state: step.state, requeueMs: 2_000 };
    }
    if (step.state.phase !== 'Succeeded') {
      return this.operationFailed(app, step.state, memory);
    }
    this.log(app, state, 'info', step.state.message ?? 'succeeded');
    this.audit(app, state, 'succeeded', step.state.message);
    const history = op.dryRun
      ? undefined
      : appendHistory(
          app.status?.history,
          {
            revision: step.state.syncResult?.revision ?? '',
            ...(step.state.syncResult?.revisions ? { revisions: step.state.syncResult.revisions } : {}),
            deployedAt: step.state.finishedAt ?? new Date().toISOString(),
            deployStartedAt: step.state.startedAt,
            source: op.source ?? app.spec.source,
            initiatedBy: state.operation.initiatedBy,
          },
          app.spec.revisionHistoryLimit ?? 10,
        );
    // The comparison made before the sync is stale now, and so may the resolved revision be.
    memory.comparison = undefined;
    memory.fingerprint = undefined;
    memory.resolveNotBefore = Date.now();
    memory.settleUntil = Date.now() + SETTLE_MS;
    this.queue.addAfter(name, 50);
    return { state: step.state, history };
  }

  private operationFailed(app: Application, state: OperationState, memory: AppMemory) {
    const attempt = state.retryCount ?? 0;
    const retry = state.operation.retry;
    if (state.message !== 'Operation terminated' && shouldRetry(retry, attempt)) {
      const delay = retryDelay(retry, attempt);
      memory.retryAt = Date.now() + delay;
      const message = `Retrying attempt #${attempt + 1} at ${new Date(memory.retryAt).toLocaleTimeString('en-GB')}: ${state.message ?? ''}`;
      this.log(app, state, 'warn', message);
      return {
        state: {
          ...state,
          phase: 'Running' as const,
          message,
          retryCount: attempt + 1,
          finishedAt: undefined,
          syncResult: { ...(state.syncResult ?? { revision: '' }), resources: [] },
        },
        requeueMs: delay,
      };
    }
    const finished = { ...state, phase: 'Failed' as const, finishedAt: state.finishedAt ?? new Date().toISOString() };
    this.log(app, state, 'error', finished.message ?? 'failed');
    this.audit(app, state, 'failed', finished.message);
    return { state: finished };
  }

  private log(app: Application, state: OperationState, level: 'info' | 'warn' | 'error', message: string) {
    this.store
      ?.appendOperationLog(`${this.namespace}/${app.metadata.name}`, state.startedAt, { level, message })
      .catch(error => this.logger.warn(`could not write the operation log: ${error}`));
  }

  private audit(app: Application, state: OperationState, result: 'succeeded' | 'failed', message?: string) {
    const by = state.operation.initiatedBy;
    this.store
      ?.audit({
        actor: by?.automated ? 'gitops-engine (automated)' : by?.username ?? 'unknown',
        action: 'sync.finished',
        target: `application:${this.namespace}/${app.metadata.name}`,
        result,
        message: `${state.syncResult?.revision?.slice(0, 7) ?? ''} ${message ?? ''}`.trim(),
      })
      .catch(error => this.logger.warn(`could not write the audit record: ${error}`));
  }

  /** Writes status (and starts an operation, clears a refresh) when something changed. */
  private async writeStatus(
    app: Application,
    status: ApplicationStatus,
    conditions: ApplicationCondition[],
    memory: AppMemory,
    extra: { startOperation?: boolean; clearRefresh?: boolean } = {},
  ) {
    const previous = app.status?.conditions ?? [];
    status.conditions = conditions.map(c => ({
      ...c,
      lastTransitionTime:
        previous.find(p => p.type === c.type && p.message === c.message)?.lastTransitionTime ?? new Date().toISOString(),
    }));
    if (status.conditions.length === 0) delete status.conditions;
    const comparable = (s: ApplicationStatus | undefined) => {
      const { reconciledAt: _r, observedAt: _o, ...rest } = s ?? {};
      return JSON.parse(JSON.stringify(rest));
    };
    const changed = !deepEqual(comparable(app.status), comparable(status));
    if (!changed && !extra.startOperation && !extra.clearRefresh) {
      return;
    }
    const now = new Date().toISOString();
    memory.reconciledAt = now;
    status.reconciledAt = now;
    const patch: Record<string, unknown> = { status: mergePatch(app.status ?? {}, JSON.parse(JSON.stringify(status))) };
    if (extra.startOperation) patch.operation = null;
    if (extra.clearRefresh) patch.metadata = { annotations: { [ANNOTATION_REFRESH]: null } };
    try {
      memory.written = (await this.control.resources.patch(
        'argoproj.io/v1alpha1',
        'Application',
        this.namespace,
        app.metadata.name,
        'merge',
        patch,
      )) as Application;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /** Deleting an Application with the resources finalizer deletes its resources first (cascade). */
  private async finalizeDeletion(app: Application) {
    const finalizers = app.metadata.finalizers ?? [];
    if (!finalizers.includes(FINALIZER_RESOURCES)) return;
    const cluster = this.clusterOf(app);
    if (cluster) {
      const tracked = cluster.cache.trackedBy(app.metadata.name).filter(r => {
        const options = parseSyncOptions([], r.object?.metadata.annotations?.['argocd.argoproj.io/sync-options']);
        return options.delete;
      });
      if (tracked.length > 0) {
        await Promise.all(
          tracked
            .filter(r => !r.deleting)
            .map(r =>
              cluster.resources
                .delete(r.object?.apiVersion ?? `${r.group ? `${r.group}/` : ''}${r.version}`, r.kind, r.namespace || undefined, r.name, {
                  propagationPolicy: 'Foreground',
                })
                .catch(error => this.logger.warn(`could not delete ${r.key}: ${error}`)),
            ),
        );
        this.queue.addAfter(app.metadata.name, 500);
        return;
      }
    }
    const index = finalizers.indexOf(FINALIZER_RESOURCES);
    await this.control.resources
      .patch('argoproj.io/v1alpha1', 'Application', this.namespace, app.metadata.name, 'json', [
        { op: 'test', path: `/metadata/finalizers/${index}`, value: FINALIZER_RESOURCES },
        { op: 'remove', path: `/metadata/finalizers/${index}` },
      ])
      .catch(error => {
        if (!isNotFound(error)) throw error;
      });
  }
}

/** Whether resourceVersion `a` is newer than `b` (numeric, as etcd's are). */
function isNewer(a: string | undefined, b: string | undefined): boolean {
  const x = Number(a);
  const y = Number(b);
  return Number.isFinite(x) && Number.isFinite(y) && x > y;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON merge patch (RFC 7386) turning `before` into `after`: removed keys become null. */
export function mergePatch(before: Record<string, any>, after: Record<string, any>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    const a = after[key];
    const b = before[key];
    if (isObject(a) && isObject(b)) {
      const nested = mergePatch(b, a);
      if (Object.keys(nested).length > 0) patch[key] = nested;
    } else if (!deepEqual(a, b)) {
      patch[key] = a;
    }
  }
  for (const key of Object.keys(before)) {
    if (!(key in after)) patch[key] = null;
  }
  return patch;
}

function imagesOf(obj: KubeObject | undefined): string[] {
  if (!obj) return [];
  const spec = obj.kind === 'Pod' ? obj.spec : obj.spec?.template?.spec;
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  return containers.map((c: { image?: string }) => c.image).filter((i): i is string => Boolean(i));
}
