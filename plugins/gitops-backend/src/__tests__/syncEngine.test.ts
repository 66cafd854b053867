/**
 * The sync engine end to end: real git repositories (file:// remotes), the simulated
 * cluster over its real HTTP API, the gitops plugin in a Backstage backend with the real
 * scheduler, and the same suite on SQLite and on PostgreSQL.
 */
import type { ClusterSim, WatchEvent } from '@gitops-suite/cluster-sim';
import type { Application, KubeObject } from '@gitops-suite/plugin-gitops-common';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { githubSignature } from '../service/webhook';
import { TestGitRepo } from '../__testUtils__/gitRepo';
import {
  application,
  applyApp,
  deploymentYaml,
  eventually,
  readApp,
  startGitopsBackend,
  startSim,
  userAuth,
  WEBHOOK_SECRET,
  type DatabaseConfig,
  type GitopsBackend,
} from '../__testUtils__/harness';
import { startPostgres, type TestPostgres } from '../__testUtils__/postgres';

jest.setTimeout(180_000);

const kustomization = (resources: string[], extra = '') =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map(r => `  - ${r}`).join('\n')}\n${extra}`;

const service = (name: string) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    app: ${name}\n  ports:\n    - port: 80\n      targetPort: 8080\n`;

const job = (name: string, hook: string, podAnnotations: Record<string, string> = {}) =>
  JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      annotations: { 'argocd.argoproj.io/hook': hook, 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' },
    },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { annotations: { 'sim.gitops-suite.io/run-duration': '200ms', ...podAnnotations } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: 'example/migrate:1' }] },
      },
    },
  });

const automated = { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] };

const databases: Array<[string, () => Promise<{ config: DatabaseConfig; stop(): Promise<void> }>]> = [
  ['SQLite', async () => ({ config: { client: 'better-sqlite3', connection: ':memory:' }, stop: async () => undefined })],
  [
    'PostgreSQL',
    async () => {
      const pg: TestPostgres = await startPostgres();
      return { config: { client: 'pg', connection: pg.connection }, stop: () => pg.stop() };
    },
  ],
];

