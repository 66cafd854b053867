/**
 * The git side of the sync engine, modelled on Argo CD's repo-server: one cached bare
 * clone per repository shared by every Application that uses it, revisions resolved
 * with `git ls-remote` (cheap, no fetch: the polling path), and read-only working trees
 * of single commits under `cacheDir/trees/<sha>`, reused across Applications and
 * evicted least-recently-used. Runs the real `git` binary.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  ASKPASS_SCRIPT,
  GitCredential,
  credentialSecrets,
  findCredential,
  prepareGitAuth,
  scrubSecrets,
} from './credentials';
import { GitError, GitErrorReason } from './errors';
import { makeTreeReadOnly, removeTree } from './fsTree';
import { KeyedMutex } from './keyedMutex';
import {
  InvalidRepoURLError,
  normalizeRepoURL,
  parseRepoURL,
  redactRepoURL,
  repoCacheKey,
} from './repoUrl';
import { formatDuration, runProcess } from './runProcess';

/** The logger methods the cache uses (Backstage's LoggerService satisfies it). */
export type GitLogger = Pick<
  LoggerService,
  'info' | 'warn' | 'error' | 'debug'
>;

export interface GitRepositoryCacheOptions {
  /** Where bare clones (`repos/`) and checked-out trees (`trees/`) live. */
  cacheDir: string;
  credentials?: readonly GitCredential[];
  logger: GitLogger;
  /** The git program; default `git`. */
  gitCommand?: string;
  /** Limit for one git command (ls-remote, fetch, ...); default 120 s. */
  timeoutMs?: number;
  /** How many checked-out trees to keep; default 32. */
  maxCheckouts?: number;
}

/** How a target revision was resolved. */
export interface ResolvedRevision {
  /** Full commit SHA. */
  sha: string;
  /** Full ref name (`refs/heads/main`, `refs/tags/v1.0`), `HEAD` for a detached remote HEAD, or the SHA for commits. */
  ref: string;
  kind: 'branch' | 'tag' | 'commit';
}

/** One ref as `git ls-remote` reports it; `peeled` is the commit an annotated tag points to. */
export interface RemoteRef {
  name: string;
  sha: string;
  peeled?: string;
}

export interface RemoteRefs {
  /** The remote's default branch (`refs/heads/main`), when HEAD is a symbolic ref. */
  headTarget?: string;
  headSha?: string;
  refs: RemoteRef[];
}

export interface CommitInfo {
  sha: string;
  author: string;
  email: string;
  /** Author date, ISO 8601. */
  date: string;
  message: string;
}

export interface Checkout {
  /** Absolute path of the read-only tree of the commit. */
  dir: string;
}

interface TreeEntry {
  dir: string;
  pins: number;
}

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const SHORT_SHA = /^[0-9a-f]{4,63}$/;

/** Recognises what went wrong from git's stderr. */
function classify(stderr: string): GitErrorReason {
  if (
    /Authentication failed|could not read (Username|Password)|terminal prompts disabled|Permission denied \(publickey|Invalid username or password|HTTP Basic: Access denied|returned error: 401|returned error: 403|Host key verification failed/i.test(
      stderr,
    )
  ) {
    return 'AuthenticationFailed';
  }
  if (
    /not found|does not appear to be a git repository|does not exist|Could not resolve host|returned error: 404|no such file or directory/i.test(
      stderr,
    )
  ) {
    return 'RepositoryNotFound';
  }
  return 'Failed';
}

function firstLines(text: string, max = 5): string {
  return text
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l && !/^(hint:|warning: redirecting)/i.test(l))
    .slice(0, max)
    .join('; ');
}

