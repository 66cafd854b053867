/**
 * HorizontalPodAutoscaler health: autoscaling/v1 keeps its conditions in the
 * `autoscaling.alpha.kubernetes.io/conditions` annotation, v2 in `status.conditions`. Any
 * condition naming a failure degrades the HPA; otherwise AbleToScale or ScalingLimited being
 * True makes it Healthy; otherwise it is still waiting to autoscale.
 */
import type { Condition, KubeObject } from '@gitops-suite/plugin-gitops-common';
import { annotationOf, isRecord } from '../objects';
import { conditionsOf, health, HealthStatus } from './types';

const WAITING: HealthStatus = {
  status: 'Progressing',
  message: 'Waiting to Autoscale',
};

const DEGRADED_REASONS: Record<string, string[]> = {
  AbleToScale: ['FailedGetScale', 'FailedUpdateScale'],
  ScalingActive: [
    'FailedGetResourceMetric',
    'FailedGetObjectMetric',
    'FailedGetPodsMetric',
    'FailedGetExternalMetric',
    'FailedComputeMetricsReplicas',
    'InvalidSelector',
  ],
};

function fromConditions(conditions: Condition[]): HealthStatus {
  const degraded = conditions.find(c =>
    (DEGRADED_REASONS[c.type] ?? []).includes(c.reason ?? ''),
  );
  if (degraded) {
    return health('Degraded', degraded.message);
  }
  const healthy = conditions.find(
    c =>
      (c.type === 'AbleToScale' || c.type === 'ScalingLimited') &&
      c.status === 'True',
  );
  if (healthy) {
    return health('Healthy', healthy.message);
  }
  return { ...WAITING };
}

export function hpaHealth(obj: KubeObject): HealthStatus {
  switch (obj.apiVersion) {
    case 'autoscaling/v1': {
      const annotation = annotationOf(
        obj,
        'autoscaling.alpha.kubernetes.io/conditions',
      );
      if (annotation === undefined) {
        return { ...WAITING };
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(annotation);
      } catch (e) {
        return health(
          'Unknown',
          `failed to convert conditions annotation to typed: ${
            (e as Error).message
          }`,
        );
      }
      if (!Array.isArray(parsed)) {
        return health(
          'Unknown',
          'failed to convert conditions annotation to typed: not a list',
        );
      }
      const conditions = parsed.filter(
        (c): c is Condition => isRecord(c) && typeof c.type === 'string',
      );
      return conditions.length === 0
        ? { ...WAITING }
        : fromConditions(conditions);
    }
    case 'autoscaling/v2':
    case 'autoscaling/v2beta1':
    case 'autoscaling/v2beta2':
      return fromConditions(conditionsOf(obj));
    default:
      return health(
        'Unknown',
        `unsupported HPA GVK: ${obj.apiVersion}, Kind=${obj.kind}`,
      );
  }
}
