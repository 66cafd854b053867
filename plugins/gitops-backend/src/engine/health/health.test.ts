import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import {
  aggregateHealth,
  getResourceHealth,
  HOOK_FINALIZER,
  isWorseHealth,
} from './index';

function obj(
  apiVersion: string,
  kind: string,
  rest: Partial<KubeObject> = {},
): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: { name: 'x', namespace: 'ns', ...(rest.metadata ?? {}) },
    ...rest,
  } as KubeObject;
}

describe('workload health messages', () => {
  it('reports a paused Deployment as Suspended', () => {
    const d = obj('apps/v1', 'Deployment', {
      spec: { paused: true },
      status: {},
    });
    expect(getResourceHealth(d)).toEqual({
      status: 'Suspended',
      message: 'Deployment is paused',
    });
  });

  it('waits for the generation to be observed', () => {
    const d = obj('apps/v1', 'Deployment', {
      metadata: { name: 'web', generation: 3 },
      spec: { replicas: 1 },
      status: { observedGeneration: 2 },
    });
    expect(getResourceHealth(d)?.message).toBe(
      'Waiting for rollout to finish: observed deployment generation less than desired generation',
    );
  });

  it('counts updated, old and available replicas', () => {
    const base = {
      metadata: { name: 'web', generation: 1 },
      spec: { replicas: 3 },
    };
    expect(
      getResourceHealth(
        obj('apps/v1', 'Deployment', {
          ...base,
          status: { observedGeneration: 1, updatedReplicas: 1, replicas: 3 },
        }),
      ),
    ).toEqual({
      status: 'Progressing',
      message:
        'Waiting for rollout to finish: 1 out of 3 new replicas have been updated...',
    });
    expect(
      getResourceHealth(
        obj('apps/v1', 'Deployment', {
          ...base,
          status: { observedGeneration: 1, updatedReplicas: 3, replicas: 4 },
        }),
      )?.message,
    ).toBe(
      'Waiting for rollout to finish: 1 old replicas are pending termination...',
    );
    expect(
      getResourceHealth(
        obj('apps/v1', 'Deployment', {
          ...base,
          status: {
            observedGeneration: 1,
            updatedReplicas: 3,
            replicas: 3,
            availableReplicas: 2,
          },
        }),
      )?.message,
    ).toBe(
      'Waiting for rollout to finish: 2 of 3 updated replicas are available...',
    );
    expect(
      getResourceHealth(
        obj('apps/v1', 'Deployment', {
          ...base,
          status: {
            observedGeneration: 1,
            updatedReplicas: 3,
            replicas: 3,
            availableReplicas: 3,
          },
        }),
      ),
    ).toEqual({ status: 'Healthy' });
  });

  it('degrades a Deployment past its progress deadline', () => {
    const d = obj('apps/v1', 'Deployment', {
      metadata: { name: 'web', generation: 1 },
      spec: { replicas: 1 },
      status: {
        observedGeneration: 1,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
          },
        ],
      },
    });
    expect(getResourceHealth(d)).toEqual({
      status: 'Degraded',
      message: 'Deployment "web" exceeded its progress deadline',
    });
  });

  it('follows StatefulSet partitions and revisions', () => {
    const sts = (
      status: Record<string, unknown>,
      spec: Record<string, unknown> = {},
    ) =>
      getResourceHealth(
        obj('apps/v1', 'StatefulSet', {
          metadata: { name: 'db', generation: 2 },
          spec: { replicas: 3, ...spec },
          status: { observedGeneration: 2, ...status },
        }),
      );
    expect(sts({ readyReplicas: 1 })?.message).toBe(
      'Waiting for 2 pods to be ready...',
    );
    expect(
      sts(
        { readyReplicas: 3, updatedReplicas: 1 },
        {
          updateStrategy: {
            type: 'RollingUpdate',
            rollingUpdate: { partition: 1 },
          },
        },
      ),
    ).toEqual({
      status: 'Progressing',
      message:
        'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...',
    });
    expect(
      sts(
        {
          readyReplicas: 3,
          updatedReplicas: 1,
          currentRevision: 'a',
          updateRevision: 'b',
        },
        { updateStrategy: { type: 'RollingUpdate' } },
      ),
    ).toEqual({
      status: 'Progressing',
      message:
        'waiting for statefulset rolling update to complete 1 pods at revision b...',
    });
    expect(
      sts({
        readyReplicas: 3,
        currentReplicas: 3,
        currentRevision: 'a',
        updateRevision: 'a',
      }),
    ).toEqual({
      status: 'Healthy',
      message: 'statefulset rolling update complete 3 pods at revision a...',
    });
  });

  it('reads DaemonSet and ReplicaSet rollout progress', () => {
    expect(
      getResourceHealth(
        obj('apps/v1', 'DaemonSet', {
          metadata: { name: 'agent', generation: 1 },
          spec: {},
          status: {
            observedGeneration: 1,
            desiredNumberScheduled: 3,
            updatedNumberScheduled: 2,
          },
        }),
      ),
    ).toEqual({
      status: 'Progressing',
      message:
        'Waiting for daemon set "agent" rollout to finish: 2 out of 3 new pods have been updated...',
    });
    expect(
      getResourceHealth(
        obj('apps/v1', 'ReplicaSet', {
          metadata: { name: 'rs', generation: 1 },
          spec: { replicas: 2 },
          status: {
            observedGeneration: 1,
            conditions: [
              {
                type: 'ReplicaFailure',
                status: 'True',
                message: 'quota exceeded',
              },
            ],
          },
        }),
      ),
    ).toEqual({ status: 'Degraded', message: 'quota exceeded' });
  });
});

