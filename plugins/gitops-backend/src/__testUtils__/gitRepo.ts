/**
 * A real git repository for tests: a bare repository (the remote Applications point at
 * through a file:// URL) and a working clone to commit to and push from.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

export class TestGitRepo {
  readonly root: string;
  readonly bare: string;
  readonly work: string;
  readonly url: string;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'gitops-repo-'));
    this.bare = join(this.root, 'remote.git');
    this.work = join(this.root, 'work');
    this.git(this.root, 'init', '--bare', '--initial-branch=main', this.bare);
    this.git(this.root, 'clone', '--quiet', this.bare, this.work);
    this.git(this.work, 'checkout', '--quiet', '-B', 'main');
    this.url = pathToFileURL(this.bare).href;
  }

  private git(cwd: string, ...args: string[]): string {
    return execFileSync('git', args, { cwd, env, stdio: 'pipe' }).toString().trim();
  }

  /** Writes files (path → content; null deletes), commits and pushes; returns the commit SHA. */
  commit(files: Record<string, string | null>, message = 'change'): string {
    for (const [path, content] of Object.entries(files)) {
      const file = join(this.work, path);
      if (content === null) {
        rmSync(file, { force: true });
      } else {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
    }
    this.git(this.work, 'add', '-A');
    this.git(this.work, 'commit', '--quiet', '--allow-empty', '-m', message);
    this.git(this.work, 'push', '--quiet', 'origin', 'HEAD:main');
    return this.git(this.work, 'rev-parse', 'HEAD');
  }

  head(): string {
    return this.git(this.work, 'rev-parse', 'HEAD');
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