describe.each(databases)('sync engine with %s', (_name, startDatabase) => {
  let sim: ClusterSim;
  let kubeconfigPath: string;
  let backend: GitopsBackend;
  let database: { config: DatabaseConfig; stop(): Promise<void> };
  const gitCacheDir = mkdtempSync(join(tmpdir(), 'gitops-git-'));
  const repos: TestGitRepo[] = [];

  const newRepo = () => {
    const repo = new TestGitRepo();
    repos.push(repo);
    return repo;
  };
  const start = () => startGitopsBackend({ kubeconfigPath, database: database.config, gitCacheDir });

  beforeAll(async () => {
    database = await startDatabase();
    ({ sim, kubeconfigPath } = await startSim());
    backend = await start();
  });

  afterAll(async () => {
    await backend?.stop();
    await sim?.stop();
    await database?.stop();
    repos.forEach(r => r.remove());
  });

  const app = (name: string) => readApp(sim, name);
  const get = (apiVersion: string, kind: string, namespace: string, name: string) =>
    sim.client.get(apiVersion, kind, namespace, name);
  const waitFor = <T,>(what: string, check: () => T, timeoutMs = 60_000): Promise<NonNullable<Exclude<T, false>>> =>
    (eventually(what, check, timeoutMs, 50) as Promise<NonNullable<Exclude<T, false>>>).catch(error => {
      throw new Error(`${error.message}\napplications: ${JSON.stringify(sim.client.list('argoproj.io/v1alpha1', 'Application').sort((a, b) => Number(what.startsWith(`${b.metadata.name} `)) - Number(what.startsWith(`${a.metadata.name} `))).map(a => ({ name: a.metadata.name, status: { ...a.status, resources: undefined, history: undefined } })), null, 1).slice(0, 6000)}`);
    });
  const synced = (name: string, revision?: string) =>
    waitFor(`${name} Synced and Healthy${revision ? ` at ${revision.slice(0, 7)}` : ''}`, () => {
      const a = app(name);
      return a?.status?.sync?.status === 'Synced' &&
        a.status.health?.status === 'Healthy' &&
        (!a.status.operationState || a.status.operationState.phase === 'Succeeded') &&
        (!revision || a.status.sync.revision === revision)
        ? a
        : undefined;
    });
  const pushWebhook = (repo: TestGitRepo, sha: string) => {
    const body = JSON.stringify({ ref: 'refs/heads/main', after: sha, repository: { clone_url: repo.url, html_url: repo.url } });
    return backend.server
      .post('/api/gitops/webhook')
      .set('content-type', 'application/json')
      .set('x-github-event', 'push')
      .set('x-hub-signature-256', githubSignature(WEBHOOK_SECRET, body))
      .send(body);
  };

  it('deploys a Kustomize overlay, then an overlay change announced by a push webhook', async () => {
    const repo = newRepo();
    repo.commit({
      'apps/web/base/deployment.json': deploymentYaml('web', { image: 'example/web:1.0.0' }),
      'apps/web/base/service.yaml': service('web'),
      'apps/web/base/kustomization.yaml': kustomization(['deployment.json', 'service.yaml']),
      'apps/web/overlays/staging/kustomization.yaml': kustomization(
        ['../../base'],
        'replicas:\n  - name: web\n    count: 2\nimages:\n  - name: example/web\n    newTag: 1.1.0\n',
      ),
    });
    await applyApp(sim, application('web-staging', { repoURL: repo.url, path: 'apps/web/overlays/staging', namespace: 'web-staging', syncPolicy: automated }));
    const first = await synced('web-staging');
    let deployment = get('apps/v1', 'Deployment', 'web-staging', 'web')!;
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.containers[0].image).toBe('example/web:1.1.0');
    expect(deployment.metadata.annotations!['argocd.argoproj.io/tracking-id']).toBe('web-staging:apps/Deployment:web-staging/web');
    expect(first.status!.sourceType).toBe('Kustomize');
    expect(first.status!.history).toHaveLength(1);

    const sha = repo.commit({
      'apps/web/overlays/staging/kustomization.yaml': kustomization(
        ['../../base'],
        'replicas:\n  - name: web\n    count: 3\nimages:\n  - name: example/web\n    newTag: 1.2.0\n',
      ),
    }, 'staging: 1.2.0, 3 replicas');
    const answer = await pushWebhook(repo, sha);
    expect(answer.status).toBe(200);
    expect(answer.body.refreshed).toContain('web-staging');

    const second = await synced('web-staging', sha);
    deployment = get('apps/v1', 'Deployment', 'web-staging', 'web')!;
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.template.spec.containers[0].image).toBe('example/web:1.2.0');
    expect(second.status!.history!.map(h => h.revision)).toEqual([first.status!.sync!.revision, sha]);
  });

  it('reports a kubectl edit as drift, then reverts it (selfHeal)', async () => {
    const repo = newRepo();
    repo.commit({ 'app/deployment.json': deploymentYaml('drifty', { replicas: 2 }) });
    await applyApp(sim, application('drifty', { repoURL: repo.url, path: 'app', namespace: 'drifty', syncPolicy: automated }));
    await synced('drifty');
    const operationsBefore = app('drifty')!.status!.operationState!.startedAt;

    const seen: string[] = [];
    const stop = sim.client.watch('argoproj.io/v1alpha1', 'Application', (event: WatchEvent) => {
      if (event.object.metadata.name === 'drifty') seen.push((event.object as Application).status?.sync?.status ?? '');
    }, { namespace: 'argocd' });
    // The real kubectl, run asynchronously: the simulated cluster answers from this process.
    await promisify(execFile)('kubectl', ['--kubeconfig', kubeconfigPath, '-n', 'drifty', 'scale', 'deployment/drifty', '--replicas=5']);
    try {
      await waitFor('the drift to be reported', () => seen.includes('OutOfSync'));
      await waitFor('the edit to be reverted', () => get('apps/v1', 'Deployment', 'drifty', 'drifty')?.spec.replicas === 2 && app('drifty')?.status?.sync?.status === 'Synced');
    } finally {
      stop();
    }
    const healed = (await synced('drifty')).status!.operationState!;
    expect(healed.startedAt).not.toBe(operationsBefore);
    expect(healed.operation.initiatedBy).toEqual({ automated: true });
    expect(healed.phase).toBe('Succeeded');
  });

  it('prunes a resource whose manifest was removed from Git', async () => {
    const repo = newRepo();
    repo.commit({
      'app/deployment.json': deploymentYaml('keeper'),
      'app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: doomed\ndata:\n  a: "1"\n',
    });
    await applyApp(sim, application('pruner', { repoURL: repo.url, path: 'app', namespace: 'pruner', syncPolicy: automated }));
    await synced('pruner');
    expect(get('v1', 'ConfigMap', 'pruner', 'doomed')).toBeDefined();

    const sha = repo.commit({ 'app/config.yaml': null }, 'remove the config map');
    await backend.server.post('/api/gitops/applications/pruner/refresh').set('authorization', userAuth()).send({}).expect(202);
    await synced('pruner', sha);
    await waitFor('the ConfigMap to be pruned', () => !get('v1', 'ConfigMap', 'pruner', 'doomed'));
    expect(get('apps/v1', 'Deployment', 'pruner', 'keeper')).toBeDefined();
    const results = app('pruner')!.status!.operationState!.syncResult!.resources!;
    expect(results.find(r => r.name === 'doomed')).toMatchObject({ status: 'Pruned' });
  });

  it('runs hooks and waves in order, waiting for each wave to be healthy', async () => {
    const repo = newRepo();
    repo.commit({
      'app/presync.json': job('migrate', 'PreSync'),
      'app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  annotations:\n    argocd.argoproj.io/sync-wave: "-1"\ndata:\n  a: "1"\n',
      'app/api.json': deploymentYaml('api', { wave: 0, podAnnotations: { 'sim.gitops-suite.io/ready-delay': '600ms' } }),
      'app/worker.json': deploymentYaml('worker', { wave: 1 }),
      'app/postsync.json': job('smoke-test', 'PostSync'),
    });
    const events: Array<{ rv: number; what: string }> = [];
    const record = (kind: string) => (event: WatchEvent) => {
      if (event.object.metadata.namespace !== 'waves') return;
      const rv = Number(event.object.metadata.resourceVersion);
      if (event.type === 'ADDED') events.push({ rv, what: `${kind}/${event.object.metadata.name}` });
      if (kind === 'Deployment' && event.object.metadata.name === 'api' && event.object.status?.availableReplicas === 1) {
        events.push({ rv, what: 'api-available' });
      }
    };
    const stops = [
      sim.client.watch('batch/v1', 'Job', record('Job')),
      sim.client.watch('v1', 'ConfigMap', record('ConfigMap')),
      sim.client.watch('apps/v1', 'Deployment', record('Deployment')),
    ];
    try {
      await applyApp(sim, application('waves', { repoURL: repo.url, path: 'app', namespace: 'waves', syncPolicy: automated }));
      await synced('waves');
    } finally {
      stops.forEach(stop => stop());
    }
    const order = events.sort((a, b) => a.rv - b.rv).map(e => e.what);
    const first = (what: string) => order.indexOf(what);
    expect(first('Job/migrate')).toBeGreaterThanOrEqual(0);
    expect(first('Job/migrate')).toBeLessThan(first('ConfigMap/settings'));
    expect(first('ConfigMap/settings')).toBeLessThan(first('Deployment/api'));
    expect(first('Deployment/api')).toBeLessThan(first('api-available'));
    // Wave 1 starts only once wave 0 is healthy.
    expect(first('api-available')).toBeLessThan(first('Deployment/worker'));
    expect(first('Deployment/worker')).toBeLessThan(first('Job/smoke-test'));
    // HookSucceeded hooks are deleted once they succeed.
    await waitFor('the hooks to be deleted', () => !get('batch/v1', 'Job', 'waves', 'migrate') && !get('batch/v1', 'Job', 'waves', 'smoke-test'));
    const results = app('waves')!.status!.operationState!.syncResult!.resources!;
    expect(results.filter(r => r.hookType).map(r => [r.name, r.hookPhase])).toEqual(
      expect.arrayContaining([
        ['migrate', 'Succeeded'],
        ['smoke-test', 'Succeeded'],
      ]),
    );

    // The next commit runs the same hooks again, under the same names.
    const sha = repo.commit({ 'app/worker.json': deploymentYaml('worker', { wave: 1, replicas: 2 }) });
    await pushWebhook(repo, sha).expect(200);
    const second = await synced('waves', sha);
    expect(second.status!.operationState!.syncResult!.resources!.find(r => r.name === 'migrate')).toMatchObject({ hookPhase: 'Succeeded' });
    expect(get('apps/v1', 'Deployment', 'waves', 'worker')!.spec.replicas).toBe(2);
  });

  it('fails the sync when a PreSync hook fails, leaving Sync-phase resources alone', async () => {
    const repo = newRepo();
    repo.commit({
      'app/presync.json': job('bad-migration', 'PreSync', { 'sim.gitops-suite.io/failure': 'JobFail' }),
      'app/api.json': deploymentYaml('never-deployed'),
    });
    await applyApp(sim, application('failing-hook', { repoURL: repo.url, path: 'app', namespace: 'failing-hook', syncPolicy: automated }));
    const failed = await waitFor('the operation to fail', () => {
      const state = app('failing-hook')?.status?.operationState;
      return state?.phase === 'Failed' ? state : undefined;
    });
    expect(failed.message).toMatch(/one or more synchronization tasks completed unsuccessfully|bad-migration/);
    expect(failed.syncResult!.resources!.find(r => r.name === 'bad-migration')).toMatchObject({ hookPhase: 'Failed' });
    expect(get('apps/v1', 'Deployment', 'failing-hook', 'never-deployed')).toBeUndefined();
    expect(app('failing-hook')!.status!.sync!.status).toBe('OutOfSync');
  });

  it('keeps live resources untouched when a commit breaks the render', async () => {
    const repo = newRepo();
    repo.commit({ 'app/deployment.json': deploymentYaml('stable', { replicas: 2 }) });
    await applyApp(sim, application('broken-render', { repoURL: repo.url, path: 'app', namespace: 'broken-render', syncPolicy: automated }));
    const before = await synced('broken-render');
    const liveBefore = get('apps/v1', 'Deployment', 'broken-render', 'stable')!;

    repo.commit({ 'app/deployment.json': null, 'app/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: [oops\n' }, 'break it');
    await backend.server.post('/api/gitops/applications/broken-render/refresh').set('authorization', userAuth()).send({ hard: true }).expect(202);
    const broken = await waitFor('a ComparisonError', () => {
      const a = app('broken-render');
      return a?.status?.conditions?.some(c => c.type === 'ComparisonError') ? a : undefined;
    });
    expect(broken.status!.conditions!.find(c => c.type === 'ComparisonError')!.message).toMatch(/broken\.yaml/);
    expect(broken.status!.sync!.status).toBe('Unknown');
    const liveAfter = get('apps/v1', 'Deployment', 'broken-render', 'stable')!;
    expect(liveAfter.metadata.generation).toBe(liveBefore.metadata.generation);
    expect(liveAfter.spec.replicas).toBe(2);
    expect(broken.status!.operationState!.startedAt).toBe(before.status!.operationState!.startedAt);
  });

  it('rolls back to a previous revision, and refuses while auto-sync is on', async () => {
    const repo = newRepo();
    const v1 = repo.commit({ 'app/deployment.json': deploymentYaml('rb', { image: 'example/rb:1' }) });
    await applyApp(sim, application('rollback', { repoURL: repo.url, path: 'app', namespace: 'rollback', syncPolicy: { syncOptions: ['CreateNamespace=true'] } }));
    await waitFor('OutOfSync before any sync', () => app('rollback')?.status?.sync?.status === 'OutOfSync');
    await backend.server.post('/api/gitops/applications/rollback/sync').set('authorization', userAuth()).send({}).expect(202);
    await synced('rollback', v1);

    const v2 = repo.commit({ 'app/deployment.json': deploymentYaml('rb', { image: 'example/rb:2' }) });
    await backend.server.post('/api/gitops/applications/rollback/sync').set('authorization', userAuth()).send({ revision: 'main' }).expect(202);
    await synced('rollback', v2);
    expect(get('apps/v1', 'Deployment', 'rollback', 'rb')!.spec.template.spec.containers[0].image).toBe('example/rb:2');
    const history = (await backend.server.get('/api/gitops/applications/rollback/history').set('authorization', userAuth())).body.items;
    expect(history.map((h: { revision: string }) => h.revision)).toEqual([v1, v2]);

    await backend.server.post('/api/gitops/applications/rollback/rollback').set('authorization', userAuth()).send({ id: history[0].id }).expect(202);
    await waitFor('the rollback to finish', () => {
      const a = app('rollback');
      return a?.status?.operationState?.phase === 'Succeeded' && a.status.history!.length === 3 ? a : undefined;
    });
    expect(get('apps/v1', 'Deployment', 'rollback', 'rb')!.spec.template.spec.containers[0].image).toBe('example/rb:1');
    // Git still says v2: the app is OutOfSync after a rollback, as in Argo CD.
    await waitFor('OutOfSync after the rollback', () => app('rollback')?.status?.sync?.status === 'OutOfSync');

    await applyApp(sim, application('rollback-auto', { repoURL: repo.url, path: 'app', namespace: 'rollback-auto', syncPolicy: automated }));
    await synced('rollback-auto');
    const refused = await backend.server.post('/api/gitops/applications/rollback-auto/rollback').set('authorization', userAuth()).send({ id: 0 });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('rollback cannot be initiated when auto-sync is enabled');
  });

  it('completes an operation interrupted by a restart of the engine', async () => {
    const repo = newRepo();
    repo.commit({
      'app/slow.json': deploymentYaml('slow', { wave: 0, podAnnotations: { 'sim.gitops-suite.io/ready-delay': '2s' } }),
      'app/after.json': deploymentYaml('after', { wave: 1 }),
    });
    await applyApp(sim, application('restart', { repoURL: repo.url, path: 'app', namespace: 'restart', syncPolicy: { syncOptions: ['CreateNamespace=true'] } }));
    await waitFor('OutOfSync', () => app('restart')?.status?.sync?.status === 'OutOfSync');
    await backend.server.post('/api/gitops/applications/restart/sync').set('authorization', userAuth()).send({}).expect(202);
    await waitFor('wave 0 to be applied', () => get('apps/v1', 'Deployment', 'restart', 'slow'));
    expect(app('restart')!.status!.operationState!.phase).toBe('Running');
    expect(get('apps/v1', 'Deployment', 'restart', 'after')).toBeUndefined();

    await backend.stop();
    backend = await start();

    const done = await waitFor('the operation to finish after the restart', () => {
      const state = app('restart')?.status?.operationState;
      return state && state.phase !== 'Running' ? state : undefined;
    });
    expect(done.phase).toBe('Succeeded');
    expect(get('apps/v1', 'Deployment', 'restart', 'after')).toBeDefined();
    await synced('restart');
  });

  it('answers the REST API: lists, details, tree, masked diff, terminate, errors, audit', async () => {
    const repo = newRepo();
    repo.commit({
      'app/deployment.json': deploymentYaml('rest-api', { replicas: 2 }),
      'app/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: hunter2-in-git\n',
    });
    await applyApp(sim, {
      ...application('rest', { repoURL: repo.url, path: 'app', namespace: 'rest', syncPolicy: { syncOptions: ['CreateNamespace=true'] } }),
      metadata: { name: 'rest', namespace: 'argocd', labels: { team: 'payments' } },
    } as KubeObject);
    await waitFor('OutOfSync', () => app('rest')?.status?.sync?.status === 'OutOfSync');
    const auth = userAuth();

    const list = await backend.server.get('/api/gitops/applications?selector=team%3Dpayments').set('authorization', auth);
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { name: string }) => i.name)).toEqual(['rest']);
    const page = await backend.server.get('/api/gitops/applications?limit=2').set('authorization', auth);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.totalCount).toBeGreaterThan(2);
    const next = await backend.server.get(`/api/gitops/applications?limit=2&cursor=${page.body.nextCursor}`).set('authorization', auth);
    expect(next.body.items[0].name > page.body.items[1].name).toBe(true);

    const diff = await backend.server.get('/api/gitops/applications/rest/diff').set('authorization', auth);
    expect(diff.status).toBe(200);
    const secretDiff = diff.body.resources.find((r: { kind: string }) => r.kind === 'Secret');
    expect(secretDiff.status).toBe('OutOfSync');
    expect(JSON.stringify(diff.body)).not.toContain('hunter2');
    expect(JSON.stringify(diff.body)).not.toContain(Buffer.from('hunter2-in-git').toString('base64'));

    await backend.server.post('/api/gitops/applications/rest/sync').set('authorization', auth).send({ prune: true }).expect(202);
    await synced('rest');
    const secretAfter = await backend.server.get('/api/gitops/applications/rest').set('authorization', auth);
    expect(JSON.stringify(secretAfter.body)).not.toContain('hunter2');

    const tree = await backend.server.get('/api/gitops/applications/rest/resources').set('authorization', auth);
    const kinds = tree.body.nodes.map((n: { kind: string }) => n.kind);
    expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'ReplicaSet', 'Pod', 'Secret']));
    const rs = tree.body.nodes.find((n: { kind: string }) => n.kind === 'ReplicaSet');
    expect(rs.parentRefs).toEqual(['apps/Deployment/rest/rest-api']);

    const terminate = await backend.server.post('/api/gitops/applications/rest/terminate').set('authorization', auth).send();
    expect(terminate.status).toBe(409);
    expect(terminate.body.error.message).toBe('Unable to terminate operation. No operation is in progress');

    const malformed = await backend.server
      .post('/api/gitops/applications/rest/sync')
      .set('authorization', auth)
      .set('content-type', 'application/json')
      .send('{"prune": tru');
    expect(malformed.status).toBe(400);
    const invalid = await backend.server.post('/api/gitops/applications/rest/sync').set('authorization', auth).send({ prune: 'yes' });
    expect(invalid.status).toBe(400);
    expect(app('rest')!.operation).toBeUndefined();

    expect((await backend.server.get('/api/gitops/applications/nope').set('authorization', auth)).status).toBe(404);
    expect((await backend.server.post('/api/gitops/applications/rest/sync').send({})).status).toBe(401);
    const badWebhook = await backend.server
      .post('/api/gitops/webhook')
      .set('x-github-event', 'push')
      .set('x-hub-signature-256', 'sha256=0000')
      .send({ ref: 'refs/heads/main' });
    expect(badWebhook.status).toBe(401);

    const audit = await backend.server.get('/api/gitops/audit?target=application%3Aargocd%2Frest').set('authorization', auth);
    expect(audit.status).toBe(200);
    expect(audit.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ actor: 'user:default/alice', action: 'application.sync', result: 'succeeded' })]),
    );
  });
});
