/**
 * Credentials over http: a real git smart-HTTP server (git http-backend behind a node
 * server demanding Basic auth). Checks that access works with the configured credential
 * and that the password shows up in no error, log line or file in the cache.
 * ssh credentials cannot be exercised here (there is no sshd on the test machines);
 * credentials.test.ts checks the ssh environment the cache builds.
 */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { GitRepositoryCache, GitLogger } from './GitRepositoryCache';
import { GitError } from './errors';
import { removeTree } from './fsTree';
import { TestRepo, makeTempDir } from './__testUtils__/gitFixtures';
import {
  GitHttpServer,
  startGitHttpServer,
} from './__testUtils__/gitHttpServer';

jest.setTimeout(30_000);

const PASSWORD = 'pa55-Very-Secret-Word';

async function grepTree(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && (await fs.readFile(p)).includes(needle))
        hits.push(p);
    }
  };
  await walk(dir);
  return hits;
}

describe('GitRepositoryCache over authenticated http', () => {
  let root: string;
  let repo: TestRepo;
  let server: GitHttpServer;
  let repoURL: string;
  let sha: string;
  let logLines: string[];
  let logger: GitLogger;

  beforeAll(async () => {
    root = await makeTempDir('gitops-git-http-');
    repo = await TestRepo.create(root, 'private');
    sha = await repo.commitAndPush({
      'manifests/cm.yaml': 'kind: ConfigMap\n',
    });
    server = await startGitHttpServer({
      projectRoot: root,
      username: 'deployer',
      password: PASSWORD,
    });
    repoURL = `${server.baseURL}/private.git`;
  });

  beforeEach(() => {
    logLines = [];
    const log = (message: string, meta?: unknown) =>
      logLines.push(`${message} ${JSON.stringify(meta ?? {})}`);
    logger = { info: log, warn: log, error: log, debug: log };
  });

  afterAll(async () => {
    await server.close();
    await removeTree(root);
  });

  it('reads the repository with the configured credential', async () => {
    const cache = new GitRepositoryCache({
      cacheDir: path.join(root, 'cache-ok'),
      logger,
      credentials: [
        {
          url: 'https://elsewhere.example.com',
          username: 'x',
          password: 'other',
        },
        { url: server.baseURL, username: 'deployer', password: PASSWORD },
      ],
    });
    const servedBefore = server.served;
    await expect(cache.resolveRevision(repoURL, 'main')).resolves.toEqual({
      sha,
      ref: 'refs/heads/main',
      kind: 'branch',
    });
    const { dir } = await cache.checkout(repoURL, sha);
    await expect(
      fs.readFile(path.join(dir, 'manifests/cm.yaml'), 'utf8'),
    ).resolves.toBe('kind: ConfigMap\n');
    await expect(cache.commitInfo(repoURL, sha)).resolves.toMatchObject({
      sha,
    });
    expect(server.served).toBeGreaterThan(servedBefore);
    // Nothing on disk and nothing logged holds the password.
    expect(await grepTree(path.join(root, 'cache-ok'), PASSWORD)).toEqual([]);
    expect(logLines.join('\n')).not.toContain(PASSWORD);
  });

  it('fails clearly without credentials', async () => {
    const cache = new GitRepositoryCache({
      cacheDir: path.join(root, 'cache-none'),
      logger,
    });
    const rejectedBefore = server.rejected;
    const err = await cache.resolveRevision(repoURL, 'main').catch(e => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.reason).toBe('AuthenticationFailed');
    expect(err.message).toMatch(
      new RegExp(`^authentication to ${repoURL} failed: `),
    );
    expect(server.rejected).toBeGreaterThan(rejectedBefore);
  });

  it('never shows the password of a rejected credential', async () => {
    const wrong = `${PASSWORD}-but-wrong`;
    const cache = new GitRepositoryCache({
      cacheDir: path.join(root, 'cache-wrong'),
      logger,
      credentials: [
        {
          url: `${server.baseURL}/private`,
          username: 'deployer',
          password: wrong,
        },
      ],
    });
    for (const attempt of [
      () => cache.resolveRevision(repoURL, 'main'),
      () => cache.fetch(repoURL),
      () => cache.checkout(repoURL, sha),
    ]) {
      const err = await attempt().catch(e => e);
      expect(err).toBeInstanceOf(GitError);
      expect(err.reason).toBe('AuthenticationFailed');
      expect(err.message).toContain('Authentication failed');
      expect(err.message).not.toContain(PASSWORD);
      expect(String(err.stack)).not.toContain(PASSWORD);
    }
    expect(logLines.join('\n')).not.toContain(PASSWORD);
    expect(await grepTree(path.join(root, 'cache-wrong'), PASSWORD)).toEqual(
      [],
    );
  });

  it('gives up on a server that never answers', async () => {
    const hanging = http.createServer(() => {
      // Never respond.
    });
    await new Promise<void>(resolve => hanging.listen(0, '127.0.0.1', resolve));
    const { port } = hanging.address() as AddressInfo;
    try {
      const cache = new GitRepositoryCache({
        cacheDir: path.join(root, 'cache-hang'),
        logger,
        timeoutMs: 400,
      });
      const started = Date.now();
      const err = await cache
        .resolveRevision(`http://127.0.0.1:${port}/repo.git`, 'main')
        .catch(e => e);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(err).toBeInstanceOf(GitError);
      expect(err.reason).toBe('Timeout');
      expect(err.message).toBe(
        `failed to list refs of http://127.0.0.1:${port}/repo.git: timed out after 400 ms`,
      );
    } finally {
      hanging.closeAllConnections();
      await new Promise(resolve => hanging.close(resolve));
    }
  });

  it('scrubs the password when git echoes it back', async () => {
    // A repository path that happens to contain the password: git prints the URL in its
    // error, and the cache must still not show the secret.
    const cache = new GitRepositoryCache({
      cacheDir: path.join(root, 'cache-echo'),
      logger,
      credentials: [
        { url: server.baseURL, username: 'deployer', password: PASSWORD },
      ],
    });
    const err = await cache
      .resolveRevision(`${server.baseURL}/${PASSWORD}.git`, 'main')
      .catch(e => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.reason).toBe('RepositoryNotFound');
    expect(err.message).toContain('***');
    expect(err.message).not.toContain(PASSWORD);
  });
});
