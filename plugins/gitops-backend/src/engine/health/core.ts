/**
 * Health of core and networking kinds without replicas: Service, Ingress, PersistentVolumeClaim,
 * Job, APIService and CustomResourceDefinition, as Argo CD's built-in checks read them.
 */
import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import { conditionsOf, health, HealthStatus, rec } from './types';

function hasLoadBalancerIngress(obj: KubeObject): boolean {
  const ingress = rec(rec(obj.status).loadBalancer).ingress;
  return Array.isArray(ingress) && ingress.length > 0;
}

export function serviceHealth(obj: KubeObject): HealthStatus {
  if (rec(obj.spec).type === 'LoadBalancer' && !hasLoadBalancerIngress(obj)) {
    return health('Progressing');
  }
  return health('Healthy');
}

export function ingressHealth(obj: KubeObject): HealthStatus {
  return health(hasLoadBalancerIngress(obj) ? 'Healthy' : 'Progressing');
}

export function pvcHealth(obj: KubeObject): HealthStatus {
  switch (rec(obj.status).phase) {
    case 'Lost':
      return health('Degraded');
    case 'Pending':
      return health('Progressing');
    case 'Bound':
      return health('Healthy');
    default:
      return health('Unknown');
  }
}

export function jobHealth(obj: KubeObject): HealthStatus {
  let failed = false;
  let complete = false;
  let suspended = false;
  let failMessage = '';
  let message = '';
  for (const condition of conditionsOf(obj)) {
    switch (condition.type) {
      case 'Failed':
        failed = true;
        complete = true;
        failMessage = condition.message ?? '';
        break;
      case 'Complete':
        complete = true;
        message = condition.message ?? '';
        break;
      case 'Suspended':
        complete = true;
        message = condition.message ?? '';
        if (condition.status === 'True') {
          suspended = true;
        }
        break;
      default:
        break;
    }
  }
  if (!complete) {
    return health('Progressing', message);
  }
  if (failed) {
    return health('Degraded', failMessage);
  }
  if (suspended) {
    return health('Suspended', failMessage);
  }
  return health('Healthy', message);
}

export function apiServiceHealth(obj: KubeObject): HealthStatus {
  for (const condition of conditionsOf(obj)) {
    if (condition.type === 'Available') {
      const text = `${condition.reason ?? ''}: ${condition.message ?? ''}`;
      return health(
        condition.status === 'True' ? 'Healthy' : 'Progressing',
        text,
      );
    }
  }
  return health('Progressing', 'Waiting to be processed');
}

export function crdHealth(obj: KubeObject): HealthStatus {
  const conditions = conditionsOf(obj);
  if (conditions.length === 0) {
    return health('Progressing', 'Status conditions not found');
  }
  // Each problem keeps its own condition's message.
  const byType = (type: string, status: string) =>
    conditions.find(c => c.type === type && c.status === status);
  const terminating = byType('Terminating', 'True');
  const namesRejected = byType('NamesAccepted', 'False');
  const established = byType('Established', 'True');
  const notEstablished = conditions.find(
    c => c.type === 'Established' && c.status !== 'True',
  );
  const violations = byType('NonStructuralSchema', 'True');
  if (terminating) {
    return health(
      'Progressing',
      `CRD is being terminated: ${terminating.message ?? ''}`,
    );
  }
  if (namesRejected) {
    return health(
      'Degraded',
      `CRD names have not been accepted: ${namesRejected.message ?? ''}`,
    );
  }
  if (!established) {
    return health(
      'Degraded',
      `CRD is not established: ${notEstablished?.message ?? ''}`,
    );
  }
  if (violations) {
    return health(
      'Degraded',
      `Schema violations found: ${violations.message ?? ''}`,
    );
  }
  return health('Healthy', 'CRD is healthy');
}