export class GitRepositoryCache {
  private readonly cacheDir: string;
  private readonly reposDir: string;
  private readonly treesDir: string;
  private readonly credentials: readonly GitCredential[];
  private readonly logger: GitLogger;
  private readonly git: string;
  private readonly timeoutMs: number;
  private readonly maxCheckouts: number;
  private readonly mutex = new KeyedMutex();
  private readonly inflightFetches = new Map<string, Promise<void>>();
  /** Insertion order is recency order: the first key is the least recently used. */
  private readonly trees = new Map<string, TreeEntry>();
  private readonly commitInfos = new Map<string, CommitInfo>();
  private initialized?: Promise<void>;
  private askPassScript = '';

  constructor(options: GitRepositoryCacheOptions) {
    this.cacheDir = path.resolve(options.cacheDir);
    this.reposDir = path.join(this.cacheDir, 'repos');
    this.treesDir = path.join(this.cacheDir, 'trees');
    this.credentials = options.credentials ?? [];
    this.logger = options.logger;
    this.git = options.gitCommand ?? 'git';
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.maxCheckouts = Math.max(1, options.maxCheckouts ?? 32);
  }

  // ------------------------------------------------------------------ public API

  /** Lists the remote's refs (`git ls-remote --symref`); no local clone needed. */
  async listRemoteRefs(repoURL: string): Promise<RemoteRefs> {
    const url = this.validateURL(repoURL);
    await this.init();
    const out = await this.runGit(url, ['ls-remote', '--symref', url], {
      cwd: this.cacheDir,
      what: `list refs of ${this.display(url)}`,
    });
    const result: RemoteRefs = { refs: [] };
    const byName = new Map<string, RemoteRef>();
    for (const line of out.split('\n')) {
      if (!line.trim()) continue;
      const symref = /^ref: (\S+)\tHEAD$/.exec(line);
      if (symref) {
        result.headTarget = symref[1];
        continue;
      }
      const m = /^([0-9a-f]{40,64})\t(.+)$/.exec(line);
      if (!m) continue;
      const [, sha, name] = m;
      if (name === 'HEAD') {
        result.headSha = sha;
      } else if (name.endsWith('^{}')) {
        const base = byName.get(name.slice(0, -3));
        if (base) base.peeled = sha;
      } else {
        const ref: RemoteRef = { name, sha };
        byName.set(name, ref);
        result.refs.push(ref);
      }
    }
    return result;
  }

  /**
   * Resolves a target revision to a commit: a branch, a tag (annotated tags give the
   * commit they point to), a full or short commit SHA, `HEAD` or empty (the remote's
   * default branch). Branches win over tags of the same name, as in Argo CD.
   */
  async resolveRevision(
    repoURL: string,
    targetRevision?: string,
  ): Promise<ResolvedRevision> {
    const url = this.validateURL(repoURL);
    const revision = (targetRevision ?? '').trim() || 'HEAD';
    const remote = await this.listRemoteRefs(url);

    if (revision === 'HEAD') {
      if (remote.headTarget) {
        const target = remote.refs.find(r => r.name === remote.headTarget);
        if (target)
          return { sha: target.sha, ref: target.name, kind: 'branch' };
      }
      if (remote.headSha)
        return { sha: remote.headSha, ref: 'HEAD', kind: 'commit' };
      throw new GitError(
        'RevisionNotFound',
        `revision "HEAD" not found in ${this.display(
          url,
        )} (the repository has no default branch or is empty)`,
      );
    }

    const candidates = revision.startsWith('refs/')
      ? [revision]
      : [`refs/heads/${revision}`, `refs/tags/${revision}`];
    for (const name of candidates) {
      const ref = remote.refs.find(r => r.name === name);
      if (ref) {
        let kind: ResolvedRevision['kind'] = 'commit';
        if (name.startsWith('refs/heads/')) kind = 'branch';
        else if (name.startsWith('refs/tags/')) kind = 'tag';
        return { sha: ref.peeled ?? ref.sha, ref: ref.name, kind };
      }
    }

    const lower = revision.toLowerCase();
    if (FULL_SHA.test(lower)) {
      // A branch or tag tip needs no fetch; anything else must be in the clone.
      if (remote.refs.some(r => r.sha === lower || r.peeled === lower)) {
        return { sha: lower, ref: lower, kind: 'commit' };
      }
      if (await this.ensureCommit(url, lower))
        return { sha: lower, ref: lower, kind: 'commit' };
    } else if (SHORT_SHA.test(lower)) {
      const sha = await this.resolveShortSha(url, lower);
      if (sha) return { sha, ref: sha, kind: 'commit' };
    }
    throw new GitError(
      'RevisionNotFound',
      `revision "${revision}" not found in ${this.display(url)}`,
    );
  }

