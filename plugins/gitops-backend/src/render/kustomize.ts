/**
 * Kustomize sources: finding the kustomization, applying an Application's kustomize
 * options to it (what Argo CD does with `kustomize edit set image|nameprefix|...`, done
 * here by editing the YAML of a temporary copy, since `kubectl kustomize` has no `edit`),
 * checking that it only reaches directories inside the repository, and running
 * `kustomize build` / `kubectl kustomize` with the root-only load restrictor.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import YAML, { isMap, isSeq, YAMLMap } from 'yaml';
import type { KustomizeOptions } from '@gitops-suite/plugin-gitops-common';
import { splitCommand } from '../git/runProcess';
import { RenderError } from './errors';
import { isInside, repoRelative } from './repoPaths';

/** File names kustomize accepts, in the order it looks for them. */
export const KUSTOMIZATION_FILES = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

/** The kustomization file name in `dir`, if any. */
export async function findKustomizationFile(
  dir: string,
): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILES) {
    try {
      await fs.lstat(path.join(dir, name));
      return name;
    } catch {
      // try the next name
    }
  }
  return undefined;
}

/** One `images` entry of a kustomization. */
export interface KustomizeImage {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

function splitImage(ref: string): {
  image: string;
  tag?: string;
  digest?: string;
} {
  const at = ref.indexOf('@');
  if (at >= 0) return { image: ref.slice(0, at), digest: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  // A colon before the last `/` belongs to a registry port (`host:5000/app`).
  if (colon > ref.lastIndexOf('/'))
    return { image: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { image: ref };
}

/**
 * Parses an Argo CD `kustomize.images` entry, as `kustomize edit set image` does:
 * `name=newName:tag`, `name=newName@digest`, `name=newName`, `name:tag`, `name@digest`.
 */
export function parseImageOverride(spec: string): KustomizeImage {
  const s = (spec ?? '').trim();
  const eq = s.indexOf('=');
  let result: KustomizeImage;
  if (eq >= 0) {
    const name = s.slice(0, eq);
    const { image, tag, digest } = splitImage(s.slice(eq + 1));
    result = {
      name,
      ...(image ? { newName: image } : {}),
      ...(tag !== undefined ? { newTag: tag } : {}),
      ...(digest !== undefined ? { digest } : {}),
    };
  } else {
    const { image, tag, digest } = splitImage(s);
    result = {
      name: image,
      ...(tag !== undefined ? { newTag: tag } : {}),
      ...(digest !== undefined ? { digest } : {}),
    };
  }
  if (!result.name || result.newTag === '' || result.digest === '') {
    throw new RenderError(
      `kustomize image "${spec}" is not valid: use name=newName:tag, name:tag or name@digest`,
    );
  }
  if (
    result.newName === undefined &&
    result.newTag === undefined &&
    result.digest === undefined
  ) {
    throw new RenderError(
      `kustomize image "${spec}" changes nothing: give a new name, tag or digest`,
    );
  }
  return result;
}

function nonEmptyRecord(
  r: Record<string, string> | undefined,
): r is Record<string, string> {
  return !!r && Object.keys(r).length > 0;
}

/** Whether the options require editing the kustomization. */
export function hasKustomizeEdits(opts: KustomizeOptions | undefined): boolean {
  if (!opts) return false;
  return (
    !!opts.namePrefix ||
    !!opts.nameSuffix ||
    !!opts.namespace ||
    (opts.images?.length ?? 0) > 0 ||
    nonEmptyRecord(opts.commonLabels) ||
    nonEmptyRecord(opts.commonAnnotations)
  );
}

/**
 * Applies an Application's kustomize options to the text of a kustomization and returns
 * the new text. Pure; `file` only names the file in errors.
 */
export function applyKustomizeOptions(
  text: string,
  opts: KustomizeOptions,
  file: string,
): string {
  const doc = YAML.parseDocument(text) as YAML.Document;
  if (doc.errors.length > 0) {
    const pos = doc.errors[0].linePos?.[0];
    throw new RenderError(
      `failed to parse ${file}${
        pos ? `: line ${pos.line}, column ${pos.col}` : ''
      }: ${doc.errors[0].message
        .split('\n')[0]
        .replace(/ at line \d+, column \d+:?$/, '')}`,
    );
  }
  if (doc.contents === null || doc.contents === undefined)
    doc.contents = doc.createNode({});
  if (!isMap(doc.contents)) throw new RenderError(`${file} is not a map`);

  if (opts.namePrefix) doc.set('namePrefix', opts.namePrefix);
  if (opts.nameSuffix) doc.set('nameSuffix', opts.nameSuffix);
  if (opts.namespace) doc.set('namespace', opts.namespace);

  if (opts.images && opts.images.length > 0) {
    if (!doc.has('images')) doc.set('images', doc.createNode([]));
    const seq = doc.get('images', true);
    if (!isSeq(seq)) throw new RenderError(`${file}: "images" is not a list`);
    for (const spec of opts.images) {
      const img = parseImageOverride(spec);
      const existing = seq.items.find(
        it => isMap(it) && it.get('name') === img.name,
      ) as YAMLMap | undefined;
      if (existing) {
        if (img.newName !== undefined) existing.set('newName', img.newName);
        if (img.newTag !== undefined) {
          existing.set('newTag', img.newTag);
          existing.delete('digest');
        }
        if (img.digest !== undefined) {
          existing.set('digest', img.digest);
          existing.delete('newTag');
        }
      } else {
        seq.add(doc.createNode(img));
      }
    }
  }

  const addToMap = (
    field: 'commonLabels' | 'commonAnnotations',
    values: Record<string, string>,
    force: boolean,
  ) => {
    if (!doc.has(field)) doc.set(field, doc.createNode({}));
    const map = doc.get(field, true);
    if (!isMap(map)) throw new RenderError(`${file}: "${field}" is not a map`);
    for (const [k, v] of Object.entries(values)) {
      if (map.has(k) && !force) {
        const flag =
          field === 'commonLabels'
            ? 'forceCommonLabels'
            : 'forceCommonAnnotations';
        throw new RenderError(
          `kustomize.${field}: "${k}" is already set in ${file}; set kustomize.${flag} to override it`,
        );
      }
      map.set(k, String(v));
    }
  };
  if (nonEmptyRecord(opts.commonLabels))
    addToMap('commonLabels', opts.commonLabels, !!opts.forceCommonLabels);
  if (nonEmptyRecord(opts.commonAnnotations)) {
    addToMap(
      'commonAnnotations',
      opts.commonAnnotations,
      !!opts.forceCommonAnnotations,
    );
  }
  return doc.toString();
}

/** Entries kustomize treats as remote (git URLs, `github.com/org/repo//dir?ref=`). */
function looksRemote(entry: string): boolean {
  return (
    /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(entry) ||
    /^git@/.test(entry) ||
    /^[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)+(:\d+)?\/[^\s]*/.test(entry)
  );
}

const REFERENCE_FIELDS = [
  'resources',
  'bases',
  'components',
  'generators',
  'transformers',
  'validators',
];

/**
 * Follows the local directories a kustomization pulls in (resources, bases, components,
 * generator and transformer directories) and fails when one lies outside the repository.
 * Kustomize's load restrictor confines files to each kustomization's root, but not the
 * directories of other kustomizations; this closes that gap.
 */
export async function assertKustomizeReferencesInside(
  realRoot: string,
  appDir: string,
): Promise<void> {
  const seen = new Set<string>();
  const queue = [appDir];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    const name = await findKustomizationFile(dir);
    if (!name) continue;
    const file = path.join(dir, name);
    let parsed: unknown;
    try {
      parsed = YAML.parse(await fs.readFile(file, 'utf8'));
    } catch {
      continue; // kustomize reports the syntax error with its own words
    }
    if (typeof parsed !== 'object' || parsed === null) continue;
    for (const field of REFERENCE_FIELDS) {
      const entries = (parsed as Record<string, unknown>)[field];
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        if (typeof entry !== 'string' || entry.trim() === '') continue;
        const local = path.resolve(dir, entry);
        const existsLocally = await fs.lstat(local).then(
          () => true,
          () => false,
        );
        if (!existsLocally && looksRemote(entry)) continue;
        const shownFile = repoRelative(realRoot, file);
        if (path.isAbsolute(entry) || !isInside(realRoot, local)) {
          throw new RenderError(
            `${shownFile} references "${entry}" outside the repository`,
          );
        }
        if (!existsLocally) continue; // kustomize reports it missing
        const real = await fs.realpath(local).catch(() => local);
        if (!isInside(realRoot, real)) {
          throw new RenderError(
            `${shownFile} references "${entry}", which points outside the repository`,
          );
        }
        if ((await fs.stat(real).catch(() => undefined))?.isDirectory())
          queue.push(real);
      }
    }
  }
}

/** Program and arguments to build `dir` with the configured kustomize command. */
export function kustomizeBuildCommand(
  command: string,
  dir: string,
): { program: string; args: string[] } {
  const { program, args } = splitCommand(command);
  const lead =
    path.basename(program) === 'kustomize' && args.length === 0
      ? ['build']
      : args;
  return {
    program,
    args: [...lead, '--load-restrictor', 'LoadRestrictionsRootOnly', dir],
  };
}

/** Replaces absolute paths of the render host by repository-relative ones. */
export function hideHostPaths(text: string, roots: readonly string[]): string {
  let out = text;
  for (const root of [...roots].sort((a, b) => b.length - a.length)) {
    if (!root) continue;
    out = out.split(`${root}/`).join('').split(root).join('.');
  }
  return out;
}

/** The readable part of kustomize's stderr (kubectl wraps it in a klog line). */
export function kustomizeErrorMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .filter(l => l.trim() && !/^#?\s*Warning:/.test(l.trim()));
  const text = lines.join('\n').trim();
  const klog = /"command failed" err="((?:[^"\\]|\\.)*)"/.exec(text);
  if (klog) {
    try {
      return JSON.parse(`"${klog[1]}"`);
    } catch {
      return klog[1];
    }
  }
  return text.replace(/^Error:\s*/, '');
}

/** Warning lines kustomize printed (deprecations and the like). */
export function kustomizeWarnings(stderr: string): string[] {
  return stderr
    .split('\n')
    .map(l => l.trim())
    .filter(l => /^#?\s*Warning:/.test(l))
    .map(l => l.replace(/^#\s*/, ''));
}
