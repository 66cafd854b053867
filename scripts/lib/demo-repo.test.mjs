/**
 * Tests of the demo's GitOps repository seeding (scripts/lib/demo-repo.mjs) with real git,
 * the real `kubectl kustomize` and a real HTTP server standing in for the engine's webhook.
 * Run: node --test scripts/lib/demo-repo.test.mjs
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { seedDemoRepo, TEMPLATE_DIR } from './demo-repo.mjs';

const execFileAsync = promisify(execFile);

// Like the CI machine: no global or system git configuration (no identity, no defaults).
const sandbox = mkdtempSync(join(tmpdir(), 'demo-repo-test-'));
const emptyGitConfig = join(sandbox, 'empty-gitconfig');
writeFileSync(emptyGitConfig, '');
process.env.GIT_CONFIG_GLOBAL = emptyGitConfig;
process.env.GIT_CONFIG_NOSYSTEM = '1';
after(() => rmSync(sandbox, { recursive: true, force: true }));

function git(args, cwd) {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  assert.equal(result.status, 0, `git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

/** Pushes asynchronously: the webhook server runs in this process and must keep answering. */
async function push(cwd) {
  const { stderr } = await execFileAsync('git', ['push', 'origin', 'main'], {
    cwd,
    encoding: 'utf8',
  });
  return stderr;
}

function readYamlDocs(text) {
  return parseAllDocuments(text).map(doc => {
    assert.equal(doc.errors.length, 0, String(doc.errors[0]));
    return doc.toJS();
  });
}

function kustomize(dir) {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  assert.equal(result.status, 0, `kubectl kustomize ${dir}: ${result.stderr}`);
  return readYamlDocs(result.stdout);
}

function find(objects, kind, name) {
  const found = objects.find(o => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind}/${name} is rendered`);
  return found;
}

function listFiles(dir, prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory()
      ? entry.name === '.git'
        ? []
        : listFiles(join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

/** A local stand-in for the engine's webhook endpoint, recording every request. */
async function startWebhookServer() {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', chunk => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      res.writeHead(202, { 'Content-Type': 'application/json' });
      res.end('{"received":true}');
    });
  });
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/api/gitops/webhook`;
  const close = () => new Promise(resolve => server.close(resolve));
  return { requests, url, close };
}

