/**
 * Renderer tests on real repositories (built in temp dirs, checked out through the git
 * cache) with the real `kubectl kustomize`.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type {
  ApplicationSource,
  KubeObject,
} from '@gitops-suite/plugin-gitops-common';
import { GitRepositoryCache } from '../git/GitRepositoryCache';
import { removeTree } from '../git/fsTree';
import {
  TestRepo,
  makeTempDir,
  FixtureFile,
} from '../git/__testUtils__/gitFixtures';
import { ManifestRenderer, RenderRequest } from './ManifestRenderer';
import { RenderError } from './errors';
import { DIRECTORY_APP, KUSTOMIZE_APP } from './__testUtils__/manifestFixtures';

jest.setTimeout(60_000);

const silent = { info() {}, warn() {}, error() {}, debug() {} };

function names(objects: readonly KubeObject[]): string[] {
  return objects.map(o => `${o.kind}/${o.metadata.name}`);
}

function find(
  objects: readonly KubeObject[],
  kind: string,
  name: string,
): KubeObject {
  const o = objects.find(x => x.kind === kind && x.metadata.name === name);
  if (!o)
    throw new Error(
      `${kind}/${name} not rendered; got ${names(objects).join(', ')}`,
    );
  return o;
}

/** A fingerprint of a tree: paths, contents and symlink targets. */
async function treeHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (d: string) => {
    const entries = await fs.readdir(d, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = path.join(d, e.name);
      h.update(path.relative(dir, p));
      if (e.isSymbolicLink()) h.update(`-> ${await fs.readlink(p)}`);
      else if (e.isDirectory()) await walk(p);
      else h.update(await fs.readFile(p));
    }
  };
  await walk(dir);
  return h.digest('hex');
}

async function renderError(p: Promise<unknown>): Promise<RenderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RenderError);
  return err as RenderError;
}

