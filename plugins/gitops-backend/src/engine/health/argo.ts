/**
 * Health of argoproj.io kinds: Rollout and AnalysisRun (Argo CD's built-in checks for Argo
 * Rollouts, same statuses and messages), Workflow (used as hooks) and Application (only when
 * asked for, as app-of-apps setups configure in Argo CD).
 */
import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import { annotationsOf, isRecord } from '../objects';
import { conditionsOf, health, HealthStatus, num, rec, str } from './types';

/** Lua's tonumber on a field: numbers and numeric strings, else undefined. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value;
  }
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) {
    return Number(value);
  }
  return undefined;
}

/** Rollouts before v0.10 stored a hash in observedGeneration; those always count as observed. */
function isGenerationObserved(obj: KubeObject): boolean {
  if (!isRecord(obj.status)) {
    return false;
  }
  const observed = toNumber(obj.status.observedGeneration);
  const generation = num(obj.metadata.generation);
  if (observed === undefined || observed > generation) {
    return true;
  }
  return observed === generation;
}

/** Rollouts referencing a workload (v1.1+) must also have observed the workload's generation. */
function isWorkloadGenerationObserved(obj: KubeObject): boolean {
  if (
    rec(obj.spec).workloadRef === undefined ||
    obj.metadata.annotations === undefined
  ) {
    return true;
  }
  const wanted = toNumber(
    annotationsOf(obj)['rollout.argoproj.io/workload-generation'],
  );
  const observed = toNumber(rec(obj.status).workloadObservedGeneration);
  return wanted === observed;
}

function rolloutReplicasHealth(obj: KubeObject): HealthStatus | undefined {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  const desired = num(spec.replicas, 1);
  const replicas = num(status.replicas);
  const updated = num(status.updatedReplicas);
  const available = num(status.availableReplicas);
  if (updated < desired) {
    return health(
      'Progressing',
      'Waiting for roll out to finish: More replicas need to be updated',
    );
  }
  if (available < updated) {
    return health(
      'Progressing',
      'Waiting for roll out to finish: updated replicas are still becoming available',
    );
  }
  // Blue-green does not wait for old replicas (their scale-down delay can be long).
  if (rec(spec.strategy).canary !== undefined && replicas > updated) {
    return health(
      'Progressing',
      'Waiting for roll out to finish: old replicas are pending termination',
    );
  }
  return undefined;
}

export function rolloutHealth(obj: KubeObject): HealthStatus {
  if (!isGenerationObserved(obj) || !isWorkloadGenerationObserved(obj)) {
    return health(
      'Progressing',
      'Waiting for rollout spec update to be observed',
    );
  }
  const spec = rec(obj.spec);
  const status = rec(obj.status);

  // Argo Rollouts v1.0+ records its own phase and message.
  if (status.phase !== undefined && status.phase !== null) {
    const phase = str(status.phase);
    return health(
      phase === 'Paused' ? 'Suspended' : (phase as HealthStatus['status']),
      str(status.message),
    );
  }

  for (const condition of conditionsOf(obj)) {
    if (condition.type === 'InvalidSpec') {
      return health('Degraded', condition.message);
    }
    if (
      condition.type === 'Progressing' &&
      (condition.reason === 'RolloutAborted' ||
        condition.reason === 'ProgressDeadlineExceeded')
    ) {
      return health('Degraded', condition.message);
    }
  }

  const pauseConditions = status.pauseConditions;
  if (
    (Array.isArray(pauseConditions) && pauseConditions.length > 0) ||
    spec.paused === true
  ) {
    return health('Suspended', 'Rollout is paused');
  }

  if (status.currentPodHash === undefined || status.currentPodHash === null) {
    return health(
      'Progressing',
      'Waiting for rollout to finish: status has not been reconciled.',
    );
  }
  const currentPodHash = str(status.currentPodHash);

  const replicasHealth = rolloutReplicasHealth(obj);
  if (replicasHealth) {
    return replicasHealth;
  }

  // Since v0.8 the stable ReplicaSet is status.stableRS; before, status.canary.stableRS.
  const stableRS = str(status.stableRS) || str(rec(status.canary).stableRS);
  const strategy = rec(spec.strategy);
  if (strategy.blueGreen !== undefined) {
    if (
      !isRecord(status.blueGreen) ||
      status.blueGreen.activeSelector !== currentPodHash
    ) {
      return health('Progressing', 'active service cutover pending');
    }
    if (stableRS !== '' && stableRS !== currentPodHash) {
      return health('Progressing', 'waiting for analysis to complete');
    }
  } else if (strategy.canary !== undefined) {
    if (stableRS === '' || stableRS !== currentPodHash) {
      return health('Progressing', 'waiting for rollout to finish steps');
    }
  }
  return health('Healthy');
}

const ANALYSIS_PHASES: Record<
  string,
  { status: HealthStatus['status']; message: string }
> = {
  Pending: { status: 'Progressing', message: 'Analysis run is running' },
  Running: { status: 'Progressing', message: 'Analysis run is running' },
  Successful: {
    status: 'Healthy',
    message: 'Analysis run completed successfully',
  },
  Failed: { status: 'Degraded', message: 'Analysis run failed' },
  Error: { status: 'Degraded', message: 'Analysis run had an error' },
  Inconclusive: { status: 'Unknown', message: 'Analysis run was inconclusive' },
};

export function analysisRunHealth(obj: KubeObject): HealthStatus {
  const status = obj.status;
  const phase = isRecord(status) ? str(status.phase) : '';
  if (!isRecord(status) || phase === '') {
    return health(
      'Progressing',
      'Waiting for analysis run to finish: status has not been reconciled.',
    );
  }
  const known = ANALYSIS_PHASES[phase];
  if (!known) {
    return health('Unknown', `unknown analysis run phase "${phase}"`);
  }
  // Running runs report the fixed text; finished ones prefer the run's own message.
  const ownMessage =
    phase === 'Pending' || phase === 'Running' ? '' : str(status.message);
  return health(known.status, ownMessage || known.message);
}

export function workflowHealth(obj: KubeObject): HealthStatus {
  const status = rec(obj.status);
  const message = str(status.message);
  switch (str(status.phase)) {
    case '':
    case 'Pending':
    case 'Running':
      return health('Progressing', message);
    case 'Succeeded':
      return health('Healthy', message);
    case 'Failed':
    case 'Error':
      return health('Degraded', message);
    default:
      return health('Unknown', message);
  }
}

/** A child Application's health is its own reported health (Progressing until it has one). */
export function applicationHealth(obj: KubeObject): HealthStatus {
  const appHealth = rec(rec(obj.status).health);
  if (typeof appHealth.status !== 'string' || appHealth.status === '') {
    return health('Progressing');
  }
  return health(
    appHealth.status as HealthStatus['status'],
    str(appHealth.message),
  );
}
