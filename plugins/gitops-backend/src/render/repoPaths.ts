/**
 * Keeping rendering inside the repository: `source.path`, Helm value files and every
 * symlink the renderer might follow must resolve under the checkout's root. Checks use
 * lstat/readlink/realpath only, so a file outside the repository is never read.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RenderError } from './errors';

/** Byte-order comparison (what Go's filepath.Walk uses), not locale order. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Sorts directory entries by name in byte order. */
export function byName(a: { name: string }, b: { name: string }): number {
  return compareStrings(a.name, b.name);
}

/** Whether `p` is `root` or below it (both absolute). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** A path relative to the repository root with `/` separators, `.` for the root. */
export function repoRelative(realRoot: string, p: string): string {
  const rel = path.relative(realRoot, p).split(path.sep).join('/');
  return rel === '' ? '.' : rel;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where a symlink really leads: its realpath, or for a dangling link the lexical
 * resolution of its target (so a link to a missing outside file is still caught).
 */
async function symlinkDestination(link: string): Promise<string> {
  try {
    return await fs.realpath(link);
  } catch {
    const target = await fs.readlink(link);
    const parent = await fs
      .realpath(path.dirname(link))
      .catch(() => path.dirname(link));
    return path.resolve(parent, target);
  }
}

/** Throws when the symlink at `link` resolves outside `realRoot`. */
export async function assertSymlinkInside(
  realRoot: string,
  link: string,
  display: string,
): Promise<void> {
  const dest = await symlinkDestination(link);
  if (!isInside(realRoot, dest)) {
    throw new RenderError(`symlink ${display} points outside the repository`);
  }
}

export interface ResolvedAppPath {
  /** Real path of the repository root. */
  realRoot: string;
  /** Absolute directory of the source path inside the checkout (symlinks resolved). */
  dir: string;
  /** `dir` relative to the root, `.` for the root itself. */
  rel: string;
}

/**
 * Checks a user-supplied path relative to the repository root and resolves it. Rejects
 * absolute paths, `..` escapes and symlinked components leading outside.
 */
export async function resolveRepoPath(
  repoDir: string,
  userPath: string | undefined,
  what = 'path',
): Promise<{ realRoot: string; abs: string; rel: string }> {
  const realRoot = await fs.realpath(repoDir);
  const raw = (userPath ?? '').trim();
  if (path.posix.isAbsolute(raw) || path.isAbsolute(raw)) {
    throw new RenderError(
      `${what} "${raw}" is absolute: it must be relative to the repository root`,
    );
  }
  const normalized = path.posix.normalize(raw === '' ? '.' : raw);
  if (normalized === '..' || normalized.startsWith('../')) {
    throw new RenderError(`${what} "${raw}" escapes the repository`);
  }
  // Walk component by component so a symlinked directory is caught where it is.
  let current = realRoot;
  const parts = normalized.split('/').filter(p => p !== '' && p !== '.');
  for (let i = 0; i < parts.length; i++) {
    const next = path.join(current, parts[i]);
    const display = parts.slice(0, i + 1).join('/');
    let st;
    try {
      st = await fs.lstat(next);
    } catch {
      // Missing: report the path as given; nothing below it can exist either.
      return {
        realRoot,
        abs: path.join(current, ...parts.slice(i)),
        rel: normalized,
      };
    }
    if (st.isSymbolicLink()) {
      await assertSymlinkInside(realRoot, next, display);
      current = await fs.realpath(next).catch(() => next);
    } else {
      current = next;
    }
  }
  return { realRoot, abs: current, rel: repoRelative(realRoot, current) };
}

/** Resolves `source.path` to an existing directory inside the repository. */
export async function resolveAppPath(
  repoDir: string,
  sourcePath: string | undefined,
): Promise<ResolvedAppPath> {
  const { realRoot, abs } = await resolveRepoPath(repoDir, sourcePath);
  const shown = (sourcePath ?? '').trim() || '.';
  let st;
  try {
    st = await fs.stat(abs);
  } catch {
    throw new RenderError(
      `app path "${shown}" does not exist in the repository`,
    );
  }
  if (!st.isDirectory())
    throw new RenderError(`app path "${shown}" is not a directory`);
  return { realRoot, dir: abs, rel: repoRelative(realRoot, abs) };
}

/**
 * Fails on the first symlink under `dir` (recursively unless `recurse` is false) that
 * resolves outside the repository. Symlinked directories are checked, not descended.
 */
export async function assertNoEscapingSymlinks(
  realRoot: string,
  dir: string,
  options: { recurse?: boolean } = {},
): Promise<void> {
  const recurse = options.recurse ?? true;
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort(byName);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isSymbolicLink()) {
      await assertSymlinkInside(realRoot, p, repoRelative(realRoot, p));
    } else if (e.isDirectory() && recurse) {
      await assertNoEscapingSymlinks(realRoot, p, options);
    }
  }
}

/**
 * Resolves a file named relative to `baseDir` (or, when absolute, to the repository
 * root, as Argo CD does for Helm value files) and checks it stays inside. Returns
 * undefined when the file does not exist.
 */
export async function resolveRepoFile(
  realRoot: string,
  baseDir: string,
  name: string,
  what: string,
): Promise<string | undefined> {
  const lexical = path.isAbsolute(name)
    ? path.join(realRoot, name)
    : path.resolve(baseDir, name);
  if (!isInside(realRoot, lexical))
    throw new RenderError(`${what} "${name}" escapes the repository`);
  const { abs } = await resolveRepoPath(
    realRoot,
    repoRelative(realRoot, lexical),
    `${what}`,
  );
  if (!(await exists(abs))) return undefined;
  const real = await fs.realpath(abs).catch(() => abs);
  if (!isInside(realRoot, real))
    throw new RenderError(`${what} "${name}" escapes the repository`);
  return real;
}