describe('ManifestRenderer', () => {
  let root: string;
  let outside: string;
  let tmpDir: string;
  let repo: TestRepo;
  let git: GitRepositoryCache;
  let renderer: ManifestRenderer;
  let main: string;

  const request = async (
    sha: string,
    source: Partial<ApplicationSource>,
    extra: Partial<RenderRequest> = {},
  ): Promise<RenderRequest> => {
    const { dir } = await git.checkout(repo.url, sha);
    return {
      repoDir: dir,
      commitSha: sha,
      source: { repoURL: repo.url, ...source },
      appName: 'guestbook',
      destinationNamespace: 'demo',
      ...extra,
    };
  };
  const render = async (
    sha: string,
    source: Partial<ApplicationSource>,
    extra: Partial<RenderRequest> = {},
  ) => renderer.render(await request(sha, source, extra));

  /** Commits `files` on a fresh branch off main, so bad content stays out of main. */
  const commitOnBranch = async (
    branch: string,
    files: Record<string, FixtureFile | null>,
  ) => {
    await repo.switchTo('main');
    await repo.switchToNewBranch(branch);
    const sha = await repo.commitAndPush(files, branch);
    await repo.switchTo('main');
    return sha;
  };

  beforeAll(async () => {
    root = await makeTempDir('gitops-render-test-');
    outside = path.join(root, 'outside');
    tmpDir = path.join(root, 'tmp');
    await fs.mkdir(tmpDir);
    await fs.mkdir(outside);
    await fs.writeFile(
      path.join(outside, 'secret.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: TOP-SECRET-OUTSIDE\n',
    );
    await fs.writeFile(
      path.join(outside, 'kustomization.yaml'),
      'resources:\n  - secret.yaml\n',
    );
    repo = await TestRepo.create(root, 'gitops');
    main = await repo.commitAndPush(
      {
        ...KUSTOMIZE_APP,
        ...DIRECTORY_APP,
        'apps/broken/kustomization.yaml': 'resources:\n  - ../missing-base\n',
        'bad-yaml/ok.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n',
        'bad-yaml/broken.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [broken\ndata: {}\n',
        'bad-doc/scalar.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n---\njust a string\n',
        'bad-kind/nokind.yaml': 'apiVersion: v1\nmetadata:\n  name: x\n',
        'bad-json/broken.json':
          '{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n}\n',
        'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
        'charts/web/templates/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n',
        'both/kustomization.yaml': 'resources:\n  - cm.yaml\n',
        'both/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: both\n',
        'linked/inside.yaml': { symlink: '../plain/config.yaml' },
      },
      'initial layout',
    );
    git = new GitRepositoryCache({
      cacheDir: path.join(root, 'cache'),
      logger: silent,
    });
  });

  beforeEach(() => {
    renderer = new ManifestRenderer({
      logger: silent,
      cache: { maxEntries: 50 },
      timeoutMs: 30_000,
      tmpDir,
    });
  });

  afterAll(async () => {
    await removeTree(root);
  });

  describe('directory sources', () => {
    it('reads YAML, multi-document YAML, JSON and lists, top level only by default', async () => {
      const result = await render(main, { path: 'plain' });
      expect(result.sourceType).toBe('Directory');
      expect(names(result.objects)).toEqual([
        'Namespace/demo',
        'ConfigMap/first',
        'ConfigMap/second',
        'Secret/from-json',
        'ServiceAccount/list-a',
        'ServiceAccount/list-b',
        'ConfigMap/yaml-list-item',
        'ConfigMap/config',
      ]);
      // YAML 1.1 scalars as Kubernetes reads them; timestamps stay strings.
      expect(find(result.objects, 'ConfigMap', 'first').data).toEqual({
        enabled: true,
        when: '2024-01-01',
      });
      expect(result.warnings).toEqual([]);
    });

    it('recurses into sub directories when asked', async () => {
      const result = await render(main, {
        path: 'plain',
        directory: { recurse: true },
      });
      expect(names(result.objects).slice(-3)).toEqual([
        'ConfigMap/use2',
        'ConfigMap/use2-deeper',
        'ConfigMap/nested',
      ]);
      expect(result.objects).toHaveLength(11);
    });

    it('filters with include and exclude globs, brace lists included', async () => {
      const included = await render(main, {
        path: 'plain',
        directory: { recurse: true, include: '{config.yaml,env-use2/*}' },
      });
      expect(names(included.objects)).toEqual([
        'ConfigMap/config',
        'ConfigMap/use2',
        'ConfigMap/use2-deeper',
      ]);
      const excluded = await render(main, {
        path: 'plain',
        directory: { recurse: true, exclude: '{sub/*,*.json}' },
      });
      expect(names(excluded.objects)).toEqual([
        'Namespace/demo',
        'ConfigMap/first',
        'ConfigMap/second',
        'ConfigMap/yaml-list-item',
        'ConfigMap/config',
        'ConfigMap/use2',
        'ConfigMap/use2-deeper',
      ]);
    });

    it('follows symlinks that stay inside the repository', async () => {
      const result = await render(main, { path: 'linked' });
      expect(names(result.objects)).toEqual(['ConfigMap/config']);
    });

    it('names file and line of malformed YAML and JSON', async () => {
      const yamlErr = await renderError(render(main, { path: 'bad-yaml' }));
      expect(yamlErr.message).toMatch(
        /^failed to parse bad-yaml\/broken\.yaml: line \d+, column \d+: \S/,
      );
      expect(yamlErr.message).not.toContain('\n');
      const jsonErr = await renderError(render(main, { path: 'bad-json' }));
      expect(jsonErr.message).toMatch(
        /^failed to parse bad-json\/broken\.json: line 4, column 1: /,
      );
    });

    it('rejects documents that are not Kubernetes objects, naming file and document', async () => {
      const scalar = await renderError(render(main, { path: 'bad-doc' }));
      expect(scalar.message).toBe(
        'bad-doc/scalar.yaml: document 2 is a string, not a Kubernetes object',
      );
      const noKind = await renderError(render(main, { path: 'bad-kind' }));
      expect(noKind.message).toBe(
        'bad-kind/nokind.yaml: document 1 has no "kind": not a Kubernetes object',
      );
    });

    it('lets an explicit directory block win over a kustomization', async () => {
      const result = await render(main, {
        path: 'both',
        directory: { include: 'cm.yaml' },
      });
      expect(result.sourceType).toBe('Directory');
      expect(names(result.objects)).toEqual(['ConfigMap/both']);
      const detected = await render(main, { path: 'both' });
      expect(detected.sourceType).toBe('Kustomize');
    });
  });

  describe('kustomize sources', () => {
    it('builds base and overlays with kubectl kustomize', async () => {
      const staging = await render(main, {
        path: 'apps/guestbook/overlays/staging',
      });
      expect(staging.sourceType).toBe('Kustomize');
      expect(names(staging.objects).sort()).toEqual([
        'Deployment/guestbook',
        'Service/guestbook',
      ]);
      const deploy = find(staging.objects, 'Deployment', 'guestbook');
      expect(deploy.spec.replicas).toBe(2);
      expect(deploy.spec.template.spec.containers[0].image).toBe(
        'ghcr.io/acme/guestbook:1.1.0-rc.1',
      );

      const production = await render(main, {
        path: 'apps/guestbook/overlays/production',
      });
      const prodDeploy = find(production.objects, 'Deployment', 'guestbook');
      expect(prodDeploy.spec.replicas).toBe(5);
      expect(prodDeploy.metadata.labels).toEqual({ env: 'production' });
      expect(prodDeploy.spec.template.spec.containers[0].image).toBe(
        'ghcr.io/acme/guestbook:1.0.0',
      );
      // kustomize's deprecation notice for commonLabels reaches the caller as a warning.
      expect(production.warnings.join('\n')).toMatch(/commonLabels/);
    });

    it('applies Application kustomize options in a copy, leaving the checkout untouched', async () => {
      const { dir } = await git.checkout(repo.url, main);
      const before = await treeHash(dir);
      const result = await render(main, {
        path: 'apps/guestbook/overlays/staging',
        kustomize: {
          images: [
            'ghcr.io/acme/guestbook=registry.example.com/guestbook:2.0.0',
          ],
          namePrefix: 'team-',
          nameSuffix: '-v2',
          commonLabels: { team: 'payments' },
          commonAnnotations: { 'example.com/owner': 'payments' },
          namespace: 'guestbook-staging',
        },
      });
      expect(names(result.objects).sort()).toEqual([
        'Deployment/team-guestbook-v2',
        'Service/team-guestbook-v2',
      ]);
      const deploy = find(result.objects, 'Deployment', 'team-guestbook-v2');
      expect(deploy.metadata.namespace).toBe('guestbook-staging');
      expect(deploy.metadata.labels).toEqual({ team: 'payments' });
      expect(deploy.metadata.annotations).toEqual({
        'example.com/owner': 'payments',
      });
      expect(deploy.spec.selector.matchLabels).toEqual({
        app: 'guestbook',
        team: 'payments',
      });
      expect(deploy.spec.replicas).toBe(2);
      expect(deploy.spec.template.spec.containers[0].image).toBe(
        'registry.example.com/guestbook:2.0.0',
      );

      expect(await treeHash(dir)).toBe(before);
      await expect(fs.readdir(tmpDir)).resolves.toEqual([]);
    });

    it('overrides tags and digests of images the overlay already sets', async () => {
      const tagged = await render(main, {
        path: 'apps/guestbook/overlays/production',
        kustomize: { images: ['ghcr.io/acme/guestbook:1.0.1'] },
      });
      expect(
        find(tagged.objects, 'Deployment', 'guestbook').spec.template.spec
          .containers[0].image,
      ).toBe('ghcr.io/acme/guestbook:1.0.1');
      const digest = `sha256:${'a'.repeat(64)}`;
      const pinned = await render(main, {
        path: 'apps/guestbook/overlays/production',
        kustomize: { images: [`ghcr.io/acme/guestbook@${digest}`] },
      });
      expect(
        find(pinned.objects, 'Deployment', 'guestbook').spec.template.spec
          .containers[0].image,
      ).toBe(`ghcr.io/acme/guestbook@${digest}`);
    });

    it('refuses to change a label the kustomization sets unless forced', async () => {
      const err = await renderError(
        render(main, {
          path: 'apps/guestbook/overlays/production',
          kustomize: { commonLabels: { env: 'prod-eu' } },
        }),
      );
      expect(err.message).toBe(
        'kustomize.commonLabels: "env" is already set in apps/guestbook/overlays/production/kustomization.yaml; set kustomize.forceCommonLabels to override it',
      );
      const forced = await render(main, {
        path: 'apps/guestbook/overlays/production',
        kustomize: {
          commonLabels: { env: 'prod-eu' },
          forceCommonLabels: true,
        },
      });
      expect(
        find(forced.objects, 'Deployment', 'guestbook').metadata.labels,
      ).toEqual({ env: 'prod-eu' });
    });

    it('reports kustomize failures without host paths', async () => {
      const err = await renderError(render(main, { path: 'apps/broken' }));
      expect(err.message).toMatch(
        /^kustomize build apps\/broken failed: .*missing-base/,
      );
      expect(err.message).not.toContain(root);
    });
  });

  describe('repository confinement', () => {
    it('rejects paths leaving the repository', async () => {
      expect((await renderError(render(main, { path: '../x' }))).message).toBe(
        'path "../x" escapes the repository',
      );
      expect(
        (await renderError(render(main, { path: 'apps/../../x' }))).message,
      ).toBe('path "apps/../../x" escapes the repository');
      expect((await renderError(render(main, { path: '/etc' }))).message).toBe(
        'path "/etc" is absolute: it must be relative to the repository root',
      );
      expect((await renderError(render(main, { path: 'nope' }))).message).toBe(
        'app path "nope" does not exist in the repository',
      );
      // A path that only wanders through the tree is fine.
      const ok = await render(main, { path: 'apps/../plain' });
      expect(ok.objects.length).toBeGreaterThan(0);
    });

    it('rejects a directory source with a symlink to /etc/passwd', async () => {
      const sha = await commitOnBranch('leak', {
        'leak/ok.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n',
        'leak/passwd.yaml': { symlink: '/etc/passwd' },
      });
      const err = await renderError(render(sha, { path: 'leak' }));
      expect(err.message).toBe(
        'symlink leak/passwd.yaml points outside the repository',
      );
      expect(err.message).not.toMatch(/root:/);
      // Kustomize may read anywhere in the repository, so the same link blocks it too.
      const kerr = await renderError(
        render(sha, { path: 'apps/guestbook/overlays/staging' }),
      );
      expect(kerr.message).toBe(
        'symlink leak/passwd.yaml points outside the repository',
      );
    });

    it('rejects a symlinked overlay directory pointing outside', async () => {
      const sha = await commitOnBranch('evil-overlay', {
        'apps/guestbook/overlays/evil': { symlink: outside },
      });
      const err = await renderError(
        render(sha, { path: 'apps/guestbook/overlays/evil' }),
      );
      expect(err.message).toBe(
        'symlink apps/guestbook/overlays/evil points outside the repository',
      );
      expect(err.message).not.toContain('TOP-SECRET');
    });

    it('rejects a kustomize resource symlinked outside', async () => {
      const sha = await commitOnBranch('evil-file', {
        'apps/guestbook/overlays/prod/kustomization.yaml':
          'resources:\n  - ../../base\n  - secret.yaml\n',
        'apps/guestbook/overlays/prod/secret.yaml': {
          symlink: path.join(outside, 'secret.yaml'),
        },
      });
      const err = await renderError(
        render(sha, { path: 'apps/guestbook/overlays/prod' }),
      );
      expect(err.message).toBe(
        'symlink apps/guestbook/overlays/prod/secret.yaml points outside the repository',
      );
      expect(err.message).not.toContain('TOP-SECRET');
    });

    it('rejects kustomizations reaching directories outside the repository', async () => {
      const climb = `${'../'.repeat(30)}${outside.slice(1)}`;
      const sha = await commitOnBranch('evil-ref', {
        'apps/guestbook/overlays/climb/kustomization.yaml': `resources:\n  - ../../base\n  - ${climb}\n`,
      });
      const err = await renderError(
        render(sha, { path: 'apps/guestbook/overlays/climb' }),
      );
      expect(err.message).toBe(
        `apps/guestbook/overlays/climb/kustomization.yaml references "${climb}" outside the repository`,
      );
      // Options (which copy the tree) are checked the same way, before any copy.
      const withOptions = await renderError(
        render(sha, {
          path: 'apps/guestbook/overlays/climb',
          kustomize: { namePrefix: 'x-' },
        }),
      );
      expect(withOptions.message).toContain('outside the repository');
      await expect(fs.readdir(tmpDir)).resolves.toEqual([]);
    });
  });

  describe('helm sources', () => {
    it('explains that helm is not configured', async () => {
      const err = await renderError(render(main, { path: 'charts/web' }));
      expect(err.message).toBe(
        'Helm chart at charts/web cannot be rendered: no helm binary is configured (set gitops.render.helmCommand)',
      );
      const explicit = await renderError(
        render(main, { path: 'plain', helm: { releaseName: 'x' } }),
      );
      expect(explicit.message).toBe(
        'Helm chart at plain cannot be rendered: no helm binary is configured (set gitops.render.helmCommand)',
      );
    });

    it('rejects sources that set options for two tools', async () => {
      const err = await renderError(
        render(main, {
          path: 'plain',
          helm: { releaseName: 'x' },
          kustomize: { namePrefix: 'y' },
        }),
      );
      expect(err.message).toBe(
        'the source sets options for more than one tool (kustomize, helm): keep only one',
      );
    });
  });

  describe('cache', () => {
    it('renders an unchanged commit once and a new commit again', async () => {
      const req = await request(main, {
        path: 'apps/guestbook/overlays/staging',
      });
      const first = await renderer.render(req);
      const second = await renderer.render({ ...req });
      expect(second).toBe(first);
      expect(renderer.stats()).toEqual({
        hits: 1,
        misses: 1,
        renders: 1,
        failures: 0,
        entries: 1,
      });

      // Results are shared, so they are frozen.
      expect(Object.isFrozen(first.objects[0].metadata)).toBe(true);
      expect(() => {
        (first.objects[0].metadata as { name?: string }).name = 'changed';
      }).toThrow(TypeError);

      // Concurrent requests for the same key share one render.
      const next = await repo.commitAndPush({
        'apps/guestbook/overlays/staging/replicas.yaml': (
          KUSTOMIZE_APP[
            'apps/guestbook/overlays/staging/replicas.yaml'
          ] as string
        ).replace('replicas: 2', 'replicas: 3'),
      });
      const nextReq = await request(next, {
        path: 'apps/guestbook/overlays/staging',
      });
      const [a, b] = await Promise.all([
        renderer.render(nextReq),
        renderer.render(nextReq),
      ]);
      expect(a).toBe(b);
      expect(find(a.objects, 'Deployment', 'guestbook').spec.replicas).toBe(3);
      expect(renderer.stats()).toEqual({
        hits: 2,
        misses: 2,
        renders: 2,
        failures: 0,
        entries: 2,
      });

      // Different options, namespace or app name are different entries.
      await renderer.render({
        ...req,
        source: { ...req.source, kustomize: { namePrefix: 'p-' } },
      });
      await renderer.render({ ...req, destinationNamespace: 'other' });
      expect(renderer.stats()).toMatchObject({
        misses: 4,
        renders: 4,
        entries: 4,
      });
    });

    it('does not cache failures', async () => {
      await renderError(render(main, { path: 'bad-doc' }));
      await renderError(render(main, { path: 'bad-doc' }));
      expect(renderer.stats()).toEqual({
        hits: 0,
        misses: 2,
        renders: 2,
        failures: 2,
        entries: 0,
      });
    });
  });
});