describe('seedDemoRepo', () => {
  const stateDir = join(sandbox, 'state');
  let seeded;
  let checkout;

  before(async () => {
    // The first run points the hook at a port nobody listens on; later runs replace it.
    seeded = await seedDemoRepo({
      stateDir,
      webhookUrl: 'http://127.0.0.1:1/api/gitops/webhook',
      webhookSecret: 'first-run-secret',
    });
    checkout = join(sandbox, 'checkout');
    git(['clone', '--quiet', seeded.repoURL, checkout]);
  });

  test('creates a bare repository with one commit on main holding the template', () => {
    const { bareDir, repoURL, workDir } = seeded;
    assert.equal(bareDir, join(stateDir, 'repos', 'gitops.git'));
    assert.equal(repoURL, `file://${bareDir}`);
    assert.equal(workDir, join(stateDir, 'gitops'));
    assert.equal(
      git(['--git-dir', bareDir, 'rev-parse', '--is-bare-repository']),
      'true',
    );
    assert.equal(
      git(['--git-dir', bareDir, 'symbolic-ref', 'HEAD']),
      'refs/heads/main',
    );
    assert.equal(
      git(['--git-dir', bareDir, 'rev-list', '--count', 'main']),
      '1',
    );
    assert.equal(
      git([
        '--git-dir',
        bareDir,
        'log',
        '-1',
        '--format=%an <%ae>|%cn <%ce>|%s',
        'main',
      ]),
      'Demo bot <demo@gitops-suite.local>|Demo bot <demo@gitops-suite.local>|Initial demo GitOps repository',
    );

    const files = git([
      '--git-dir',
      bareDir,
      'ls-tree',
      '-r',
      '--name-only',
      'main',
    ])
      .split('\n')
      .sort();
    assert.deepEqual(files, listFiles(TEMPLATE_DIR).sort());
    for (const expected of [
      'README.md',
      'argocd/root.yaml',
      'argocd/apps/project-shop.yaml',
      'argocd/apps/order-service-staging.yaml',
      'argocd/apps/order-service-production.yaml',
      'argocd/apps/payment-service-staging.yaml',
      'argocd/apps/payment-service-production.yaml',
      'apps/order-service/base/migration-job.yaml',
      'apps/order-service/overlays/staging/kustomization.yaml',
      'apps/payment-service/overlays/production/kustomization.yaml',
    ]) {
      assert.ok(files.includes(expected), `${expected} is in the repository`);
    }
  });

  test('replaces __REPO_URL__ everywhere with the repository URL', () => {
    let mentions = 0;
    for (const file of listFiles(checkout)) {
      const text = readFileSync(join(checkout, file), 'utf8');
      assert.ok(
        !text.includes('__REPO_URL__'),
        `${file} still has the placeholder`,
      );
      mentions += text.split(seeded.repoURL).length - 1;
    }
    // root, project, four Applications, and the README.
    assert.ok(mentions >= 7, `the repository URL appears ${mentions} times`);
  });

  test('the root Application manages argocd/apps and is written for kubectl apply', () => {
    const [root] = readYamlDocs(
      readFileSync(seeded.rootApplicationPath, 'utf8'),
    );
    assert.equal(root.kind, 'Application');
    assert.equal(root.metadata.name, 'root');
    assert.equal(root.metadata.namespace, 'argocd');
    assert.deepEqual(root.spec.source, {
      repoURL: seeded.repoURL,
      targetRevision: 'main',
      path: 'argocd/apps',
    });
    assert.deepEqual(root.spec.syncPolicy.automated, {
      prune: true,
      selfHeal: true,
    });
    assert.ok(!existsSync(join(checkout, 'argocd/apps/root.yaml')));
    assert.equal(
      readFileSync(seeded.rootApplicationPath, 'utf8'),
      readFileSync(join(checkout, 'argocd/root.yaml'), 'utf8'),
    );
  });

  test('the Applications and the AppProject point at overlays that exist', () => {
    const appsDir = join(checkout, 'argocd/apps');
    const objects = readdirSync(appsDir).flatMap(file =>
      readYamlDocs(readFileSync(join(appsDir, file), 'utf8')),
    );

    const project = find(objects, 'AppProject', 'shop');
    assert.equal(project.metadata.namespace, 'argocd');
    assert.deepEqual(project.spec.sourceRepos, [seeded.repoURL]);
    assert.deepEqual(
      project.spec.destinations.map(d => `${d.server} ${d.namespace}`).sort(),
      [
        'https://kubernetes.default.svc shop-production',
        'https://kubernetes.default.svc shop-staging',
      ],
    );
    assert.deepEqual(project.spec.clusterResourceWhitelist, [
      { group: '', kind: 'Namespace' },
    ]);

    const apps = objects.filter(o => o.kind === 'Application');
    assert.deepEqual(apps.map(a => a.metadata.name).sort(), [
      'order-service-production',
      'order-service-staging',
      'payment-service-production',
      'payment-service-staging',
    ]);
    for (const app of apps) {
      const [, svc, env] =
        /^(order-service|payment-service)-(staging|production)$/.exec(
          app.metadata.name,
        );
      assert.equal(app.metadata.namespace, 'argocd');
      // The catalog finds payment-service's Applications by this label.
      assert.deepEqual(app.metadata.labels, {
        'app.kubernetes.io/part-of': svc,
        environment: env,
      });
      assert.equal(app.spec.project, 'shop');
      assert.deepEqual(app.spec.source, {
        repoURL: seeded.repoURL,
        targetRevision: 'main',
        path: `apps/${svc}/overlays/${env}`,
      });
      assert.ok(
        existsSync(join(checkout, app.spec.source.path, 'kustomization.yaml')),
      );
      assert.deepEqual(app.spec.destination, {
        server: 'https://kubernetes.default.svc',
        namespace: `shop-${env}`,
      });
      assert.deepEqual(app.spec.syncPolicy, {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['CreateNamespace=true'],
        retry: {
          limit: 5,
          backoff: { duration: '5s', factor: 2, maxDuration: '3m' },
        },
      });
    }
  });

  for (const [env, replicas] of [
    ['staging', 2],
    ['production', 3],
  ]) {
    test(`order-service's ${env} overlay renders the migration hook, waves and ${replicas} replicas`, () => {
      const objects = kustomize(
        join(checkout, 'apps/order-service/overlays', env),
      );
      assert.deepEqual(
        objects.map(o => `${o.kind}/${o.metadata.name}`).sort(),
        [
          'ConfigMap/order-service-config',
          'Deployment/order-service',
          'Job/order-service-migrate',
          'Service/order-service',
        ],
      );
      for (const o of objects) {
        assert.equal(
          o.metadata.namespace,
          `shop-${env}`,
          `${o.kind} namespace`,
        );
        assert.equal(o.metadata.labels.environment, env);
        assert.equal(
          o.metadata.labels['app.kubernetes.io/part-of'],
          'order-service',
        );
      }
      const deployment = find(objects, 'Deployment', 'order-service');
      assert.equal(deployment.spec.replicas, replicas);
      assert.equal(
        deployment.spec.template.spec.containers[0].image,
        'ghcr.io/example/order-service:1.0.0',
      );
      assert.equal(deployment.spec.template.metadata.labels.environment, env);
      assert.ok(
        deployment.spec.template.spec.containers[0].resources.limits.memory,
      );

      assert.equal(
        find(objects, 'ConfigMap', 'order-service-config').metadata.annotations[
          'argocd.argoproj.io/sync-wave'
        ],
        '-1',
      );

      const job = find(objects, 'Job', 'order-service-migrate');
      assert.equal(
        job.metadata.annotations['argocd.argoproj.io/hook'],
        'PreSync',
      );
      assert.equal(
        job.metadata.annotations['argocd.argoproj.io/hook-delete-policy'],
        'HookSucceeded',
      );
      assert.equal(
        job.spec.template.metadata.annotations[
          'sim.gitops-suite.io/run-duration'
        ],
        '2s',
      );
      assert.equal(job.spec.template.spec.restartPolicy, 'Never');
      // The migration runs the version being deployed.
      assert.equal(
        job.spec.template.spec.containers[0].image,
        'ghcr.io/example/order-service:1.0.0',
      );
    });

    test(`payment-service's ${env} overlay renders the API in wave 0 and the worker in wave 1`, () => {
      const objects = kustomize(
        join(checkout, 'apps/payment-service/overlays', env),
      );
      assert.deepEqual(
        objects.map(o => `${o.kind}/${o.metadata.name}`).sort(),
        [
          'ConfigMap/payment-service-config',
          'Deployment/payment-service',
          'Deployment/payment-worker',
          'Service/payment-service',
        ],
      );
      for (const o of objects) {
        assert.equal(o.metadata.namespace, `shop-${env}`);
        assert.equal(o.metadata.labels.environment, env);
        assert.equal(
          o.metadata.labels['app.kubernetes.io/part-of'],
          'payment-service',
        );
      }
      const api = find(objects, 'Deployment', 'payment-service');
      const worker = find(objects, 'Deployment', 'payment-worker');
      assert.equal(api.spec.replicas, replicas);
      assert.equal(worker.spec.replicas, 1);
      assert.equal(
        api.metadata.annotations['argocd.argoproj.io/sync-wave'],
        '0',
      );
      assert.equal(
        worker.metadata.annotations['argocd.argoproj.io/sync-wave'],
        '1',
      );
      for (const d of [api, worker]) {
        assert.equal(
          d.spec.template.spec.containers[0].image,
          'ghcr.io/example/payment-service:1.0.0',
        );
      }
      assert.equal(
        find(objects, 'ConfigMap', 'payment-service-config').metadata
          .annotations['argocd.argoproj.io/sync-wave'],
        '-1',
      );
      assert.ok(!objects.some(o => o.kind === 'Job'));
    });
  }

  test('a push from the user clone notifies the webhook with a signed GitHub push event', async () => {
    const { workDir, repoURL, bareDir } = seeded;
    assert.equal(git(['remote', 'get-url', 'origin'], workDir), repoURL);
    writeFileSync(join(workDir, 'untracked-marker.txt'), 'kept across seeds');

    const server = await startWebhookServer();
    try {
      // A restart picks another port and secret: the hook must follow.
      const again = await seedDemoRepo({
        stateDir,
        webhookUrl: server.url,
        webhookSecret: 'second-run-secret',
      });
      assert.deepEqual(again, seeded);
      assert.equal(
        git(['--git-dir', bareDir, 'rev-list', '--count', 'main']),
        '1',
      );
      const hook = join(bareDir, 'hooks', 'post-receive');
      assert.equal(statSync(hook).mode & 0o777, 0o700);
      assert.ok(!readFileSync(hook, 'utf8').includes('first-run-secret'));

      const kustomization = join(
        workDir,
        'apps/order-service/overlays/staging/kustomization.yaml',
      );
      writeFileSync(
        kustomization,
        readFileSync(kustomization, 'utf8').replace(
          'newTag: 1.0.0',
          'newTag: 1.1.0',
        ),
      );
      git(
        ['commit', '--quiet', '-am', 'order-service: 1.1.0 in staging'],
        workDir,
      );
      const newSha = git(['rev-parse', 'HEAD'], workDir);
      const oldSha = git(['rev-parse', 'HEAD~1'], workDir);

      const output = await push(workDir);
      assert.match(
        output,
        /remote: gitops: notified the GitOps engine of refs\/heads\/main/,
      );
      assert.equal(git(['--git-dir', bareDir, 'rev-parse', 'main']), newSha);

      assert.equal(server.requests.length, 1);
      const [request] = server.requests;
      assert.equal(request.method, 'POST');
      assert.equal(request.url, '/api/gitops/webhook');
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['x-github-event'], 'push');
      assert.match(
        request.headers['x-github-delivery'],
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      const expected = `sha256=${createHmac('sha256', 'second-run-secret')
        .update(request.body)
        .digest('hex')}`;
      assert.equal(request.headers['x-hub-signature-256'], expected);

      const payload = JSON.parse(request.body.toString('utf8'));
      assert.equal(payload.ref, 'refs/heads/main');
      assert.equal(payload.before, oldSha);
      assert.equal(payload.after, newSha);
      assert.equal(payload.repository.clone_url, repoURL);
      assert.equal(payload.repository.html_url, repoURL);
      assert.equal(payload.repository.full_name, 'demo/gitops');
      assert.equal(payload.head_commit.id, newSha);
      assert.equal(
        payload.head_commit.message,
        'order-service: 1.1.0 in staging',
      );
      assert.ok(!Number.isNaN(Date.parse(payload.head_commit.timestamp)));
      assert.equal(typeof payload.pusher.name, 'string');
      assert.ok(payload.pusher.name.length > 0);
    } finally {
      await server.close();
    }

    // Another restart keeps the pushed commit and the user's clone as they are.
    const third = await seedDemoRepo({
      stateDir,
      webhookUrl: server.url,
      webhookSecret: 'third-run-secret',
    });
    assert.equal(
      git(['--git-dir', third.bareDir, 'rev-list', '--count', 'main']),
      '2',
    );
    assert.match(
      git([
        '--git-dir',
        third.bareDir,
        'show',
        'main:apps/order-service/overlays/staging/kustomization.yaml',
      ]),
      /newTag: 1\.1\.0/,
    );
    assert.equal(
      readFileSync(join(workDir, 'untracked-marker.txt'), 'utf8'),
      'kept across seeds',
    );

    // With the backend down (nothing listens on the port any more) the push still succeeds.
    const readme = join(workDir, 'README.md');
    writeFileSync(readme, `${readFileSync(readme, 'utf8')}\nA note.\n`);
    git(['commit', '--quiet', '-am', 'README: a note'], workDir);
    const output = await push(workDir);
    assert.match(
      output,
      /remote: gitops: the demo's backend is not running; the engine will pick the change up on its next poll/,
    );
    assert.equal(
      git(['--git-dir', third.bareDir, 'rev-parse', 'main']),
      git(['rev-parse', 'HEAD'], workDir),
    );
  });
});