  /**
   * Fetches branches and tags into the cached clone (creating it on first use).
   * Concurrent calls share one fetch; `force` starts a new one after any running fetch.
   */
  async fetch(
    repoURL: string,
    options: { force?: boolean } = {},
  ): Promise<void> {
    const url = this.validateURL(repoURL);
    const key = repoCacheKey(url);
    const running = this.inflightFetches.get(key);
    if (running && !options.force) {
      await running;
      return;
    }
    const next = (async () => {
      if (running) await running.catch(() => undefined);
      await this.mutex.run(`repo:${key}`, () => this.fetchLocked(url));
    })();
    this.inflightFetches.set(key, next);
    try {
      await next;
    } finally {
      if (this.inflightFetches.get(key) === next)
        this.inflightFetches.delete(key);
    }
  }

  /**
   * A read-only working tree of exactly `sha` (fetched first when the clone lacks it),
   * shared by every caller asking for the same commit. Symlinks are kept as symlinks.
   * The tree may be evicted once `maxCheckouts` newer trees were checked out; use
   * `withCheckout` to keep it while working on it.
   */
  async checkout(repoURL: string, sha: string): Promise<Checkout> {
    const url = this.validateURL(repoURL);
    const commit = this.validateSha(sha);
    await this.init();
    const existing = this.trees.get(commit);
    if (existing) {
      this.touch(commit, existing);
      return { dir: existing.dir };
    }
    const entry = await this.mutex.run(`tree:${commit}`, async () => {
      const again = this.trees.get(commit);
      if (again) return again;
      if (!(await this.ensureCommit(url, commit))) {
        throw new GitError(
          'RevisionNotFound',
          `revision "${commit}" not found in ${this.display(url)}`,
        );
      }
      const dir = await this.materialize(url, commit);
      const created: TreeEntry = { dir, pins: 0 };
      this.trees.set(commit, created);
      return created;
    });
    this.touch(commit, entry);
    await this.evict();
    return { dir: entry.dir };
  }

  /** Like `checkout`, but the tree cannot be evicted until `fn` settles. */
  async withCheckout<T>(
    repoURL: string,
    sha: string,
    fn: (checkout: Checkout) => Promise<T>,
  ): Promise<T> {
    const commit = this.validateSha(sha);
    const co = await this.checkout(repoURL, commit);
    const entry = this.trees.get(commit);
    if (entry) entry.pins++;
    try {
      return await fn(co);
    } finally {
      if (entry) entry.pins--;
      await this.evict();
    }
  }

  /** Author, date and message of a commit, for the UI. */
  async commitInfo(repoURL: string, sha: string): Promise<CommitInfo> {
    const url = this.validateURL(repoURL);
    const commit = this.validateSha(sha);
    const cached = this.commitInfos.get(commit);
    if (cached) return cached;
    if (!(await this.ensureCommit(url, commit))) {
      throw new GitError(
        'RevisionNotFound',
        `revision "${commit}" not found in ${this.display(url)}`,
      );
    }
    const out = await this.runGit(
      url,
      [
        'log',
        '-1',
        '--no-color',
        '--format=%H%x00%an%x00%ae%x00%aI%x00%B',
        commit,
      ],
      { cwd: this.repoDir(url), what: `read commit ${commit}`, local: true },
    );
    const [full, author, email, date, ...rest] = out.split('\0');
    const info: CommitInfo = {
      sha: full.trim(),
      author,
      email,
      date,
      message: rest.join('\0').trim(),
    };
    this.commitInfos.set(commit, info);
    if (this.commitInfos.size > 1000) {
      this.commitInfos.delete(this.commitInfos.keys().next().value as string);
    }
    return info;
  }

