/**
 * Scale-out: two backend replicas against one PostgreSQL database and one cluster share
 * the Applications through the scheduler's distributed locks — every shard is owned by
 * exactly one replica, every Application gets synced, and no sync runs twice.
 */
import type { ClusterSim } from '@gitops-suite/cluster-sim';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { TestGitRepo } from '../__testUtils__/gitRepo';
import { application, applyApp, deploymentYaml, eventually, readApp, startGitopsBackend, startSim, type GitopsBackend } from '../__testUtils__/harness';
import { startPostgres, type TestPostgres } from '../__testUtils__/postgres';

jest.setTimeout(180_000);

describe('two replicas sharing PostgreSQL', () => {
  let pg: TestPostgres;
  let sim: ClusterSim;
  let kubeconfigPath: string;
  const replicas: GitopsBackend[] = [];
  const repo = new TestGitRepo();

  beforeAll(async () => {
    pg = await startPostgres();
    ({ sim, kubeconfigPath } = await startSim());
    for (let i = 0; i < 2; i++) {
      replicas.push(
        await startGitopsBackend({
          kubeconfigPath,
          database: { client: 'pg', connection: pg.connection },
          gitCacheDir: mkdtempSync(join(tmpdir(), `gitops-git-${i}-`)),
          gitops: { reconciliation: { pollingInterval: '60s', pollingJitter: '1s', shards: 4, leaseSeconds: 3 } },
        }),
      );
    }
  });

  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await sim?.stop();
    await pg?.stop();
    repo.remove();
  });

  it('splits the shards between the replicas and syncs every Application exactly once', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `svc-${i}`);
    repo.commit(Object.fromEntries(names.map(n => [`apps/${n}/deployment.json`, deploymentYaml(n)])));
    for (const name of names) {
      await applyApp(sim, application(name, { repoURL: repo.url, path: `apps/${name}`, namespace: 'scale', syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] } }));
    }
    await eventually(
      'every Application to be Synced and Healthy',
      () => names.every(n => {
        const a = readApp(sim, n);
        return a?.status?.sync?.status === 'Synced' && a.status.health?.status === 'Healthy' && a.status.operationState?.phase === 'Succeeded';
      }),
      120_000,
      200,
    );

    const owned = await eventually(
      'each shard to be owned by exactly one replica',
      async () => {
        const shards = await Promise.all(
          replicas.map(async r => (await r.server.get('/api/gitops/health')).body.engines.sync.ownedShards as number[]),
        );
        const all = shards.flat().sort();
        // Leases are short here, so shards change hands: wait for a moment when both hold some.
        return all.length === 4 && new Set(all).size === 4 && shards.every(s => s.length > 0) ? shards : undefined;
      },
      60_000,
      200,
    );
    expect(owned!.flat().sort()).toEqual([0, 1, 2, 3]);
    expect(owned!.every(s => s.length > 0)).toBe(true);

    // One sync per Application, recorded in the shared database by whichever replica ran it.
    const knex = knexFactory({ client: 'pg', connection: { ...pg.connection, database: 'backstage_plugin_gitops' } });
    try {
      const rows = await knex('gitops_audit').where({ action: 'sync.finished' }).select('target');
      const counts = new Map<string, number>();
      for (const row of rows) counts.set(row.target, (counts.get(row.target) ?? 0) + 1);
      expect(names.map(n => counts.get(`application:argocd/${n}`))).toEqual(names.map(() => 1));
    } finally {
      await knex.destroy();
    }
    for (const name of names) expect(readApp(sim, name)!.status!.history).toHaveLength(1);
  });
});
