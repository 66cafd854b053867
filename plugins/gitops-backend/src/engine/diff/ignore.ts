/**
 * `ignoreDifferences` (Argo CD's spec: group, kind, name, namespace with jsonPointers,
 * jqPathExpressions and managedFieldsManagers): selects the rules that apply to a resource and
 * removes the fields they name from a document.
 */
import type {
  ResourceIgnoreDifferences,
  ResourceKey,
} from '@gitops-suite/plugin-gitops-common';
import { parseJqPath, jqPaths, JqPath } from './jqpath';
import { FieldSegment, resolveFieldPath } from './managedFields';
import { parseJsonPointer, Path, removePaths, resolvePointer } from './paths';

/** The compiled rules applying to one resource. */
export interface IgnoreSpec {
  jsonPointers: string[][];
  jqPaths: JqPath[];
  managers: string[];
}

function matches(pattern: string | undefined, value: string): boolean {
  return (
    pattern === undefined ||
    pattern === '' ||
    pattern === '*' ||
    pattern === value
  );
}

/** True when a rule applies to the resource (group defaults to the core group ""). */
export function ruleApplies(
  rule: ResourceIgnoreDifferences,
  key: ResourceKey,
): boolean {
  const group = rule.group ?? '';
  return (
    (group === '*' || group === key.group) &&
    (rule.kind === '*' || rule.kind === key.kind) &&
    matches(rule.name, key.name) &&
    matches(rule.namespace, key.namespace)
  );
}

/** Compiles the rules applying to a resource; invalid pointers or jq paths throw. */
export function compileIgnoreRules(
  rules: readonly ResourceIgnoreDifferences[] | undefined,
  key: ResourceKey,
  extraManagers: readonly string[] = [],
): IgnoreSpec {
  const spec: IgnoreSpec = {
    jsonPointers: [],
    jqPaths: [],
    managers: [...extraManagers],
  };
  for (const rule of rules ?? []) {
    if (!ruleApplies(rule, key)) continue;
    for (const pointer of rule.jsonPointers ?? []) {
      spec.jsonPointers.push(parseJsonPointer(pointer));
    }
    for (const expr of rule.jqPathExpressions ?? []) {
      spec.jqPaths.push(parseJqPath(expr));
    }
    spec.managers.push(...(rule.managedFieldsManagers ?? []));
  }
  spec.managers = [...new Set(spec.managers)];
  return spec;
}

/** Problems in ignoreDifferences rules (bad pointers, unsupported jq), for validation. */
export function validateIgnoreDifferences(
  rules: readonly ResourceIgnoreDifferences[] | undefined,
): string[] {
  const errors: string[] = [];
  (rules ?? []).forEach((rule, i) => {
    for (const pointer of rule.jsonPointers ?? []) {
      try {
        parseJsonPointer(pointer);
      } catch (e) {
        errors.push(`ignoreDifferences[${i}]: ${(e as Error).message}`);
      }
    }
    for (const expr of rule.jqPathExpressions ?? []) {
      try {
        parseJqPath(expr);
      } catch (e) {
        errors.push(`ignoreDifferences[${i}]: ${(e as Error).message}`);
      }
    }
  });
  return errors;
}

/** The concrete paths of a document the spec ignores. */
export function ignoredPaths(
  doc: Record<string, unknown>,
  spec: IgnoreSpec,
  ownedFields: readonly FieldSegment[][] = [],
): Path[] {
  const paths: Path[] = [];
  for (const pointer of spec.jsonPointers) {
    const path = resolvePointer(doc, pointer);
    if (path && path.length > 0) paths.push(path);
  }
  for (const jq of spec.jqPaths) {
    paths.push(...jqPaths(doc, jq));
  }
  for (const owned of ownedFields) {
    const path = resolveFieldPath(doc, owned);
    if (path && path.length > 0) paths.push(path);
  }
  return paths;
}

/** Removes the ignored fields from a document in place. */
export function removeIgnored(
  doc: Record<string, unknown> | undefined,
  spec: IgnoreSpec,
  ownedFields: readonly FieldSegment[][] = [],
): void {
  if (doc) {
    removePaths(doc, ignoredPaths(doc, spec, ownedFields));
  }
}
