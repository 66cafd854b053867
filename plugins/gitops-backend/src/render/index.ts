/**
 * Manifest rendering for the sync engine: Directory, Kustomize and Helm sources of a
 * checked-out commit turned into Kubernetes objects, cached per commit and options.
 */
export { ManifestRenderer } from './ManifestRenderer';
export type {
  ManifestRendererOptions,
  RenderRequest,
  RenderResult,
  RenderStats,
  RenderLogger,
} from './ManifestRenderer';
export { RenderError } from './errors';
export type { SourceType } from './sourceType';
export { detectSourceType, explicitSourceType } from './sourceType';
export { buildHelmTemplateArgs, escapeHelmSetValue } from './helm';
export type { HelmTemplateArgsInput } from './helm';
export { applyKustomizeOptions, parseImageOverride } from './kustomize';
export type { KustomizeImage } from './kustomize';
export { parseYamlManifests, parseJsonManifests } from './parseManifests';