describe('pods', () => {
  const running = (
    restartPolicy: string,
    annotations: Record<string, string> = {},
    ready = true,
  ) =>
    obj('v1', 'Pod', {
      metadata: { name: 'p', annotations },
      spec: { restartPolicy },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        containerStatuses: [
          { name: 'main', state: { running: {} }, lastState: {} },
        ],
      },
    });

  it('treats running finite pods (hooks) as Progressing, others by readiness', () => {
    expect(getResourceHealth(running('Never'))?.status).toBe('Progressing');
    expect(getResourceHealth(running('OnFailure'))?.status).toBe('Progressing');
    expect(getResourceHealth(running('Always'))?.status).toBe('Healthy');
    expect(getResourceHealth(running('Always', {}, false))?.status).toBe(
      'Progressing',
    );
  });

  it('honours ignore-restart-policy except on hooks', () => {
    const ignore = { 'argocd.argoproj.io/ignore-restart-policy': 'true' };
    expect(getResourceHealth(running('Never', ignore))?.status).toBe('Healthy');
    expect(
      getResourceHealth(
        running('Never', { ...ignore, 'argocd.argoproj.io/hook': 'PreSync' }),
      )?.status,
    ).toBe('Progressing');
    expect(
      getResourceHealth(
        running('Never', { ...ignore, 'helm.sh/hook': 'pre-install' }),
      )?.status,
    ).toBe('Progressing');
  });

  it('explains failed pods with the container exit code', () => {
    const failed = obj('v1', 'Pod', {
      spec: { restartPolicy: 'Never' },
      status: {
        phase: 'Failed',
        containerStatuses: [
          { name: 'main', state: { terminated: { exitCode: 3 } } },
        ],
      },
    });
    expect(getResourceHealth(failed)).toEqual({
      status: 'Degraded',
      message: 'container "main" failed with exit code 3',
    });
  });

  it('joins container waiting errors', () => {
    const pod = obj('v1', 'Pod', {
      spec: { restartPolicy: 'Always' },
      status: {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'a',
            state: {
              waiting: { reason: 'ErrImagePull', message: 'pull failed' },
            },
          },
          {
            name: 'b',
            state: {
              waiting: { reason: 'CrashLoopBackOff', message: 'back-off' },
            },
          },
        ],
      },
    });
    expect(getResourceHealth(pod)).toEqual({
      status: 'Degraded',
      message: 'pull failed, back-off',
    });
  });
});

