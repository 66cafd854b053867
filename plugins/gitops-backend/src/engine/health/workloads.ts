/**
 * Health of the apps/v1 workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet), with the
 * rules and messages of Argo CD's built-in checks.
 */
import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import {
  conditionsOf,
  findCondition,
  health,
  HealthStatus,
  num,
  rec,
  str,
} from './types';

export function deploymentHealth(obj: KubeObject): HealthStatus {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  const name = obj.metadata.name ?? '';
  if (spec.paused === true) {
    return health('Suspended', 'Deployment is paused');
  }
  if (num(obj.metadata.generation) > num(status.observedGeneration)) {
    return health(
      'Progressing',
      'Waiting for rollout to finish: observed deployment generation less than desired generation',
    );
  }
  const progressing = findCondition(conditionsOf(obj), 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return health(
      'Degraded',
      `Deployment "${name}" exceeded its progress deadline`,
    );
  }
  const updated = num(status.updatedReplicas);
  const replicas = num(status.replicas);
  const available = num(status.availableReplicas);
  if (spec.replicas !== undefined && updated < num(spec.replicas)) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${updated} out of ${num(
        spec.replicas,
      )} new replicas have been updated...`,
    );
  }
  if (replicas > updated) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${
        replicas - updated
      } old replicas are pending termination...`,
    );
  }
  if (available < updated) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`,
    );
  }
  return health('Healthy');
}

export function statefulSetHealth(obj: KubeObject): HealthStatus {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  const observed = num(status.observedGeneration);
  if (observed === 0 || num(obj.metadata.generation) > observed) {
    return health(
      'Progressing',
      'Waiting for statefulset spec update to be observed...',
    );
  }
  const ready = num(status.readyReplicas);
  if (spec.replicas !== undefined && ready < num(spec.replicas)) {
    return health(
      'Progressing',
      `Waiting for ${num(spec.replicas) - ready} pods to be ready...`,
    );
  }
  const strategy = rec(spec.updateStrategy);
  const updated = num(status.updatedReplicas);
  if (
    strategy.type === 'RollingUpdate' &&
    strategy.rollingUpdate !== undefined
  ) {
    const partition = rec(strategy.rollingUpdate).partition;
    if (spec.replicas !== undefined && partition !== undefined) {
      const expected = num(spec.replicas) - num(partition);
      if (updated < expected) {
        return health(
          'Progressing',
          `Waiting for partitioned roll out to finish: ${updated} out of ${expected} new pods have been updated...`,
        );
      }
      return health(
        'Healthy',
        `partitioned roll out complete: ${updated} new pods have been updated...`,
      );
    }
  }
  if (strategy.type === 'OnDelete') {
    return health('Healthy', `statefulset has ${ready} ready pods`);
  }
  const updateRevision = str(status.updateRevision);
  const currentRevision = str(status.currentRevision);
  if (updateRevision !== currentRevision) {
    return health(
      'Progressing',
      `waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision}...`,
    );
  }
  return health(
    'Healthy',
    `statefulset rolling update complete ${num(
      status.currentReplicas,
    )} pods at revision ${currentRevision}...`,
  );
}

export function daemonSetHealth(obj: KubeObject): HealthStatus {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  const name = obj.metadata.name ?? '';
  if (num(obj.metadata.generation) > num(status.observedGeneration)) {
    return health(
      'Progressing',
      'Waiting for rollout to finish: observed daemon set generation less than desired generation',
    );
  }
  const desired = num(status.desiredNumberScheduled);
  const updated = num(status.updatedNumberScheduled);
  const available = num(status.numberAvailable);
  if (rec(spec.updateStrategy).type === 'OnDelete') {
    return health(
      'Healthy',
      `daemon set ${updated} out of ${desired} new pods have been updated`,
    );
  }
  if (updated < desired) {
    return health(
      'Progressing',
      `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    );
  }
  if (available < desired) {
    return health(
      'Progressing',
      `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
    );
  }
  return health('Healthy');
}

export function replicaSetHealth(obj: KubeObject): HealthStatus {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  if (num(obj.metadata.generation) > num(status.observedGeneration)) {
    return health(
      'Progressing',
      'Waiting for rollout to finish: observed replica set generation less than desired generation',
    );
  }
  const failure = findCondition(conditionsOf(obj), 'ReplicaFailure');
  if (failure?.status === 'True') {
    return health('Degraded', failure.message);
  }
  const available = num(status.availableReplicas);
  if (spec.replicas !== undefined && available < num(spec.replicas)) {
    return health(
      'Progressing',
      `Waiting for rollout to finish: ${available} out of ${num(
        spec.replicas,
      )} new replicas are available...`,
    );
  }
  return health('Healthy');
}
