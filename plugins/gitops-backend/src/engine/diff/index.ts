/**
 * Diffing desired (rendered from Git) against live objects: normalization, ignoreDifferences
 * (JSON pointers, a jq path subset, managed-fields managers), Secret masking, server-side or
 * subset comparison and unified YAML diffs.
 */
export { compareResource, compareResourceSummary, toYaml, unifiedDiff } from './compare';
export type { CompareInput, CompareResult, CompareSummary } from './compare';
export {
  normalize,
  isSecret,
  lastAppliedOf,
  ANNOTATION_LAST_APPLIED,
} from './normalize';
export { maskSecrets, maskSecretValues } from './secrets';
export {
  compileIgnoreRules,
  ruleApplies,
  validateIgnoreDifferences,
  removeIgnored,
} from './ignore';
export type { IgnoreSpec } from './ignore';
export { parseJqPath, jqPaths } from './jqpath';
export type { JqPath } from './jqpath';
export {
  managedPathsOf,
  fieldsV1Paths,
  resolveFieldPath,
} from './managedFields';
export type { FieldSegment } from './managedFields';
export { predictLive, parseQuantity } from './merge';
export { respectIgnoreDifferences } from './respect';
export { parseJsonPointer, formatJsonPointer } from './paths';
export type { Path } from './paths';
