/**
 * File-tree helpers shared by the git cache and the renderer: making a checked-out tree
 * read-only (and writable again before deleting or editing a copy). Symlinks are never
 * followed, so nothing outside the tree is touched.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

async function walk(
  dir: string,
  visit: (p: string, isDir: boolean) => Promise<void>,
) {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await walk(p, visit);
      await visit(p, true);
    } else if (entry.isFile()) {
      await visit(p, false);
    }
  }
}

/** Removes write permission from every file and directory under `dir` (and `dir`). */
export async function makeTreeReadOnly(dir: string): Promise<void> {
  await walk(dir, async (p, isDir) => {
    const st = await fs.lstat(p);
    await fs.chmod(p, isDir ? 0o555 : st.mode & 0o555);
  });
  await fs.chmod(dir, 0o555);
}

/** Gives the owner write permission on every file and directory under `dir`. */
export async function makeTreeWritable(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755);
  const stack = [dir];
  while (stack.length) {
    const current = stack.pop()!;
    for (const entry of await fs.readdir(current, { withFileTypes: true })) {
      const p = path.join(current, entry.name);
      if (entry.isDirectory()) {
        await fs.chmod(p, 0o755);
        stack.push(p);
      } else if (entry.isFile()) {
        const st = await fs.lstat(p);
        await fs.chmod(p, (st.mode & 0o777) | 0o200);
      }
    }
  }
}

/** Deletes a tree that may have been made read-only. */
export async function removeTree(dir: string): Promise<void> {
  try {
    await makeTreeWritable(dir);
  } catch {
    // Missing or partly removed: rm copes with what is left.
  }
  await fs.rm(dir, { recursive: true, force: true });
}
