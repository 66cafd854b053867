/**
 * The clusters the engines reach, from config: each with its API client and its
 * watch-fed cache. Destinations resolve here — by server URL, by name, and
 * `https://kubernetes.default.svc` to the control cluster — exactly as Argo CD resolves
 * them, for real clusters and the simulated one alike.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ApplicationDestination, ClusterStatus, KubeObject } from '@gitops-suite/plugin-gitops-common';
import type { ClusterConfig } from '../config';
import { IN_CLUSTER_SERVER } from '../config';
import { ClusterCache, type ClusterCacheOptions } from './ClusterCache';
import { KubeClient, kubeConfigFor } from './KubeClient';
import { ResourceClient } from './ResourceClient';

export class Cluster {
  readonly name: string;
  /** The server URL users write in destinations. */
  readonly server: string;
  readonly labels: Record<string, string>;
  readonly inCluster: boolean;
  readonly kube: KubeClient;
  readonly resources: ResourceClient;
  readonly cache: ClusterCache;
  private reachable = false;
  private version?: string;
  private lastError?: string;

  constructor(
    config: ClusterConfig & { kubeconfig?: string },
    cacheOptions: Omit<ClusterCacheOptions, 'client' | 'logger'>,
    private readonly logger: LoggerService,
  ) {
    this.name = config.name;
    this.labels = config.labels;
    this.inCluster = config.inCluster;
    this.kube = new KubeClient(kubeConfigFor(config));
    this.server = config.url ?? this.kube.server;
    this.resources = new ResourceClient(this.kube);
    this.cache = new ClusterCache({ ...cacheOptions, client: this.resources, logger: logger.child({ cluster: this.name }) });
  }

  /** Connects and fills the cache; on failure keeps retrying in the background. */
  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.version = await this.kube.version();
        await this.cache.start();
        this.reachable = true;
        this.lastError = undefined;
        return;
      } catch (error) {
        this.reachable = false;
        this.lastError = String((error as Error).message ?? error);
        if (attempt === 0) this.logger.warn(`cluster ${this.name} is not reachable yet: ${this.lastError}`);
        await new Promise(resolve => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** attempt)));
      }
    }
  }

  status(): ClusterStatus {
    return {
      name: this.name,
      server: this.inCluster ? IN_CLUSTER_SERVER : this.server,
      reachable: this.reachable,
      version: this.version,
      message: this.lastError,
      labels: this.labels,
      cachedObjects: this.cache.size,
    };
  }

  get isReachable(): boolean {
    return this.reachable;
  }

  stop(): void {
    this.cache.stop();
    this.kube.close();
  }
}

export class ClusterRegistry {
  readonly clusters: Cluster[];
  readonly control: Cluster;

  constructor(
    configs: Array<ClusterConfig & { kubeconfig?: string }>,
    cacheOptions: Omit<ClusterCacheOptions, 'client' | 'logger'>,
    logger: LoggerService,
  ) {
    if (configs.length === 0) {
      throw new Error('no clusters are configured (gitops.clusters, or gitops.embeddedCluster.enabled)');
    }
    this.clusters = configs.map(c => new Cluster(c, cacheOptions, logger));
    this.control =
      this.clusters.find(c => c.inCluster) ??
      this.clusters.find(c => c.name === 'in-cluster') ??
      this.clusters[0];
    (this.control as { inCluster: boolean }).inCluster = true;
  }

  /** Starts every cluster; resolves when the control cluster's cache is filled. */
  async start(): Promise<void> {
    for (const cluster of this.clusters) {
      if (cluster !== this.control) void cluster.start();
    }
    await this.control.start();
  }

  stop(): void {
    for (const cluster of this.clusters) cluster.stop();
  }

  byName(name: string): Cluster | undefined {
    return this.clusters.find(c => c.name === name);
  }

  /** The cluster of a destination, or a message saying why there is none. */
  resolve(destination: ApplicationDestination): Cluster | string {
    if (destination.server && destination.name) {
      return 'application destination can\'t have both name and server defined';
    }
    if (destination.name) {
      return this.byName(destination.name) ?? `there are no clusters with this name: ${destination.name}`;
    }
    const server = (destination.server ?? '').replace(/\/+$/, '');
    if (!server) return 'application destination has neither a server nor a name';
    if (server === IN_CLUSTER_SERVER) return this.control;
    return (
      this.clusters.find(c => c.server.replace(/\/+$/, '') === server) ??
      `cluster ${server} has not been configured (gitops.clusters)`
    );
  }

  /** Every cluster's status for the health answer. */
  status() {
    return this.clusters.map(c => c.status());
  }

  /** Looks up an object's cached summary in a cluster. */
  find(cluster: Cluster, obj: KubeObject) {
    return cluster.cache.get(
      `${obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : ''}/${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`,
    );
  }
}
