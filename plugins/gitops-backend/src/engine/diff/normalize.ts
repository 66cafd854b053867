/**
 * Normalization before comparing: removes what the API server owns (managedFields,
 * resourceVersion, uid, generation, timestamps, selfLink, status) and kubectl's
 * last-applied-configuration annotation, and folds a Secret's stringData into data as the
 * server does. Owner references and the tracking annotation are kept.
 */
import { groupOf, KubeObject } from '@gitops-suite/plugin-gitops-common';
import { deepClone, isRecord } from '../objects';

export const ANNOTATION_LAST_APPLIED =
  'kubectl.kubernetes.io/last-applied-configuration';

const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

/** True for core/v1 Secrets. */
export function isSecret(obj: KubeObject | undefined): boolean {
  return !!obj && obj.kind === 'Secret' && groupOf(obj.apiVersion ?? '') === '';
}

/** Folds `stringData` into base64 `data`, as the API server stores Secrets. */
export function foldStringData(obj: KubeObject): void {
  if (!isRecord(obj.stringData)) {
    return;
  }
  const data: Record<string, unknown> = isRecord(obj.data) ? obj.data : {};
  for (const [key, value] of Object.entries(obj.stringData)) {
    data[key] = Buffer.from(String(value), 'utf8').toString('base64');
  }
  obj.data = data;
  delete obj.stringData;
}

/** A normalized copy of an object (the input is not changed). */
export function normalize(obj: KubeObject): KubeObject {
  const copy = deepClone(obj);
  const metadata = isRecord(copy.metadata) ? copy.metadata : {};
  for (const field of SERVER_METADATA) {
    delete metadata[field];
  }
  if (isRecord(metadata.annotations)) {
    delete metadata.annotations[ANNOTATION_LAST_APPLIED];
    if (Object.keys(metadata.annotations).length === 0)
      delete metadata.annotations;
  }
  if (isRecord(metadata.labels) && Object.keys(metadata.labels).length === 0) {
    delete metadata.labels;
  }
  copy.metadata = metadata;
  delete copy.status;
  if (isSecret(copy)) {
    foldStringData(copy);
  }
  return copy;
}

/** The last-applied-configuration of a live object, normalized; undefined when absent/invalid. */
export function lastAppliedOf(
  live: KubeObject | undefined,
): KubeObject | undefined {
  const text = live?.metadata?.annotations?.[ANNOTATION_LAST_APPLIED];
  if (typeof text !== 'string' || text.trim() === '') {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) && isRecord(parsed.metadata)
      ? normalize(parsed as KubeObject)
      : undefined;
  } catch {
    return undefined;
  }
}