describe('seedDemoRepo refuses bad input', () => {
  test('explains that git is missing', async () => {
    const savedPath = process.env.PATH;
    const emptyBin = join(sandbox, 'no-git-bin');
    mkdirSync(emptyBin, { recursive: true });
    process.env.PATH = emptyBin;
    try {
      await assert.rejects(
        seedDemoRepo({ stateDir: join(sandbox, 'no-git') }),
        /git was not found on PATH/,
      );
    } finally {
      process.env.PATH = savedPath;
    }
    assert.ok(!existsSync(join(sandbox, 'no-git')));
  });

  test('does not touch a directory in the way that is not a git repository', async () => {
    const stateDir = join(sandbox, 'foreign');
    const bareDir = join(stateDir, 'repos', 'gitops.git');
    mkdirSync(bareDir, { recursive: true });
    writeFileSync(join(bareDir, 'notes.txt'), 'mine');
    await assert.rejects(
      seedDemoRepo({ stateDir }),
      /exists but is not a bare git repository/,
    );
    assert.deepEqual(readdirSync(bareDir), ['notes.txt']);
    assert.ok(!existsSync(join(stateDir, 'gitops')));
  });

  test('requires a secret with a webhook URL', async () => {
    await assert.rejects(
      seedDemoRepo({
        stateDir: join(sandbox, 'no-secret'),
        webhookUrl: 'http://127.0.0.1:7007/api/gitops/webhook',
      }),
      /webhookSecret is required/,
    );
    assert.ok(!existsSync(join(sandbox, 'no-secret')));
  });
});
