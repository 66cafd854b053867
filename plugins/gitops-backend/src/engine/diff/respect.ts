/**
 * The `RespectIgnoreDifferences=true` sync option: before applying, the fields that
 * ignoreDifferences names take their live values, so a sync does not undo changes the user
 * chose to ignore (e.g. replicas set by an autoscaler).
 */
import type {
  KubeObject,
  ResourceIgnoreDifferences,
} from '@gitops-suite/plugin-gitops-common';
import { keyOf } from '@gitops-suite/plugin-gitops-common';
import { deepClone } from '../objects';
import { compileIgnoreRules, ignoredPaths, removeIgnored } from './ignore';
import { managedPathsOf } from './managedFields';
import { setValueAt, valueAt } from './paths';

/**
 * A copy of `desired` where ignored fields carry the live values (or are left out when live
 * lacks them). Paths through list indexes are only copied when the list exists in desired at
 * that position.
 */
export function respectIgnoreDifferences(
  desired: KubeObject,
  live: KubeObject | undefined,
  rules: readonly ResourceIgnoreDifferences[] | undefined,
  managedFieldsManagers: readonly string[] = [],
): KubeObject {
  if (!live) {
    return deepClone(desired);
  }
  const spec = compileIgnoreRules(rules, keyOf(desired), managedFieldsManagers);
  const owned = managedPathsOf(live, spec.managers);
  const out = deepClone(desired);
  const livePaths = ignoredPaths(live, spec, owned);
  removeIgnored(out, spec, owned);
  for (const path of livePaths) {
    const parentPath = path.slice(0, -1);
    const last = path[path.length - 1];
    const parent = parentPath.length === 0 ? out : valueAt(out, parentPath);
    if (
      typeof last === 'number' &&
      !(Array.isArray(parent) && last <= parent.length)
    ) {
      continue;
    }
    if (
      parentPath.some(seg => typeof seg === 'number') &&
      parent === undefined
    ) {
      continue;
    }
    setValueAt(out, path, deepClone(valueAt(live, path)));
  }
  return out;
}
