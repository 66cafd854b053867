/**
 * Helm sources: the `helm template` command line Argo CD builds for a chart in a git
 * repository (release name, namespace, value files confined to the repository, inline
 * values in a temp file, --set/--set-string/--set-file, CRDs, kube and API versions).
 * Building the arguments is pure; running needs a configured helm binary.
 */
import type { HelmOptions } from '@gitops-suite/plugin-gitops-common';
import { RenderError } from './errors';
import { resolveRepoFile } from './repoPaths';

export interface HelmTemplateArgsInput {
  releaseName: string;
  chartDir: string;
  /** Omitted from the command line when empty (helm then uses its default). */
  namespace: string;
  /** Absolute paths (or http(s) URLs) of value files, in order. */
  valueFiles: string[];
  /** Temp file holding `helm.values` / `helm.valuesObject`, passed after valueFiles. */
  inlineValuesFile?: string;
  parameters?: HelmOptions['parameters'];
  /** `--set-file` parameters with absolute paths. */
  fileParameters?: Array<{ name: string; path: string }>;
  includeCrds: boolean;
  kubeVersion?: string;
  apiVersions?: string[];
}

/**
 * Escapes commas in a `--set` value, which helm would otherwise split on; `{a,b}` list
 * syntax is left alone, as Argo CD does.
 */
export function escapeHelmSetValue(value: string): string {
  if (value.startsWith('{') && value.endsWith('}')) return value;
  return value.replace(/(?<!\\),/g, '\\,');
}

/** The argument list for `helm` (starting with `template`). */
export function buildHelmTemplateArgs(input: HelmTemplateArgsInput): string[] {
  const args = ['template', input.releaseName, input.chartDir];
  if (input.namespace) args.push('--namespace', input.namespace);
  for (const f of input.valueFiles) args.push('--values', f);
  if (input.inlineValuesFile) args.push('--values', input.inlineValuesFile);
  for (const p of input.parameters ?? []) {
    args.push(
      p.forceString ? '--set-string' : '--set',
      `${p.name}=${escapeHelmSetValue(p.value ?? '')}`,
    );
  }
  for (const p of input.fileParameters ?? [])
    args.push('--set-file', `${p.name}=${p.path}`);
  if (input.includeCrds) args.push('--include-crds');
  if (input.kubeVersion) args.push('--kube-version', input.kubeVersion);
  for (const v of input.apiVersions ?? []) args.push('--api-versions', v);
  return args;
}

/**
 * Resolves `helm.valueFiles` (relative to the chart, absolute = from the repository
 * root, http(s) URLs passed through) and `fileParameters`, all confined to the repository.
 */
export async function resolveHelmFiles(options: {
  realRoot: string;
  chartDir: string;
  helm: HelmOptions | undefined;
}): Promise<{
  valueFiles: string[];
  fileParameters: Array<{ name: string; path: string }>;
  warnings: string[];
}> {
  const warnings: string[] = [];
  const valueFiles: string[] = [];
  for (const f of options.helm?.valueFiles ?? []) {
    if (/^https?:\/\//i.test(f)) {
      valueFiles.push(f);
      continue;
    }
    if (f.startsWith('$')) {
      throw new RenderError(
        `helm value file "${f}" refers to another source, which is not supported`,
      );
    }
    const resolved = await resolveRepoFile(
      options.realRoot,
      options.chartDir,
      f,
      'helm value file',
    );
    if (!resolved) {
      if (options.helm?.ignoreMissingValueFiles) {
        warnings.push(`helm value file "${f}" does not exist and was skipped`);
        continue;
      }
      throw new RenderError(
        `helm value file "${f}" does not exist in the repository`,
      );
    }
    valueFiles.push(resolved);
  }
  const fileParameters: Array<{ name: string; path: string }> = [];
  for (const p of options.helm?.fileParameters ?? []) {
    const resolved = await resolveRepoFile(
      options.realRoot,
      options.chartDir,
      p.path,
      'helm file parameter',
    );
    if (!resolved)
      throw new RenderError(
        `helm file parameter "${p.name}" path "${p.path}" does not exist`,
      );
    fileParameters.push({ name: p.name, path: resolved });
  }
  return { valueFiles, fileParameters, warnings };
}

/** The text for the inline values file, or undefined when there are no inline values. */
export function inlineHelmValues(
  helm: HelmOptions | undefined,
): string | undefined {
  if (!helm) return undefined;
  // valuesObject wins over values, as in Argo CD.
  if (helm.valuesObject && Object.keys(helm.valuesObject).length > 0)
    return JSON.stringify(helm.valuesObject);
  if (helm.values && helm.values.trim() !== '') return helm.values;
  return undefined;
}
