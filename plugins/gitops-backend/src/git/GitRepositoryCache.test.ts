/**
 * Tests of the git cache against real repositories: bare "remotes" in temp dirs that a
 * work clone pushes branches, tags and commits to.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GitRepositoryCache, GitLogger } from './GitRepositoryCache';
import { GitError } from './errors';
import { removeTree } from './fsTree';
import { TestRepo, git, makeTempDir } from './__testUtils__/gitFixtures';

jest.setTimeout(30_000);

function recordingLogger(): GitLogger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string, meta?: unknown) => {
    lines.push(`${level} ${message} ${meta ? JSON.stringify(meta) : ''}`);
  };
  return {
    lines,
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    debug: log('debug'),
  };
}

function rejection(reason: GitError['reason'], message: RegExp | string) {
  return expect.objectContaining({
    name: 'GitError',
    reason,
    message:
      typeof message === 'string' ? message : expect.stringMatching(message),
  });
}

describe('GitRepositoryCache', () => {
  let root: string;
  let repo: TestRepo;
  let cache: GitRepositoryCache;
  let first: string;
  let second: string;

  beforeEach(async () => {
    root = await makeTempDir('gitops-git-test-');
    repo = await TestRepo.create(root, 'app');
    first = await repo.commitAndPush(
      {
        'apps/web/deployment.yaml': 'kind: Deployment # v1\n',
        'apps/web/link.yaml': { symlink: 'deployment.yaml' },
      },
      'first commit',
    );
    await repo.tag('v1.0.0');
    await repo.tag('v1.0.0-annotated', { annotated: true });
    second = await repo.commitAndPush(
      { 'apps/web/deployment.yaml': 'kind: Deployment # v2\n' },
      'second commit\n\nwith a body',
    );
    cache = new GitRepositoryCache({
      cacheDir: path.join(root, 'cache'),
      logger: recordingLogger(),
    });
  });

  afterEach(async () => {
    // Trees are read-only; removeTree makes them writable first.
    await removeTree(root);
  });

  it('resolves branches, tags, SHAs and HEAD', async () => {
    await expect(cache.resolveRevision(repo.url, 'main')).resolves.toEqual({
      sha: second,
      ref: 'refs/heads/main',
      kind: 'branch',
    });
    await expect(cache.resolveRevision(repo.url, 'v1.0.0')).resolves.toEqual({
      sha: first,
      ref: 'refs/tags/v1.0.0',
      kind: 'tag',
    });
    // An annotated tag resolves to the commit, not to the tag object.
    const tagObject = await git(
      repo.bareDir,
      'rev-parse',
      'refs/tags/v1.0.0-annotated',
    );
    expect(tagObject).not.toBe(first);
    await expect(
      cache.resolveRevision(repo.url, 'v1.0.0-annotated'),
    ).resolves.toEqual({
      sha: first,
      ref: 'refs/tags/v1.0.0-annotated',
      kind: 'tag',
    });
    await expect(
      cache.resolveRevision(repo.url, 'refs/tags/v1.0.0'),
    ).resolves.toMatchObject({ sha: first });
    await expect(cache.resolveRevision(repo.url, first)).resolves.toEqual({
      sha: first,
      ref: first,
      kind: 'commit',
    });
    await expect(
      cache.resolveRevision(repo.url, first.slice(0, 8)),
    ).resolves.toEqual({
      sha: first,
      ref: first,
      kind: 'commit',
    });
    await expect(cache.resolveRevision(repo.url, 'HEAD')).resolves.toEqual({
      sha: second,
      ref: 'refs/heads/main',
      kind: 'branch',
    });
    await expect(cache.resolveRevision(repo.url, '')).resolves.toMatchObject({
      sha: second,
    });
    await expect(cache.resolveRevision(repo.url)).resolves.toMatchObject({
      sha: second,
    });
  });

  it('prefers a branch over a tag of the same name', async () => {
    await repo.switchToNewBranch('v1.0.0');
    const onBranch = await repo.commitAndPush({ 'x.yaml': 'branch\n' });
    await expect(cache.resolveRevision(repo.url, 'v1.0.0')).resolves.toEqual({
      sha: onBranch,
      ref: 'refs/heads/v1.0.0',
      kind: 'branch',
    });
  });

  it('follows the default branch for HEAD', async () => {
    await repo.switchToNewBranch('release');
    const release = await repo.commitAndPush({ 'release.txt': 'r1\n' });
    await expect(
      cache.resolveRevision(repo.url, 'HEAD'),
    ).resolves.toMatchObject({ sha: second });
    await repo.setDefaultBranch('release');
    await expect(cache.resolveRevision(repo.url, 'HEAD')).resolves.toEqual({
      sha: release,
      ref: 'refs/heads/release',
      kind: 'branch',
    });
  });

  it('sees new pushes: resolve is ls-remote, SHAs are fetched on demand', async () => {
    await cache.fetch(repo.url);
    await expect(
      cache.resolveRevision(repo.url, 'main'),
    ).resolves.toMatchObject({ sha: second });
    const third = await repo.commitAndPush({
      'apps/web/deployment.yaml': 'kind: Deployment # v3\n',
    });
    await expect(
      cache.resolveRevision(repo.url, 'main'),
    ).resolves.toMatchObject({ sha: third });
    // The clone does not have the new commit yet: a short SHA needs a fetch.
    const fetchedBefore = await git(
      cache.repoDir(repo.url),
      'rev-parse',
      'refs/heads/main',
    );
    expect(fetchedBefore).toBe(second);
    await expect(
      cache.resolveRevision(repo.url, third.slice(0, 10)),
    ).resolves.toMatchObject({ sha: third });
    await expect(
      git(cache.repoDir(repo.url), 'rev-parse', 'refs/heads/main'),
    ).resolves.toBe(third);
    // An explicit fetch also picks up moved branches and deleted tags.
    await git(repo.workDir, 'push', '--quiet', 'origin', ':refs/tags/v1.0.0');
    await cache.fetch(repo.url, { force: true });
    await expect(git(cache.repoDir(repo.url), 'tag', '--list')).resolves.toBe(
      'v1.0.0-annotated',
    );
  });

  it('checks out read-only trees per commit, keeping symlinks', async () => {
    const a = await cache.checkout(repo.url, first);
    const b = await cache.checkout(repo.url, second);
    expect(a.dir).toBe(path.join(root, 'cache', 'trees', first));
    await expect(
      fs.readFile(path.join(a.dir, 'apps/web/deployment.yaml'), 'utf8'),
    ).resolves.toBe('kind: Deployment # v1\n');
    await expect(
      fs.readFile(path.join(b.dir, 'apps/web/deployment.yaml'), 'utf8'),
    ).resolves.toBe('kind: Deployment # v2\n');
    const link = await fs.lstat(path.join(a.dir, 'apps/web/link.yaml'));
    expect(link.isSymbolicLink()).toBe(true);
    await expect(
      fs.readlink(path.join(a.dir, 'apps/web/link.yaml')),
    ).resolves.toBe('deployment.yaml');
    const mode =
      (await fs.stat(path.join(a.dir, 'apps/web/deployment.yaml'))).mode &
      0o777;
    expect(mode & 0o222).toBe(0);
    expect((await fs.stat(path.join(a.dir, 'apps'))).mode & 0o222).toBe(0);
    // No .git inside: the tree is content only.
    await expect(fs.access(path.join(a.dir, '.git'))).rejects.toThrow();
    // The same commit is served from the same tree, also to a new cache instance.
    await expect(cache.checkout(repo.url, first)).resolves.toEqual(a);
    const other = new GitRepositoryCache({
      cacheDir: path.join(root, 'cache'),
      logger: recordingLogger(),
    });
    await expect(other.checkout(repo.url, first)).resolves.toEqual(a);
  });

  it('evicts least recently used trees beyond maxCheckouts, never pinned ones', async () => {
    const third = await repo.commitAndPush({ 'c.txt': '3\n' });
    const small = new GitRepositoryCache({
      cacheDir: path.join(root, 'small'),
      logger: recordingLogger(),
      maxCheckouts: 2,
    });
    const exists = (sha: string) =>
      fs.access(path.join(root, 'small', 'trees', sha)).then(
        () => true,
        () => false,
      );
    await small.checkout(repo.url, first);
    await small.checkout(repo.url, second);
    await small.checkout(repo.url, first); // first is now the most recent
    await small.checkout(repo.url, third);
    expect(await exists(first)).toBe(true);
    expect(await exists(second)).toBe(false);
    expect(await exists(third)).toBe(true);

    await small.withCheckout(repo.url, first, async ({ dir }) => {
      await small.checkout(repo.url, second);
      await small.checkout(repo.url, third);
      // first was the least recently used but is pinned: second went instead.
      await expect(
        fs.readFile(path.join(dir, 'apps/web/deployment.yaml'), 'utf8'),
      ).resolves.toContain('v1');
      expect(await exists(second)).toBe(false);
    });
    // Unpinned, first is the least recently used again and goes next.
    await small.checkout(repo.url, second);
    expect(await exists(first)).toBe(false);
    expect(await exists(third)).toBe(true);
  });

  it('serves concurrent callers of the same repository consistently', async () => {
    const results = await Promise.all([
      cache.resolveRevision(repo.url, 'main'),
      cache.resolveRevision(repo.url, first.slice(0, 7)),
      cache.resolveRevision(repo.url, second.slice(0, 9)),
      cache.resolveRevision(repo.url, 'v1.0.0-annotated'),
      cache.resolveRevision(repo.url, first),
      cache.fetch(repo.url),
      cache.fetch(repo.url, { force: true }),
      cache.checkout(repo.url, first),
      cache.checkout(repo.url, first),
      cache.checkout(repo.url, second),
      cache.commitInfo(repo.url, second),
    ]);
    expect(results[0]).toMatchObject({ sha: second });
    expect(results[1]).toMatchObject({ sha: first });
    expect(results[2]).toMatchObject({ sha: second });
    expect(results[3]).toMatchObject({ sha: first });
    expect(results[4]).toMatchObject({ sha: first });
    expect(results[7]).toEqual(results[8]);
    expect(results[10]).toMatchObject({ sha: second });
    await expect(
      git(cache.repoDir(repo.url), 'fsck', '--no-progress'),
    ).resolves.toBeDefined();
    const trees = await fs.readdir(path.join(root, 'cache', 'trees'));
    expect(trees.sort()).toEqual([first, second].sort());
  });

  it('reports commit metadata', async () => {
    await expect(cache.commitInfo(repo.url, second)).resolves.toEqual({
      sha: second,
      author: 'Test Author',
      email: 'author@example.com',
      date: expect.stringMatching(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/,
      ),
      message: 'second commit\n\nwith a body',
    });
  });

  it('gives clear errors for unknown revisions and repositories', async () => {
    await expect(
      cache.resolveRevision(repo.url, 'no-such-branch'),
    ).rejects.toEqual(
      rejection(
        'RevisionNotFound',
        `revision "no-such-branch" not found in ${repo.url}`,
      ),
    );
    const missingSha = 'deadbeef'.repeat(5);
    await expect(cache.resolveRevision(repo.url, missingSha)).rejects.toEqual(
      rejection(
        'RevisionNotFound',
        `revision "${missingSha}" not found in ${repo.url}`,
      ),
    );
    await expect(cache.resolveRevision(repo.url, 'abcdef1')).rejects.toEqual(
      rejection(
        'RevisionNotFound',
        `revision "abcdef1" not found in ${repo.url}`,
      ),
    );
    await expect(cache.checkout(repo.url, missingSha)).rejects.toEqual(
      rejection('RevisionNotFound', /not found in/),
    );
    const missingRepo = `file://${root}/does-not-exist.git`;
    await expect(cache.resolveRevision(missingRepo, 'main')).rejects.toEqual(
      rejection(
        'RepositoryNotFound',
        new RegExp(
          `^repository file://${root}/does-not-exist.git not found or not accessible: .*does not appear to be a git repository`,
        ),
      ),
    );
    await expect(cache.checkout(missingRepo, first)).rejects.toEqual(
      rejection('RepositoryNotFound', /not found or not accessible/),
    );
  });

  it('refuses unsupported URLs and URLs carrying a password', async () => {
    await expect(
      cache.resolveRevision('ext::sh -c id', 'main'),
    ).rejects.toEqual(rejection('InvalidURL', /not valid|not supported/));
    await expect(
      cache.resolveRevision('/tmp/plain/path', 'main'),
    ).rejects.toEqual(rejection('InvalidURL', /not supported/));
    await expect(
      cache.resolveRevision('--upload-pack=touch', 'main'),
    ).rejects.toEqual(rejection('InvalidURL', /not valid/));
    const err = await cache
      .resolveRevision('https://bob:hunter2@example.com/org/repo.git', 'main')
      .catch(e => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.message).toContain('https://bob:***@example.com/org/repo.git');
    expect(err.message).not.toContain('hunter2');
  });

  it('shares one clone between spellings of the same URL', async () => {
    await cache.fetch(repo.url);
    await cache.fetch(`${repo.url}/`);
    const repos = await fs.readdir(path.join(root, 'cache', 'repos'));
    expect(repos).toHaveLength(1);
    expect(cache.repoDir(`${repo.url}/`)).toBe(cache.repoDir(repo.url));
  });
});
