/**
 * Compares the desired state of one resource (rendered from Git) with its live state, as Argo
 * CD does: normalize both, drop ignored fields, then either compare with a server-side-apply
 * dry-run result (`predictedLive`) or check that desired is a subset of live. Produces the
 * sync status, the changed paths, and YAML plus a unified diff with Secret values masked.
 */
import { createTwoFilesPatch } from 'diff';
import * as jsonpatch from 'fast-json-patch';
import { stringify } from 'yaml';
import {
  formatResourceKey,
  KubeObject,
  keyOf,
  ResourceIgnoreDifferences,
} from '@gitops-suite/plugin-gitops-common';
import { deepEqual } from '../objects';
import { compileIgnoreRules, removeIgnored } from './ignore';
import { managedPathsOf } from './managedFields';
import { predictLive } from './merge';
import { lastAppliedOf, normalize } from './normalize';
import { maskSecrets, maskSecretValues } from './secrets';

export interface CompareInput {
  /** The object rendered from Git; undefined when the live object is a prune candidate. */
  desired?: KubeObject;
  /** The object in the cluster; undefined when missing. */
  live?: KubeObject;
  /** The result of a server-side-apply dry-run of `desired` (server-side diff mode). */
  predictedLive?: KubeObject;
  /** The Application's ignoreDifferences (rules not matching this resource are skipped). */
  ignoreDifferences?: readonly ResourceIgnoreDifferences[];
  /** Field managers whose fields are ignored for every resource (system-level setting). */
  managedFieldsManagers?: readonly string[];
}

/** The verdict of a comparison, without the objects and texts behind it. */
export interface CompareSummary {
  status: 'Synced' | 'OutOfSync';
  /** Set when the resource is live but no longer desired. */
  requiresPruning?: boolean;
  /** `server-side` when predictedLive was used, else `subset`. */
  mode: 'server-side' | 'subset';
  /** JSON Pointers of the fields that differ (never values). */
  changedPaths: string[];
}

export interface CompareResult extends CompareSummary {
  /** Normalized live object, ignored fields removed, Secret values masked. */
  normalizedLive?: KubeObject;
  /** Normalized desired object, ignored fields removed, Secret values masked. */
  normalizedDesired?: KubeObject;
  /** What live would look like after the sync (masked); the right side of `diff`. */
  predictedLive?: KubeObject;
  /** YAML of normalizedLive (sorted keys), '' when missing. */
  liveYaml: string;
  /** YAML of predictedLive (sorted keys), '' when pruned. */
  desiredYaml: string;
  /** Unified diff live → predicted ('' when equal). */
  diff: string;
}

/** YAML with sorted keys, so diffs are stable (no masking: callers mask first). */
function yamlOf(obj: KubeObject | undefined): string {
  return obj ? stringify(obj, { sortMapEntries: true, lineWidth: 0 }) : '';
}

/** YAML of an object with sorted keys; Secret values are always masked. */
export function toYaml(obj: KubeObject | undefined): string {
  return yamlOf(obj ? maskSecrets(obj) : undefined);
}

/** A unified diff between two texts, without the `===` banner; '' when equal. */
export function unifiedDiff(
  before: string,
  after: string,
  name = 'resource',
): string {
  if (before === after) return '';
  const patch = createTwoFilesPatch(
    `live/${name}`,
    `desired/${name}`,
    before,
    after,
    undefined,
    undefined,
    {
      context: 3,
    },
  );
  return patch.replace(/^=+\n/, '');
}

/** Normalizes both sides, drops ignored fields and decides; the objects stay unmasked. */
function compareNormalized(input: CompareInput) {
  const { desired, live, predictedLive } = input;
  const reference = desired ?? live ?? predictedLive;
  if (!reference) {
    throw new Error('compareResource needs a desired or a live object');
  }
  const key = keyOf(reference);
  const mode: CompareResult['mode'] = predictedLive ? 'server-side' : 'subset';
  const spec = compileIgnoreRules(
    input.ignoreDifferences,
    key,
    input.managedFieldsManagers ?? [],
  );
  const owned = managedPathsOf(live, spec.managers);

  const liveN = live ? normalize(live) : undefined;
  const desiredN = desired ? normalize(desired) : undefined;
  let predicted: KubeObject | undefined;
  if (!desired) {
    predicted = undefined;
  } else if (predictedLive) {
    predicted = normalize(predictedLive);
  } else if (liveN && desiredN) {
    predicted = predictLive(liveN, desiredN, lastAppliedOf(live)) as KubeObject;
  } else {
    predicted = desiredN;
  }

  removeIgnored(liveN, spec, owned);
  removeIgnored(desiredN, spec, owned);
  removeIgnored(predicted, spec, owned);

  const synced = !!liveN && !!predicted && deepEqual(liveN, predicted);
  const summary: CompareSummary = {
    status: synced ? 'Synced' : 'OutOfSync',
    mode,
    // Paths name keys only, never values, so they are safe for Secrets too.
    changedPaths: synced ? [] : jsonpatch.compare(liveN ?? {}, predicted ?? {}).map(op => op.path),
  };
  if (!desired && live) summary.requiresPruning = true;
  return { summary, key, liveN, desiredN, predicted };
}

/**
 * The verdict alone: what a reconciler keeps for every resource. Skips masking, YAML and
 * the text diff, which only a reader of the diff needs.
 */
export function compareResourceSummary(input: CompareInput): CompareSummary {
  return compareNormalized(input).summary;
}

/** Compares one resource's desired and live states, with masked objects, YAML and diff. */
export function compareResource(input: CompareInput): CompareResult {
  const { summary, key, liveN, desiredN, predicted } = compareNormalized(input);

  // Everything leaving this function is masked; masks are shared so equal values match.
  const [mLive, mDesired, mPredicted] = maskSecretValues([
    liveN,
    desiredN,
    predicted,
  ]);
  const liveYaml = yamlOf(mLive);
  const desiredYaml = yamlOf(mPredicted);
  const name = formatResourceKey(key).replace(/^\//, 'core/');

  const result: CompareResult = {
    ...summary,
    liveYaml,
    desiredYaml,
    diff: summary.status === 'Synced' ? '' : unifiedDiff(liveYaml, desiredYaml, name),
  };
  if (mLive) result.normalizedLive = mLive;
  if (mDesired) result.normalizedDesired = mDesired;
  if (mPredicted) result.predictedLive = mPredicted;
  return result;
}
