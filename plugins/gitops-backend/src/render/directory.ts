/**
 * Directory sources: every `.yaml`, `.yml` and `.json` file under the app path (sub
 * directories with `directory.recurse`), filtered by Argo CD's `include`/`exclude` globs
 * (brace lists like `{config.yaml,env-use2/*}`; `*` also matches `/`, as with Argo's
 * glob library), in lexical walk order.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type {
  DirectoryOptions,
  KubeObject,
} from '@gitops-suite/plugin-gitops-common';
import { RenderError } from './errors';
import { parseJsonManifests, parseYamlManifests } from './parseManifests';
import {
  assertNoEscapingSymlinks,
  assertSymlinkInside,
  byName,
  repoRelative,
} from './repoPaths';

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

function compileGlob(pattern: string, what: string): (p: string) => boolean {
  try {
    const m = picomatch(pattern, {
      bash: true,
      dot: true,
      strictBrackets: true,
    });
    return p => m(p);
  } catch (e) {
    throw new RenderError(
      `directory.${what} "${pattern}" is not a valid glob: ${
        (e as Error).message
      }`,
    );
  }
}

interface ManifestFile {
  abs: string;
  /** Relative to the app path (what include/exclude match). */
  rel: string;
  /** Relative to the repository root (what errors show). */
  repoRel: string;
}

async function collect(
  realRoot: string,
  appDir: string,
  dir: string,
  recurse: boolean,
  out: ManifestFile[],
  skipped: string[],
): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort(byName);
  for (const e of entries) {
    const abs = path.join(dir, e.name);
    const rel = path.relative(appDir, abs).split(path.sep).join('/');
    const repoRel = repoRelative(realRoot, abs);
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      await assertSymlinkInside(realRoot, abs, repoRel);
      const st = await fs.stat(abs).catch(() => undefined);
      // Symlinked directories are not descended (as filepath.Walk); dangling ones skipped.
      isFile = st?.isFile() ?? false;
    } else if (e.isDirectory()) {
      if (recurse) await collect(realRoot, appDir, abs, recurse, out, skipped);
      continue;
    }
    if (!isFile) continue;
    if (MANIFEST_FILE.test(e.name)) out.push({ abs, rel, repoRel });
    else if (/\.(jsonnet|libsonnet)$/i.test(e.name)) skipped.push(repoRel);
  }
}

export async function renderDirectory(options: {
  realRoot: string;
  appDir: string;
  directory?: DirectoryOptions;
}): Promise<{ objects: KubeObject[]; warnings: string[] }> {
  const opts = options.directory ?? {};
  const include = opts.include
    ? compileGlob(opts.include, 'include')
    : undefined;
  const exclude = opts.exclude
    ? compileGlob(opts.exclude, 'exclude')
    : undefined;
  // Every symlink under the path is checked, read or not (Argo CD checks the whole repo).
  await assertNoEscapingSymlinks(options.realRoot, options.appDir);
  const files: ManifestFile[] = [];
  const jsonnet: string[] = [];
  await collect(
    options.realRoot,
    options.appDir,
    options.appDir,
    opts.recurse ?? false,
    files,
    jsonnet,
  );

  const objects: KubeObject[] = [];
  for (const f of files) {
    if (exclude?.(f.rel)) continue;
    if (include && !include(f.rel)) continue;
    const text = await fs.readFile(f.abs, 'utf8');
    const parsed = /\.json$/i.test(f.abs)
      ? parseJsonManifests(text, f.repoRel)
      : parseYamlManifests(text, f.repoRel);
    objects.push(...parsed);
  }
  const warnings: string[] = [];
  if (jsonnet.length > 0) {
    warnings.push(
      `Jsonnet is not supported; ignored ${jsonnet.length} file(s): ${jsonnet
        .slice(0, 5)
        .join(', ')}`,
    );
  }
  return { objects, warnings };
}
