/**
 * End-to-end harness for the sync engine: a simulated cluster started in-process, real git
 * repositories, and the gitops plugin in a Backstage test backend with the real database
 * (SQLite or PostgreSQL) and the real scheduler, reached over HTTP like a user would.
 */
import { databaseServiceFactory } from '@backstage/backend-defaults/database';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import type { BackendFeature } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { startClusterSim, type ClusterSim } from '@gitops-suite/cluster-sim';
import type { Application, KubeObject } from '@gitops-suite/plugin-gitops-common';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { gitopsPlugin } from '../plugin';

export const WEBHOOK_SECRET = 'test-webhook-secret';

export type DatabaseConfig = { client: 'better-sqlite3'; connection: string } | { client: 'pg'; connection: object };

export async function startSim(options: { readyDelayMs?: number } = {}): Promise<{ sim: ClusterSim; kubeconfigPath: string }> {
  const sim = await startClusterSim({
    controllerOptions: { readyDelayMs: options.readyDelayMs ?? 30 },
    logger: { warn: () => undefined, error: m => process.stderr.write(`[sim] ${m}\n`) },
  });
  const dir = mkdtempSync(join(tmpdir(), 'gitops-kc-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, sim.kubeconfig);
  return { sim, kubeconfigPath };
}

export interface GitopsBackend {
  server: ReturnType<typeof request>;
  http: any;
  stop(): Promise<void>;
}

export async function startGitopsBackend(options: {
  kubeconfigPath: string;
  database: DatabaseConfig;
  gitCacheDir?: string;
  entities?: Entity[];
  gitops?: Record<string, unknown>;
  extraFeatures?: BackendFeature[];
}): Promise<GitopsBackend> {
  const backend = await startTestBackend({
    features: [
      gitopsPlugin,
      databaseServiceFactory,
      schedulerServiceFactory,
      catalogServiceMock.factory({ entities: options.entities ?? [] }),
      mockServices.rootConfig.factory({
        data: {
          backend: { database: options.database },
          gitops: {
            namespace: 'argocd',
            clusters: [{ name: 'in-cluster', kubeconfigPath: options.kubeconfigPath, labels: { env: 'test' } }],
            reconciliation: { pollingInterval: '60s', pollingJitter: '1s', shards: 2, leaseSeconds: 30 },
            git: { cacheDir: options.gitCacheDir ?? mkdtempSync(join(tmpdir(), 'gitops-git-')) },
            webhook: { github: { secret: WEBHOOK_SECRET } },
            api: { validateResponses: true },
            ...options.gitops,
          },
        },
      }),
      // Requests without a token are refused, as in a real backend.
      mockServices.httpAuth.factory({ defaultCredentials: mockCredentials.none() }),
      ...(options.extraFeatures ?? []),
    ],
  });
  return {
    server: request(backend.server),
    http: backend.server,
    stop: () => backend.stop(),
  };
}

export const userAuth = () => mockCredentials.user.header('user:default/alice');

/** Polls until `check` returns a truthy value; fails with the last value seen. */
export async function eventually<T>(what: string, check: () => Promise<T> | T, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last as T;
    } catch (error) {
      lastError = error;
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 2000)}${lastError ? `; last error: ${lastError}` : ''}`,
  );
}

export function application(name: string, spec: Partial<Application['spec']> & { repoURL: string; path: string; namespace: string }): KubeObject {
  const { repoURL, path, namespace, ...rest } = spec;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd' },
    spec: {
      project: 'default',
      source: { repoURL, targetRevision: 'main', path },
      destination: { server: 'https://kubernetes.default.svc', namespace },
      ...rest,
    },
  };
}

/** Reads an Application straight from the cluster. */
export function readApp(sim: ClusterSim, name: string): Application | undefined {
  return sim.client.get('argoproj.io/v1alpha1', 'Application', 'argocd', name) as Application | undefined;
}

/** Waits for the engine to have installed its CRDs, then creates or replaces an Application. */
export async function applyApp(sim: ClusterSim, app: KubeObject): Promise<void> {
  await eventually('the Application CRD', () => sim.client.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'applications.argoproj.io'));
  await eventually('the argocd namespace', () => sim.client.get('v1', 'Namespace', undefined, 'argocd'));
  await eventually('the Application kind to be served', () => {
    sim.client.list('argoproj.io/v1alpha1', 'Application');
    return true;
  });
  sim.client.patch('argoproj.io/v1alpha1', 'Application', 'argocd', app.metadata.name!, 'apply', app, { fieldManager: 'test', force: true });
}

export function deploymentYaml(name: string, opts: { replicas?: number; image?: string; wave?: number; annotations?: Record<string, string>; podAnnotations?: Record<string, string> } = {}): string {
  const annotations = { ...(opts.wave !== undefined ? { 'argocd.argoproj.io/sync-wave': String(opts.wave) } : {}), ...opts.annotations };
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, annotations },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: opts.podAnnotations ?? {} },
        spec: { containers: [{ name: 'main', image: opts.image ?? 'example/app:1.0.0' }] },
      },
    },
  });
}
