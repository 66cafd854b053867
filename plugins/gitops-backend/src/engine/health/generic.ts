/**
 * Health for kinds without a built-in rule, read from their `status.conditions`: the usual
 * Ready / Available / Healthy condition (and kstatus' Stalled / Reconciling). Objects without
 * such conditions get no health, as in Argo CD.
 */
import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import {
  conditionsOf,
  findCondition,
  health,
  HealthStatus,
  num,
  rec,
} from './types';

const READINESS_TYPES = ['Ready', 'Available', 'Healthy'];
const PROGRESS_REASON =
  /progress|reconcil|pending|creating|updating|waiting|deploying|initiali/i;

export function genericConditionHealth(
  obj: KubeObject,
): HealthStatus | undefined {
  const conditions = conditionsOf(obj);
  const readiness = READINESS_TYPES.map(t => findCondition(conditions, t)).find(
    c => c,
  );
  const stalled = findCondition(conditions, 'Stalled');
  const reconciling = findCondition(conditions, 'Reconciling');
  if (!readiness && !stalled && !reconciling) {
    return undefined;
  }
  const status = rec(obj.status);
  if (
    typeof status.observedGeneration === 'number' &&
    num(obj.metadata.generation) > status.observedGeneration
  ) {
    return health('Progressing', 'Waiting for spec update to be observed');
  }
  if (stalled?.status === 'True') {
    return health('Degraded', stalled.message ?? stalled.reason);
  }
  if (reconciling?.status === 'True') {
    return health('Progressing', reconciling.message ?? reconciling.reason);
  }
  if (!readiness) {
    return undefined;
  }
  if (readiness.status === 'True') {
    return health('Healthy', readiness.message);
  }
  if (
    readiness.status === 'False' &&
    !PROGRESS_REASON.test(readiness.reason ?? '')
  ) {
    return health('Degraded', readiness.message ?? readiness.reason);
  }
  return health('Progressing', readiness.message ?? readiness.reason);
}
