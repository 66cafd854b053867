/**
 * Reads the plugin's configuration (`gitops.*`, schema in config.d.ts) into typed options
 * with Argo CD's defaults.
 */
import type { Config } from '@backstage/config';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from './engine/duration';

export interface ClusterConfig {
  name: string;
  url?: string;
  serviceAccountToken?: string;
  caData?: string;
  skipTLSVerify?: boolean;
  kubeconfigPath?: string;
  context?: string;
  labels: Record<string, string>;
  inCluster: boolean;
}

export interface GitCredentialConfig {
  url: string;
  username?: string;
  password?: string;
  sshPrivateKey?: string;
  insecureIgnoreHostKey?: boolean;
}

export interface GitopsConfig {
  namespace: string;
  clusters: ClusterConfig[];
  embeddedCluster?: { port?: number; dataDir?: string; kubeconfigPath?: string };
  reconciliation: {
    pollingIntervalMs: number;
    pollingJitterMs: number;
    workers: number;
    shards: number;
    leaseSeconds: number;
    applicationHealth: boolean;
  };
  git: { cacheDir: string; credentials: GitCredentialConfig[] };
  render: { kustomizeCommand?: string; helmCommand?: string; cacheSize: number; timeoutMs: number };
  webhook: { github?: string; gitlab?: string; gitea?: string };
}

export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

function duration(config: Config | undefined, key: string, fallback: string): number {
  const value = config?.getOptional<string | number>(key);
  try {
    return parseDuration(value ?? fallback);
  } catch (error) {
    throw new Error(`gitops.reconciliation.${key}: ${(error as Error).message}`);
  }
}

export function readGitopsConfig(root: Config): GitopsConfig {
  const config = root.getOptionalConfig('gitops');
  const clusters = (config?.getOptionalConfigArray('clusters') ?? []).map(c => ({
    name: c.getString('name'),
    url: c.getOptionalString('url'),
    serviceAccountToken: c.getOptionalString('serviceAccountToken'),
    caData: c.getOptionalString('caData'),
    skipTLSVerify: c.getOptionalBoolean('skipTLSVerify'),
    kubeconfigPath: c.getOptionalString('kubeconfigPath'),
    context: c.getOptionalString('context'),
    labels: (c.getOptional<Record<string, string>>('labels') ?? {}) as Record<string, string>,
    inCluster: c.getOptionalBoolean('inCluster') ?? false,
  }));
  const names = new Set<string>();
  for (const cluster of clusters) {
    if (names.has(cluster.name)) throw new Error(`gitops.clusters: the name "${cluster.name}" is used twice`);
    names.add(cluster.name);
    if (!cluster.url && !cluster.kubeconfigPath) {
      throw new Error(`gitops.clusters: cluster "${cluster.name}" needs url (and serviceAccountToken) or kubeconfigPath`);
    }
  }
  const embedded = config?.getOptionalConfig('embeddedCluster');
  const reconciliation = config?.getOptionalConfig('reconciliation');
  const git = config?.getOptionalConfig('git');
  const render = config?.getOptionalConfig('render');
  return {
    namespace: config?.getOptionalString('namespace') ?? 'argocd',
    clusters,
    embeddedCluster: embedded?.getOptionalBoolean('enabled')
      ? {
          port: embedded.getOptionalNumber('port'),
          dataDir: embedded.getOptionalString('dataDir'),
          kubeconfigPath: embedded.getOptionalString('kubeconfigPath'),
        }
      : undefined,
    reconciliation: {
      pollingIntervalMs: duration(reconciliation, 'pollingInterval', '120s'),
      pollingJitterMs: duration(reconciliation, 'pollingJitter', '60s'),
      workers: reconciliation?.getOptionalNumber('workers') ?? 8,
      shards: reconciliation?.getOptionalNumber('shards') ?? 4,
      leaseSeconds: reconciliation?.getOptionalNumber('leaseSeconds') ?? 60,
      applicationHealth: reconciliation?.getOptionalBoolean('applicationHealth') ?? false,
    },
    git: {
      cacheDir: git?.getOptionalString('cacheDir') ?? join(tmpdir(), 'gitops-suite-git'),
      credentials: (git?.getOptionalConfigArray('credentials') ?? []).map(c => ({
        url: c.getString('url'),
        username: c.getOptionalString('username'),
        password: c.getOptionalString('password'),
        sshPrivateKey: c.getOptionalString('sshPrivateKey'),
        insecureIgnoreHostKey: c.getOptionalBoolean('insecureIgnoreHostKey'),
      })),
    },
    render: {
      kustomizeCommand: render?.getOptionalString('kustomizeCommand'),
      helmCommand: render?.getOptionalString('helmCommand'),
      cacheSize: render?.getOptionalNumber('cacheSize') ?? 1000,
      timeoutMs: (render?.getOptionalNumber('timeoutSeconds') ?? 90) * 1000,
    },
    webhook: {
      github: config?.getOptionalString('webhook.github.secret'),
      gitlab: config?.getOptionalString('webhook.gitlab.secret'),
      gitea: config?.getOptionalString('webhook.gitea.secret'),
    },
  };
}
