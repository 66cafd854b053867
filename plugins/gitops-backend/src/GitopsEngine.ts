/**
 * Composition root of the engines: reads config, connects the clusters (the embedded
 * simulated cluster when asked), and wires git access, rendering, the database, the
 * Application controller and the shard leases that spread it over replicas.
 */
import type {
  DatabaseService,
  LoggerService,
  RootConfigService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type { EngineStatus } from '@gitops-suite/plugin-gitops-common';
import { ClusterRegistry } from './cluster/ClusterRegistry';
import { readGitopsConfig, type ClusterConfig, type GitopsConfig } from './config';
import { ApplicationController } from './controller/ApplicationController';
import { ManifestSource } from './controller/ManifestSource';
import { ShardLeases, shardOf } from './controller/ShardLeases';
import { GitopsStore } from './database/GitopsStore';
import { getResourceHealth, trackingAppOf } from './engine';
import { GitRepositoryCache } from './git';
import { ManifestRenderer } from './render';

/** Kinds whose full objects the caches keep even when no Application tracks them. */
const KEEP_FULL = [
  'argoproj.io/Application',
  'argoproj.io/AppProject',
  'argoproj.io/ApplicationSet',
  'argoproj.io/Rollout',
  'argoproj.io/AnalysisRun',
];

export interface GitopsEngineOptions {
  config: RootConfigService;
  logger: LoggerService;
  database: DatabaseService;
  scheduler: SchedulerService;
}

export class GitopsEngine {
  readonly config: GitopsConfig;
  readonly store: GitopsStore;
  readonly registry?: ClusterRegistry;
  readonly controller?: ApplicationController;
  readonly git: GitRepositoryCache;
  private readonly leases?: ShardLeases;
  private readonly logger: LoggerService;
  private stopSim?: () => Promise<void>;
  private startError?: string;
  private started = false;

  private constructor(options: {
    config: GitopsConfig;
    store: GitopsStore;
    git: GitRepositoryCache;
    registry?: ClusterRegistry;
    controller?: ApplicationController;
    leases?: ShardLeases;
    logger: LoggerService;
    stopSim?: () => Promise<void>;
  }) {
    this.config = options.config;
    this.store = options.store;
    this.git = options.git;
    this.registry = options.registry;
    this.controller = options.controller;
    this.leases = options.leases;
    this.logger = options.logger;
    this.stopSim = options.stopSim;
  }

  static async create(options: GitopsEngineOptions): Promise<GitopsEngine> {
    const config = readGitopsConfig(options.config);
    const logger = options.logger;
    const store = await GitopsStore.create(options.database);

    let clusters: Array<ClusterConfig & { kubeconfig?: string }> = config.clusters;
    let stopSim: (() => Promise<void>) | undefined;
    if (clusters.length === 0 && config.embeddedCluster) {
      const { startClusterSim } = await import('@gitops-suite/cluster-sim');
      const sim = await startClusterSim({
        port: config.embeddedCluster.port ?? 0,
        dataDir: config.embeddedCluster.dataDir,
        kubeconfigPath: config.embeddedCluster.kubeconfigPath,
      });
      logger.info(`started the embedded simulated cluster at ${sim.url}`);
      clusters = [{ name: 'in-cluster', kubeconfig: sim.kubeconfig, labels: {}, inCluster: true }];
      stopSim = () => sim.stop();
    }

    const git = new GitRepositoryCache({
      cacheDir: config.git.cacheDir,
      credentials: config.git.credentials,
      logger: logger.child({ component: 'git' }),
    });
    if (clusters.length === 0) {
      return new GitopsEngine({ config, store, git, logger });
    }

    const renderer = new ManifestRenderer({
      logger: logger.child({ component: 'render' }),
      kustomizeCommand: config.render.kustomizeCommand,
      helmCommand: config.render.helmCommand,
      cache: { maxEntries: config.render.cacheSize },
      timeoutMs: config.render.timeoutMs,
    });
    const healthOptions = { applicationHealth: config.reconciliation.applicationHealth };
    const registry = new ClusterRegistry(
      clusters,
      {
        appOf: trackingAppOf,
        health: obj => getResourceHealth(obj, healthOptions),
        keepFullKinds: KEEP_FULL,
      },
      logger,
    );
    // The controller asks the leases, which call back into the controller: tie the knot.
    const holder: { leases?: ShardLeases } = {};
    const controller = new ApplicationController({
      config,
      registry,
      source: new ManifestSource(git, renderer, store, logger),
      store,
      logger: logger.child({ component: 'application-controller' }),
      owns: name => holder.leases?.owns(name) ?? false,
    });
    const leases = new ShardLeases({
      scheduler: options.scheduler,
      logger,
      shards: config.reconciliation.shards,
      leaseSeconds: config.reconciliation.leaseSeconds,
      onAcquire: shard => controller.enqueueAll(name => shardOf(name, config.reconciliation.shards) === shard),
    });
    holder.leases = leases;
    return new GitopsEngine({ config, store, git, registry, controller, leases, logger, stopSim });
  }

  /** Connects the clusters and starts reconciling; resolves once the engine runs. */
  async start(): Promise<void> {
    if (!this.registry || !this.controller || !this.leases) return;
    try {
      await this.registry.start();
      await this.controller.start();
      await this.leases.start();
      this.started = true;
    } catch (error) {
      this.startError = (error as Error).message;
      this.logger.error(`the sync engine failed to start: ${(error as Error).stack ?? error}`);
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.leases?.stop();
    this.controller?.stop();
    this.registry?.stop();
    await this.stopSim?.();
  }

  syncStatus(): EngineStatus {
    if (!this.controller) return { state: 'disabled', message: 'no clusters are configured (gitops.clusters)' };
    if (this.startError) return { state: 'failed', message: this.startError };
    if (!this.started) return { state: 'starting', message: 'connecting to the clusters' };
    return {
      ...this.controller.status(),
      ownedShards: this.ownedShards(),
      shardCount: this.config.reconciliation.shards,
    };
  }

  /** Shards this replica reconciles now (for the health answer and tests). */
  ownedShards(): number[] {
    return this.leases?.ownedShards ?? [];
  }
}
