/**
 * Which tool renders a source, decided as Argo CD does: an explicit `directory`,
 * `kustomize` or `helm` block wins (more than one is an error); otherwise a
 * kustomization file makes it Kustomize, a `Chart.yaml` Helm, anything else Directory.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ApplicationSource } from '@gitops-suite/plugin-gitops-common';
import { RenderError } from './errors';
import { findKustomizationFile } from './kustomize';

export type SourceType = 'Directory' | 'Kustomize' | 'Helm';

/** Argo CD's IsZero: an options block with only empty values does not count as set. */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === false)
    return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object')
    return Object.values(value as object).some(isSet);
  return true;
}

/** The source type the Application asks for explicitly, if any. */
export function explicitSourceType(
  source: ApplicationSource,
): SourceType | undefined {
  const set: SourceType[] = [];
  if (isSet(source.directory)) set.push('Directory');
  if (isSet(source.kustomize)) set.push('Kustomize');
  if (isSet(source.helm)) set.push('Helm');
  if (set.length > 1) {
    throw new RenderError(
      `the source sets options for more than one tool (${set
        .join(', ')
        .toLowerCase()}): keep only one`,
    );
  }
  return set[0];
}

/** Detects the source type of the directory `appDir`. */
export async function detectSourceType(
  appDir: string,
  source: ApplicationSource,
): Promise<SourceType> {
  const explicit = explicitSourceType(source);
  if (explicit) return explicit;
  if (await findKustomizationFile(appDir)) return 'Kustomize';
  try {
    await fs.lstat(path.join(appDir, 'Chart.yaml'));
    return 'Helm';
  } catch {
    return 'Directory';
  }
}