  /** The directory of a repository's bare clone (exists after the first fetch). */
  repoDir(repoURL: string): string {
    return path.join(this.reposDir, repoCacheKey(repoURL));
  }

  // ------------------------------------------------------------------ internals

  /** The URL as messages and logs show it: no password, no configured secret. */
  private display(url: string): string {
    return scrubSecrets(
      redactRepoURL(url),
      credentialSecrets(findCredential(url, this.credentials)),
    );
  }

  private validateURL(repoURL: string): string {
    let parsed;
    try {
      parsed = parseRepoURL(repoURL);
    } catch (e) {
      const msg = e instanceof InvalidRepoURLError ? e.message : String(e);
      throw new GitError('InvalidURL', msg);
    }
    if (parsed.hasPassword) {
      throw new GitError(
        'InvalidURL',
        `repository URL ${redactRepoURL(
          repoURL,
        )} contains a password; configure it in gitops.git.credentials instead`,
      );
    }
    return repoURL.trim();
  }

  private validateSha(sha: string): string {
    const s = (sha ?? '').trim().toLowerCase();
    if (!FULL_SHA.test(s)) {
      throw new GitError(
        'RevisionNotFound',
        `"${sha}" is not a full commit SHA`,
      );
    }
    return s;
  }

  private init(): Promise<void> {
    this.initialized ??= (async () => {
      await fs.mkdir(this.reposDir, { recursive: true });
      await fs.mkdir(this.treesDir, { recursive: true });
      this.askPassScript = path.join(this.cacheDir, 'askpass.sh');
      await fs.writeFile(this.askPassScript, ASKPASS_SCRIPT, { mode: 0o700 });
      await fs.chmod(this.askPassScript, 0o700);
      // Trees left by an earlier process are reused; half-written ones are removed.
      const entries = await fs.readdir(this.treesDir, { withFileTypes: true });
      const found: Array<{ sha: string; mtime: number }> = [];
      for (const e of entries) {
        const p = path.join(this.treesDir, e.name);
        if (!e.isDirectory()) continue;
        if (FULL_SHA.test(e.name)) {
          found.push({ sha: e.name, mtime: (await fs.stat(p)).mtimeMs });
        } else {
          await removeTree(p);
        }
      }
      found.sort((a, b) => a.mtime - b.mtime);
      for (const f of found) {
        this.trees.set(f.sha, {
          dir: path.join(this.treesDir, f.sha),
          pins: 0,
        });
      }
      await this.evict();
    })().catch(e => {
      // Let the next call try again (the directory may become writable).
      this.initialized = undefined;
      throw e;
    });
    return this.initialized;
  }

