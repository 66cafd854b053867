/**
 * Pod health, following Argo CD: container errors (Err*, *Error, *BackOff) degrade pods that
 * restart forever; pods with a finite life (restartPolicy Never/OnFailure, typically hooks)
 * stay Progressing while running so a transient error does not fail a hook early.
 */
import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import { annotationOf, isRecord } from '../objects';
import {
  conditionsOf,
  findCondition,
  health,
  HealthStatus,
  num,
  rec,
  str,
} from './types';

/** Pods annotated with this act as if their restartPolicy were Always (unless they are hooks). */
export const ANNOTATION_IGNORE_RESTART_POLICY =
  'argocd.argoproj.io/ignore-restart-policy';

interface ContainerStatusLike {
  name: string;
  state: Record<string, unknown>;
  lastState: Record<string, unknown>;
}

function containerStatuses(value: unknown): ContainerStatusLike[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.filter(isRecord).map(c => ({
    name: str(c.name),
    state: rec(c.state),
    lastState: rec(c.lastState),
  }));
}

function isHookObject(obj: KubeObject): boolean {
  return (
    annotationOf(obj, 'argocd.argoproj.io/hook') !== undefined ||
    annotationOf(obj, 'helm.sh/hook') !== undefined
  );
}

function failMessage(ctr: ContainerStatusLike): string {
  if (!isRecord(ctr.state.terminated)) {
    return '';
  }
  const terminated = ctr.state.terminated;
  if (str(terminated.message)) {
    return str(terminated.message);
  }
  if (terminated.reason === 'OOMKilled') {
    return 'OOMKilled';
  }
  const exitCode = num(terminated.exitCode);
  if (exitCode !== 0) {
    return `container "${ctr.name}" failed with exit code ${exitCode}`;
  }
  return '';
}

export function podHealth(obj: KubeObject): HealthStatus {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  const message = str(status.message);
  const policy = str(spec.restartPolicy) || 'Always';
  const restartsForever =
    policy === 'Always' ||
    (annotationOf(obj, ANNOTATION_IGNORE_RESTART_POLICY) === 'true' &&
      !isHookObject(obj));
  const containers = containerStatuses(status.containerStatuses);

  if (restartsForever) {
    const errors: string[] = [];
    for (const ctr of containers) {
      const waiting = ctr.state.waiting;
      if (!isRecord(waiting)) {
        continue;
      }
      const reason = str(waiting.reason);
      if (
        reason.startsWith('Err') ||
        reason.endsWith('Error') ||
        reason.endsWith('BackOff')
      ) {
        errors.push(str(waiting.message));
      }
    }
    if (errors.length > 0) {
      return health('Degraded', errors.join(', '));
    }
  }

  switch (status.phase) {
    case 'Pending':
      return health('Progressing', message);
    case 'Succeeded':
      return health('Healthy', message);
    case 'Failed': {
      if (message) {
        return health('Degraded', message);
      }
      const all = [
        ...containerStatuses(status.initContainerStatuses),
        ...containers,
      ];
      for (const ctr of all) {
        const msg = failMessage(ctr);
        if (msg) {
          return health('Degraded', msg);
        }
      }
      return health('Degraded');
    }
    case 'Running': {
      if (!restartsForever) {
        // Finite-life pods (usually hooks) are Progressing until they end.
        return health('Progressing', message);
      }
      if (findCondition(conditionsOf(obj), 'Ready')?.status === 'True') {
        return health('Healthy', message);
      }
      if (containers.some(ctr => isRecord(ctr.lastState.terminated))) {
        return health('Degraded', message);
      }
      return health('Progressing', message);
    }
    default:
      return health('Unknown', message);
  }
}
