/**
 * Argo CD's annotation tracking: `argocd.argoproj.io/tracking-id` holds
 * `<app-name>:<group>/<kind>:<namespace>/<name>`, so a live object is known to belong to an
 * Application, and copies of the annotation on other objects (e.g. pods stamped from a
 * template) are not mistaken for managed ones.
 */
import {
  ANNOTATION_TRACKING_ID,
  groupOf,
  KubeObject,
} from '@gitops-suite/plugin-gitops-common';
import { annotationOf } from './objects';

/** The parts of a tracking id. */
export interface TrackingId {
  appName: string;
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/** Renders a tracking id. */
export function formatTrackingId(id: TrackingId): string {
  return `${id.appName}:${id.group}/${id.kind}:${id.namespace}/${id.name}`;
}

const TRACKING_ID = /^([^:/]+):([^/:]*)\/([^/:]+):([^/:]*)\/([^/:]+)$/;

/** Parses a tracking id, or undefined when it is not one. */
export function parseTrackingId(
  value: string | undefined,
): TrackingId | undefined {
  if (!value) {
    return undefined;
  }
  const m = TRACKING_ID.exec(value.trim());
  if (!m) {
    return undefined;
  }
  return {
    appName: m[1],
    group: m[2],
    kind: m[3],
    namespace: m[4],
    name: m[5],
  };
}

/** The tracking id an Application writes on one of its objects. */
export function trackingIdFor(obj: KubeObject, appName: string): string {
  return formatTrackingId({
    appName,
    group: groupOf(obj.apiVersion),
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? obj.metadata.generateName ?? '',
  });
}

/**
 * True when the object carries a tracking id naming `appName` AND the object itself (group,
 * kind, name and namespace), as Argo CD checks.
 */
export function isTrackedBy(obj: KubeObject, appName: string): boolean {
  const id = parseTrackingId(annotationOf(obj, ANNOTATION_TRACKING_ID));
  if (!id || id.appName !== appName) {
    return false;
  }
  return (
    id.group === groupOf(obj.apiVersion) &&
    id.kind === obj.kind &&
    id.name === (obj.metadata.name ?? '') &&
    id.namespace === (obj.metadata.namespace ?? '')
  );
}

/** The Application named by an object's tracking id (if it matches the object). */
export function trackingAppOf(obj: KubeObject): string | undefined {
  const id = parseTrackingId(annotationOf(obj, ANNOTATION_TRACKING_ID));
  return id && isTrackedBy(obj, id.appName) ? id.appName : undefined;
}

/** A copy of a desired object with the tracking annotation set for `appName`. */
export function setTrackingAnnotation<T extends KubeObject>(
  obj: T,
  appName: string,
): T {
  if (!appName || appName.includes(':') || appName.includes('/')) {
    throw new Error(`invalid Application name "${appName}" for a tracking id`);
  }
  // Only metadata changes: the rest is shared with `obj` (rendered manifests are frozen and
  // cached, so sharing is safe and keeps one copy of each manifest in memory).
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      annotations: {
        ...(obj.metadata.annotations ?? {}),
        [ANNOTATION_TRACKING_ID]: trackingIdFor(obj, appName),
      },
    },
  };
}