  /** Creates the bare clone if needed; caller holds the repository lock. */
  private async ensureRepoLocked(url: string): Promise<string> {
    const dir = this.repoDir(url);
    try {
      await fs.access(path.join(dir, 'HEAD'));
      return dir;
    } catch {
      // Not there yet.
    }
    const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await this.runGit(url, ['init', '--bare', '--quiet', tmp], {
        cwd: this.cacheDir,
        what: 'create the repository cache',
        local: true,
      });
      const config: Array<[string, string]> = [
        ['remote.origin.url', url],
        ['remote.origin.fetch', '+refs/heads/*:refs/heads/*'],
        ['gc.autoDetach', 'false'],
      ];
      for (const [k, v] of config) {
        await this.runGit(url, ['config', k, v], {
          cwd: tmp,
          what: 'configure the repository cache',
          local: true,
        });
      }
      await this.runGit(
        url,
        ['config', '--add', 'remote.origin.fetch', '+refs/tags/*:refs/tags/*'],
        {
          cwd: tmp,
          what: 'configure the repository cache',
          local: true,
        },
      );
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rename(tmp, dir);
    } catch (e) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw e;
    }
    return dir;
  }

  private async fetchLocked(url: string): Promise<void> {
    await this.init();
    const dir = await this.ensureRepoLocked(url);
    const started = Date.now();
    await this.runGit(
      url,
      ['fetch', '--prune', '--quiet', '--no-write-fetch-head', 'origin'],
      {
        cwd: dir,
        what: `fetch ${this.display(url)}`,
      },
    );
    this.logger.debug(
      `fetched ${this.display(url)} in ${Date.now() - started} ms`,
    );
  }

  private async hasCommit(url: string, sha: string): Promise<boolean> {
    const dir = this.repoDir(url);
    try {
      await fs.access(path.join(dir, 'HEAD'));
    } catch {
      return false;
    }
    const { env, cleanup } = await prepareGitAuth({
      repoURL: url,
      credential: undefined,
      askPassScript: this.askPassScript,
    });
    try {
      const res = await runProcess({
        command: this.git,
        args: ['cat-file', '-e', `${sha}^{commit}`],
        cwd: dir,
        env,
        timeoutMs: this.timeoutMs,
      });
      return res.code === 0;
    } finally {
      await cleanup();
    }
  }

  /** Makes sure the clone has `sha`: fetches branches and tags, then the SHA itself. */
  private async ensureCommit(url: string, sha: string): Promise<boolean> {
    await this.init();
    if (await this.hasCommit(url, sha)) return true;
    await this.fetch(url);
    if (await this.hasCommit(url, sha)) return true;
    // Not reachable from a branch or tag: servers that allow it serve it by SHA.
    const key = repoCacheKey(url);
    await this.mutex.run(`repo:${key}`, async () => {
      const res = await this.tryGit(
        url,
        ['fetch', '--quiet', '--no-write-fetch-head', 'origin', sha],
        this.repoDir(url),
      );
      if (!res.ok)
        this.logger.debug(
          `fetching ${sha} by SHA from ${this.display(url)} failed: ${
            res.message
          }`,
        );
    });
    return this.hasCommit(url, sha);
  }

  private async resolveShortSha(
    url: string,
    short: string,
  ): Promise<string | undefined> {
    await this.init();
    const lookup = async () => {
      if (!(await this.hasRepo(url))) return undefined;
      const res = await this.tryGit(
        url,
        ['rev-parse', '--verify', '--quiet', `${short}^{commit}`],
        this.repoDir(url),
        true,
      );
      return res.ok ? res.stdout.trim() : undefined;
    };
    const found = await lookup();
    if (found) return found;
    await this.fetch(url);
    return lookup();
  }

  private async hasRepo(url: string): Promise<boolean> {
    try {
      await fs.access(path.join(this.repoDir(url), 'HEAD'));
      return true;
    } catch {
      return false;
    }
  }

  /** Writes the tree of `sha` to `trees/<sha>` through a private index file. */
  private async materialize(url: string, sha: string): Promise<string> {
    const target = path.join(this.treesDir, sha);
    const tmp = path.join(
      this.treesDir,
      `.tmp-${sha.slice(0, 12)}-${randomBytes(4).toString('hex')}`,
    );
    const indexFile = `${tmp}.index`;
    const repo = this.repoDir(url);
    const config = ['-c', 'core.symlinks=true', '-c', 'core.autocrlf=false'];
    try {
      await fs.mkdir(tmp, { recursive: true });
      await this.runGit(url, [...config, 'read-tree', sha], {
        cwd: repo,
        what: `check out ${sha}`,
        local: true,
        extraEnv: { GIT_INDEX_FILE: indexFile },
      });
      await this.runGit(
        url,
        [...config, `--work-tree=${tmp}`, 'checkout-index', '--all', '--force'],
        {
          cwd: repo,
          what: `check out ${sha}`,
          local: true,
          extraEnv: { GIT_INDEX_FILE: indexFile },
        },
      );
      await makeTreeReadOnly(tmp);
      await removeTree(target);
      await fs.rename(tmp, target);
    } catch (e) {
      await removeTree(tmp);
      throw e;
    } finally {
      await fs.rm(indexFile, { force: true });
    }
    this.logger.debug(`checked out ${sha} of ${this.display(url)}`);
    return target;
  }

  private touch(sha: string, entry: TreeEntry) {
    this.trees.delete(sha);
    this.trees.set(sha, entry);
  }

  private async evict(): Promise<void> {
    if (this.trees.size <= this.maxCheckouts) return;
    for (const [sha, entry] of [...this.trees]) {
      if (this.trees.size <= this.maxCheckouts) break;
      if (entry.pins > 0) continue;
      this.trees.delete(sha);
      await this.mutex.run(`tree:${sha}`, () => removeTree(entry.dir));
    }
  }

  /** Runs git and returns stdout; throws a scrubbed GitError on failure. */
  private async runGit(
    url: string,
    args: string[],
    opts: {
      cwd: string;
      what: string;
      local?: boolean;
      extraEnv?: NodeJS.ProcessEnv;
    },
  ): Promise<string> {
    const res = await this.execGit(
      url,
      args,
      opts.cwd,
      opts.local ?? false,
      opts.extraEnv,
    );
    if (res.ok) return res.stdout;
    const where = this.display(url);
    let message = `failed to ${opts.what}: ${res.message}`;
    if (!opts.local && res.reason === 'RepositoryNotFound') {
      message = `repository ${where} not found or not accessible: ${res.message}`;
    } else if (!opts.local && res.reason === 'AuthenticationFailed') {
      message = `authentication to ${where} failed: ${res.message}`;
    }
    // The whole message, URL included, goes through the scrubber once more.
    throw new GitError(res.reason, scrubSecrets(message, res.secrets));
  }

  private async tryGit(
    url: string,
    args: string[],
    cwd: string,
    local = false,
  ) {
    return this.execGit(url, args, cwd, local);
  }

  private async execGit(
    url: string,
    args: string[],
    cwd: string,
    local: boolean,
    extraEnv?: NodeJS.ProcessEnv,
  ): Promise<
    | { ok: true; stdout: string }
    | { ok: false; reason: GitErrorReason; message: string; secrets: string[] }
  > {
    // Local commands never talk to the remote, so they get no credentials.
    const credential = local
      ? undefined
      : findCredential(url, this.credentials);
    const auth = await prepareGitAuth({
      repoURL: url,
      credential,
      askPassScript: this.askPassScript,
    });
    try {
      const res = await runProcess({
        command: this.git,
        args,
        cwd,
        env: { ...auth.env, ...extraEnv },
        timeoutMs: this.timeoutMs,
      });
      if (res.code === 0) return { ok: true, stdout: res.stdout };
      const scrub = (s: string) => scrubSecrets(s, auth.secrets);
      if (res.spawnError) {
        return {
          ok: false,
          reason: 'Failed',
          message: scrub(`cannot run ${this.git}: ${res.spawnError.message}`),
          secrets: auth.secrets,
        };
      }
      if (res.timedOut) {
        return {
          ok: false,
          reason: 'Timeout',
          message: `timed out after ${formatDuration(this.timeoutMs)}`,
          secrets: auth.secrets,
        };
      }
      const detail = scrub(
        firstLines(res.stderr) || `git exited with code ${res.code}`,
      );
      return {
        ok: false,
        reason: classify(res.stderr),
        message: detail,
        secrets: auth.secrets,
      };
    } finally {
      await auth.cleanup();
    }
  }

  /** For tests and diagnostics: the normalized URL the cache keys on. */
  static cacheKeyOf(repoURL: string): { normalized: string; key: string } {
    return {
      normalized: normalizeRepoURL(repoURL),
      key: repoCacheKey(repoURL),
    };
  }
}
