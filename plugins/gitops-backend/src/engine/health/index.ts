/**
 * Resource health as Argo CD assesses it: built-in rules per kind, Argo Rollouts' checks, a
 * condition-based fallback, and the aggregation of many statuses into an Application's health.
 */
import type {
  HealthStatusCode,
  KubeObject,
} from '@gitops-suite/plugin-gitops-common';
import { groupOf } from '@gitops-suite/plugin-gitops-common';
import {
  analysisRunHealth,
  applicationHealth,
  rolloutHealth,
  workflowHealth,
} from './argo';
import {
  apiServiceHealth,
  crdHealth,
  ingressHealth,
  jobHealth,
  pvcHealth,
  serviceHealth,
} from './core';
import { genericConditionHealth } from './generic';
import { hpaHealth } from './hpa';
import { podHealth } from './pod';
import type { HealthOptions, HealthRule, HealthStatus } from './types';
import {
  daemonSetHealth,
  deploymentHealth,
  replicaSetHealth,
  statefulSetHealth,
} from './workloads';

export type { HealthOptions, HealthStatus } from './types';
export { ANNOTATION_IGNORE_RESTART_POLICY } from './pod';

/** Hooks carrying this finalizer are still reported while being deleted. */
export const HOOK_FINALIZER = 'argocd.argoproj.io/hook-finalizer';

const RULES: Record<string, HealthRule> = {
  'apps/Deployment': deploymentHealth,
  'apps/StatefulSet': statefulSetHealth,
  'apps/ReplicaSet': replicaSetHealth,
  'apps/DaemonSet': daemonSetHealth,
  'extensions/Ingress': ingressHealth,
  'networking.k8s.io/Ingress': ingressHealth,
  '/Service': serviceHealth,
  '/PersistentVolumeClaim': pvcHealth,
  '/Pod': podHealth,
  'batch/Job': jobHealth,
  'autoscaling/HorizontalPodAutoscaler': hpaHealth,
  'apiregistration.k8s.io/APIService': apiServiceHealth,
  'apiextensions.k8s.io/CustomResourceDefinition': crdHealth,
  'argoproj.io/Rollout': rolloutHealth,
  'argoproj.io/AnalysisRun': analysisRunHealth,
  'argoproj.io/Workflow': workflowHealth,
  'argoproj.io/Application': (obj, opts) =>
    opts.applicationHealth ? applicationHealth(obj) : undefined,
};

/**
 * The health of a live object, or undefined when Argo CD gives none for it (ConfigMaps,
 * Secrets, child Applications by default, custom resources without readiness conditions...).
 */
export function getResourceHealth(
  obj: KubeObject,
  opts: HealthOptions = {},
): HealthStatus | undefined {
  const finalizers = obj.metadata?.finalizers ?? [];
  if (obj.metadata?.deletionTimestamp && !finalizers.includes(HOOK_FINALIZER)) {
    return { status: 'Progressing', message: 'Pending deletion' };
  }
  const rule = RULES[`${groupOf(obj.apiVersion ?? '')}/${obj.kind}`];
  if (rule) {
    return rule(obj, opts);
  }
  return genericConditionHealth(obj);
}

/** Argo CD's order, from most to least healthy. */
export const HEALTH_ORDER: readonly HealthStatusCode[] = [
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
];

/** True when `candidate` is a worse health than `current`. */
export function isWorseHealth(
  current: HealthStatusCode,
  candidate: HealthStatusCode,
): boolean {
  return HEALTH_ORDER.indexOf(candidate) > HEALTH_ORDER.indexOf(current);
}

/**
 * The worst of several statuses by Argo CD's order; undefined entries (resources without
 * health) are ignored, and nothing to aggregate is Healthy, as for an Application.
 */
export function aggregateHealth(
  statuses: ReadonlyArray<HealthStatusCode | HealthStatus | undefined | null>,
): HealthStatusCode {
  let worst: HealthStatusCode = 'Healthy';
  for (const entry of statuses) {
    const code = typeof entry === 'string' ? entry : entry?.status;
    if (code && HEALTH_ORDER.includes(code) && isWorseHealth(worst, code)) {
      worst = code;
    }
  }
  return worst;
}
