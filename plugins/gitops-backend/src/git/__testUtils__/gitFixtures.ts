/**
 * Test fixtures: real git repositories in temp directories. A bare "remote" plus a work
 * clone that commits and pushes, so tests exercise the cache exactly as a hosted repo.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

/** Runs git and returns trimmed stdout; throws with stderr on failure. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', args, {
      cwd,
      env: GIT_ENV,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(
      `git ${args.join(' ')} failed: ${err.stderr ?? err.message}`,
    );
  }
}

export async function makeTempDir(prefix: string): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
}

/** A file's content, or a symlink to create instead. */
export type FixtureFile = string | { symlink: string };

export class TestRepo {
  private constructor(
    /** The bare repository other code clones from. */
    readonly bareDir: string,
    /** The work clone tests commit in. */
    readonly workDir: string,
  ) {}

  /** `file://` URL of the bare repository. */
  get url(): string {
    return `file://${this.bareDir}`;
  }

  /** Creates `<root>/<name>.git` (bare, default branch `main`) and a work clone. */
  static async create(root: string, name: string): Promise<TestRepo> {
    const bare = path.join(root, `${name}.git`);
    const work = path.join(root, `${name}-work`);
    await git(root, 'init', '--bare', '--quiet', '--initial-branch=main', bare);
    await git(root, 'init', '--quiet', '--initial-branch=main', work);
    await git(work, 'remote', 'add', 'origin', bare);
    return new TestRepo(bare, work);
  }

  /** Writes (or, with `null`, deletes) files in the work clone. */
  async write(files: Record<string, FixtureFile | null>): Promise<void> {
    for (const [rel, content] of Object.entries(files)) {
      const p = path.join(this.workDir, rel);
      await fs.rm(p, { recursive: true, force: true });
      if (content === null) continue;
      await fs.mkdir(path.dirname(p), { recursive: true });
      if (typeof content === 'string') await fs.writeFile(p, content);
      else await fs.symlink(content.symlink, p);
    }
  }

  /** Stages everything and commits; returns the new commit SHA. */
  async commit(message: string): Promise<string> {
    await git(this.workDir, 'add', '--all');
    await git(
      this.workDir,
      'commit',
      '--quiet',
      '--allow-empty',
      '-m',
      message,
    );
    return git(this.workDir, 'rev-parse', 'HEAD');
  }

  /** Writes files, commits and pushes the current branch; returns the SHA. */
  async commitAndPush(
    files: Record<string, FixtureFile | null>,
    message = 'update',
  ): Promise<string> {
    await this.write(files);
    const sha = await this.commit(message);
    await this.push();
    return sha;
  }

  async push(...refs: string[]): Promise<void> {
    const branch = await git(this.workDir, 'rev-parse', '--abbrev-ref', 'HEAD');
    await git(
      this.workDir,
      'push',
      '--quiet',
      '--force',
      'origin',
      ...(refs.length ? refs : [branch]),
    );
  }

  /** Creates and switches to a branch (from the current commit). */
  async switchToNewBranch(name: string): Promise<void> {
    await git(this.workDir, 'switch', '--quiet', '-c', name);
  }

  async switchTo(name: string): Promise<void> {
    await git(this.workDir, 'switch', '--quiet', name);
  }

  /** Tags the current commit and pushes the tag. */
  async tag(
    name: string,
    options: { annotated?: boolean } = {},
  ): Promise<void> {
    if (options.annotated)
      await git(this.workDir, 'tag', '-a', name, '-m', `release ${name}`);
    else await git(this.workDir, 'tag', name);
    await git(this.workDir, 'push', '--quiet', 'origin', `refs/tags/${name}`);
  }

  /** Points the bare repository's HEAD (its default branch) at another branch. */
  async setDefaultBranch(name: string): Promise<void> {
    await git(this.bareDir, 'symbolic-ref', 'HEAD', `refs/heads/${name}`);
  }
}