describe('deletion, other kinds and fallbacks', () => {
  it('reports objects being deleted as Progressing, except hooks with the hook finalizer', () => {
    const cm = obj('v1', 'ConfigMap', {
      metadata: { name: 'c', deletionTimestamp: '2024-01-01T00:00:00Z' },
    });
    expect(getResourceHealth(cm)).toEqual({
      status: 'Progressing',
      message: 'Pending deletion',
    });
    const job = obj('batch/v1', 'Job', {
      metadata: {
        name: 'j',
        deletionTimestamp: '2024-01-01T00:00:00Z',
        finalizers: [HOOK_FINALIZER],
      },
      status: { conditions: [{ type: 'Complete', status: 'True' }] },
    });
    expect(getResourceHealth(job)?.status).toBe('Healthy');
  });

  it('gives no health to kinds without a rule or readiness conditions', () => {
    expect(getResourceHealth(obj('v1', 'ConfigMap'))).toBeUndefined();
    expect(getResourceHealth(obj('v1', 'Secret'))).toBeUndefined();
    expect(
      getResourceHealth(
        obj('example.com/v1', 'Widget', { status: { phase: 'Ready' } }),
      ),
    ).toBeUndefined();
  });

  it('reads Ready/Available conditions of other kinds', () => {
    const widget = (
      conditions: unknown[],
      extra: Record<string, unknown> = {},
    ) =>
      getResourceHealth(
        obj('example.com/v1', 'Widget', {
          metadata: { name: 'w', generation: 2 },
          status: { conditions, ...extra },
        }),
      );
    expect(
      widget([{ type: 'Ready', status: 'True', message: 'all good' }]),
    ).toEqual({ status: 'Healthy', message: 'all good' });
    expect(
      widget([
        {
          type: 'Ready',
          status: 'False',
          reason: 'Broken',
          message: 'bad config',
        },
      ]),
    ).toEqual({ status: 'Degraded', message: 'bad config' });
    expect(
      widget([{ type: 'Ready', status: 'False', reason: 'Reconciling' }])
        ?.status,
    ).toBe('Progressing');
    expect(widget([{ type: 'Available', status: 'Unknown' }])?.status).toBe(
      'Progressing',
    );
    expect(
      widget([{ type: 'Ready', status: 'True' }], { observedGeneration: 1 }),
    ).toEqual({
      status: 'Progressing',
      message: 'Waiting for spec update to be observed',
    });
    expect(
      widget([{ type: 'Stalled', status: 'True', message: 'stuck' }]),
    ).toEqual({ status: 'Degraded', message: 'stuck' });
  });

  it('gives child Applications health only when asked', () => {
    const app = obj('argoproj.io/v1alpha1', 'Application', {
      status: { health: { status: 'Degraded', message: 'child broke' } },
    });
    expect(getResourceHealth(app)).toBeUndefined();
    expect(getResourceHealth(app, { applicationHealth: true })).toEqual({
      status: 'Degraded',
      message: 'child broke',
    });
    expect(
      getResourceHealth(obj('argoproj.io/v1alpha1', 'Application'), {
        applicationHealth: true,
      })?.status,
    ).toBe('Progressing');
  });

  it('maps Argo Workflow phases', () => {
    const wf = (phase: string) =>
      getResourceHealth(
        obj('argoproj.io/v1alpha1', 'Workflow', {
          status: { phase, message: 'm' },
        }),
      )?.status;
    expect(wf('Running')).toBe('Progressing');
    expect(wf('Succeeded')).toBe('Healthy');
    expect(wf('Failed')).toBe('Degraded');
    expect(wf('Error')).toBe('Degraded');
  });

  it('checks CRDs and jobs', () => {
    const crd = (conditions: unknown[]) =>
      getResourceHealth(
        obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
          status: { conditions },
        }),
      );
    expect(crd([{ type: 'Established', status: 'True' }])).toEqual({
      status: 'Healthy',
      message: 'CRD is healthy',
    });
    expect(
      crd([
        { type: 'NamesAccepted', status: 'False', message: 'conflict' },
        { type: 'Established', status: 'False' },
      ]),
    ).toEqual({
      status: 'Degraded',
      message: 'CRD names have not been accepted: conflict',
    });
    expect(
      getResourceHealth(
        obj('batch/v1', 'Job', {
          status: {
            conditions: [
              {
                type: 'Failed',
                status: 'True',
                message: 'BackoffLimitExceeded',
              },
            ],
          },
        }),
      ),
    ).toEqual({ status: 'Degraded', message: 'BackoffLimitExceeded' });
  });

  it('reports an unreadable HPA v1 annotation as Unknown', () => {
    const hpa = obj('autoscaling/v1', 'HorizontalPodAutoscaler', {
      metadata: {
        name: 'h',
        annotations: {
          'autoscaling.alpha.kubernetes.io/conditions': '{not json',
        },
      },
    });
    expect(getResourceHealth(hpa)?.status).toBe('Unknown');
    expect(getResourceHealth(hpa)?.message).toContain(
      'failed to convert conditions annotation',
    );
  });
});

describe('aggregation', () => {
  it('takes the worst status by Argo CD order, ignoring resources without health', () => {
    expect(aggregateHealth([])).toBe('Healthy');
    expect(aggregateHealth([undefined, 'Healthy'])).toBe('Healthy');
    expect(aggregateHealth(['Healthy', 'Suspended'])).toBe('Suspended');
    expect(aggregateHealth(['Suspended', 'Progressing', 'Healthy'])).toBe(
      'Progressing',
    );
    expect(aggregateHealth([{ status: 'Missing' }, 'Progressing'])).toBe(
      'Missing',
    );
    expect(aggregateHealth(['Degraded', 'Missing', undefined])).toBe(
      'Degraded',
    );
    expect(aggregateHealth(['Unknown', 'Degraded'])).toBe('Unknown');
  });

  it('orders statuses', () => {
    expect(isWorseHealth('Healthy', 'Degraded')).toBe(true);
    expect(isWorseHealth('Degraded', 'Progressing')).toBe(false);
  });
});
