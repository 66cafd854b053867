import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import { planSync } from './plan';
import {
  evaluateSync,
  hookNeedsDeleting,
  isWaveComplete,
  nextStepState,
  TaskObservation,
  toResourceResult,
} from './progress';
import type { SyncPlan } from './types';

const isNamespaced = (_g: string, kind: string) => kind !== 'Namespace';

function deployment(
  name: string,
  wave: number,
  ready: boolean | 'degraded',
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: 'shop',
      generation: 1,
      annotations: { 'argocd.argoproj.io/sync-wave': String(wave) },
    },
    spec: { replicas: 1 },
    status:
      ready === 'degraded'
        ? {
            observedGeneration: 1,
            conditions: [
              {
                type: 'Progressing',
                status: 'False',
                reason: 'ProgressDeadlineExceeded',
              },
            ],
          }
        : {
            observedGeneration: 1,
            replicas: 1,
            updatedReplicas: ready ? 1 : 0,
            availableReplicas: ready ? 1 : 0,
          },
  };
}

function job(
  name: string,
  hook: string,
  state: 'running' | 'done' | 'failed',
): KubeObject {
  const byState = {
    running: [],
    done: [{ type: 'Complete', status: 'True' }],
    failed: [
      { type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' },
    ],
  };
  const conditions = byState[state];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'shop',
      annotations: { 'argocd.argoproj.io/hook': hook },
    },
    status: { conditions },
  };
}

function makePlan(desired: KubeObject[]): SyncPlan {
  const stripped = desired.map(d => ({ ...d, status: undefined }));
  return planSync({
    desired: stripped,
    live: {},
    destinationNamespace: 'shop',
    isNamespaced,
  });
}

const applied = (live: KubeObject | null | undefined): TaskObservation => ({
  outcome: 'applied',
  live,
});

describe('task and step states', () => {
  it('does not wait for health in a single-step sync', () => {
    const plan = makePlan([deployment('web', 0, false)]);
    expect(plan.steps).toHaveLength(1);
    const obs = {
      [plan.steps[0].tasks[0].id]: applied(deployment('web', 0, false)),
    };
    expect(isWaveComplete(plan.steps[0], obs, { multiStep: false })).toBe(true);
    expect(evaluateSync(plan, obs)).toMatchObject({
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
    });
  });

  it('waits for a Progressing resource in a multi-step sync and fails on Degraded', () => {
    const plan = makePlan([
      deployment('db', -1, false),
      deployment('web', 0, false),
    ]);
    const [db, web] = plan.steps.map(s => s.tasks[0]);
    expect(evaluateSync(plan, {})).toMatchObject({
      phase: 'Running',
      stepIndex: 0,
      toStart: [db],
    });

    let progress = evaluateSync(plan, {
      [db.id]: applied(deployment('db', -1, false)),
    });
    expect(progress).toMatchObject({
      phase: 'Running',
      stepIndex: 0,
      toStart: [],
      waitingFor: [db.key],
    });
    expect(progress.message).toBe(
      'waiting for healthy state of apps/Deployment/shop/db (Sync wave -1)',
    );
    expect(progress.taskStates[db.id].message).toContain(
      'Waiting for rollout to finish',
    );

    progress = evaluateSync(plan, {
      [db.id]: applied(deployment('db', -1, true)),
    });
    expect(progress).toMatchObject({
      phase: 'Running',
      stepIndex: 1,
      toStart: [web],
    });

    progress = evaluateSync(plan, {
      [db.id]: applied(deployment('db', -1, 'degraded')),
    });
    expect(progress).toMatchObject({
      phase: 'Failed',
      message: 'one or more synchronization tasks completed unsuccessfully',
    });
    expect(progress.taskStates[db.id]).toEqual({
      id: db.id,
      phase: 'Failed',
      message: 'Deployment "db" exceeded its progress deadline',
    });
  });

  it('waits while the live state is unknown and treats kinds without health as done', () => {
    const cm: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'c',
        annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
      },
    };
    const plan = makePlan([cm, deployment('web', 0, true)]);
    const step = plan.steps[0];
    expect(
      nextStepState(
        step,
        { [step.tasks[0].id]: { outcome: 'applied' } },
        { multiStep: true },
      ).status,
    ).toBe('running');
    expect(
      nextStepState(
        step,
        { [step.tasks[0].id]: applied(cm) },
        { multiStep: true },
      ).status,
    ).toBe('complete');
  });

  it('reports apply errors with the server message', () => {
    const plan = makePlan([deployment('web', 0, true)]);
    const id = plan.steps[0].tasks[0].id;
    const progress = evaluateSync(plan, {
      [id]: { outcome: 'failed', message: 'admission webhook denied it' },
    });
    expect(progress.phase).toBe('Failed');
    expect(progress.message).toBe(
      'one or more objects failed to apply, reason: apps/Deployment/shop/web: admission webhook denied it',
    );
  });
});

describe('hooks', () => {
  it('runs PreSync hooks to completion before the sync wave and fails on a failed hook', () => {
    const plan = makePlan([
      job('migrate', 'PreSync', 'running'),
      deployment('web', 0, true),
    ]);
    const [hook, web] = plan.steps.map(s => s.tasks[0]);
    expect(
      evaluateSync(plan, {
        [hook.id]: applied(job('migrate', 'PreSync', 'running')),
      }),
    ).toMatchObject({
      phase: 'Running',
      stepIndex: 0,
      waitingFor: [hook.key],
    });
    expect(
      evaluateSync(plan, {
        [hook.id]: applied(job('migrate', 'PreSync', 'done')),
      }),
    ).toMatchObject({ stepIndex: 1, toStart: [web] });
    const failed = evaluateSync(plan, {
      [hook.id]: applied(job('migrate', 'PreSync', 'failed')),
    });
    expect(failed.phase).toBe('Failed');
    expect(failed.taskStates[hook.id]).toMatchObject({
      phase: 'Failed',
      message: 'BackoffLimitExceeded',
    });
  });

  it('keeps a hook result once recorded, even after the hook is deleted', () => {
    const plan = makePlan([
      job('migrate', 'PreSync', 'running'),
      deployment('web', 0, true),
    ]);
    const hook = plan.steps[0].tasks[0];
    expect(
      evaluateSync(plan, {
        [hook.id]: { outcome: 'applied', live: null, hookPhase: 'Succeeded' },
      }).stepIndex,
    ).toBe(1);
    expect(
      evaluateSync(plan, { [hook.id]: { outcome: 'applied', live: null } })
        .phase,
    ).toBe('Failed');
  });

  it('runs SyncFail hooks when the sync fails, then fails', () => {
    const plan = makePlan([
      deployment('web', 0, true),
      job('cleanup', 'SyncFail', 'running'),
    ]);
    const web = plan.steps[0].tasks[0];
    const cleanup = plan.failureSteps[0].tasks[0];
    const failedApply: TaskObservation = {
      outcome: 'failed',
      message: 'forbidden',
    };
    let progress = evaluateSync(plan, { [web.id]: failedApply });
    expect(progress).toMatchObject({
      phase: 'Running',
      inFailure: true,
      stepIndex: 0,
      toStart: [cleanup],
    });
    progress = evaluateSync(plan, {
      [web.id]: failedApply,
      [cleanup.id]: applied(job('cleanup', 'SyncFail', 'running')),
    });
    expect(progress).toMatchObject({
      phase: 'Running',
      inFailure: true,
      toStart: [],
    });
    progress = evaluateSync(plan, {
      [web.id]: failedApply,
      [cleanup.id]: applied(job('cleanup', 'SyncFail', 'done')),
    });
    expect(progress).toMatchObject({ phase: 'Failed', inFailure: true });
    expect(progress.message).toContain('forbidden');
  });

  it('applies delete policies', () => {
    const plan = makePlan([
      {
        ...job('a', 'PostSync', 'done'),
        metadata: {
          ...job('a', 'PostSync', 'done').metadata,
          annotations: {
            'argocd.argoproj.io/hook': 'PostSync',
            'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded',
          },
        },
      },
    ]);
    const task = plan.steps[0].tasks[0];
    expect(hookNeedsDeleting(task, 'Succeeded')).toBe(true);
    expect(hookNeedsDeleting(task, 'Failed')).toBe(false);
    expect(
      toResourceResult(task, {
        id: task.id,
        phase: 'Succeeded',
        message: 'job done',
      }),
    ).toEqual({
      group: 'batch',
      version: 'v1',
      kind: 'Job',
      namespace: 'shop',
      name: 'a',
      syncPhase: 'PostSync',
      syncWave: 0,
      message: 'job done',
      hookType: 'PostSync',
      hookPhase: 'Succeeded',
    });
  });
});

describe('prunes in progress', () => {
  it('waits for pruned objects to disappear in multi-step syncs and reports results', () => {
    const live = {
      '/ConfigMap/shop/old': {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'old',
          namespace: 'shop',
          annotations: { 'argocd.argoproj.io/sync-wave': '1' },
        },
      },
    };
    const plan = planSync({
      desired: [deployment('web', 0, true)].map(d => ({
        ...d,
        status: undefined,
      })),
      live,
      destinationNamespace: 'shop',
      isNamespaced,
      operation: { prune: true },
    });
    const prune = plan.tasks.find(t => t.action === 'prune')!;
    const web = plan.tasks.find(t => t.action === 'apply')!;
    const base = { [web.id]: applied(deployment('web', 0, true)) };
    expect(
      evaluateSync(plan, {
        ...base,
        [prune.id]: { outcome: 'pruned', live: live['/ConfigMap/shop/old'] },
      }).phase,
    ).toBe('Running');
    const done = evaluateSync(plan, {
      ...base,
      [prune.id]: { outcome: 'pruned', live: null },
    });
    expect(done.phase).toBe('Succeeded');
    expect(toResourceResult(prune, done.taskStates[prune.id]).status).toBe(
      'Pruned',
    );
    expect(toResourceResult(web, done.taskStates[web.id]).status).toBe(
      'Synced',
    );
  });

  it('reports skipped prunes as PruneSkipped', () => {
    const plan = planSync({
      desired: [],
      live: {
        '/ConfigMap/shop/old': {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'old', namespace: 'shop' },
        },
      },
      destinationNamespace: 'shop',
      isNamespaced,
    });
    const progress = evaluateSync(plan, {});
    expect(progress).toMatchObject({
      phase: 'Succeeded',
      message: 'successfully synced (no more tasks)',
    });
    const task = plan.tasks[0];
    expect(toResourceResult(task, progress.taskStates[task.id])).toMatchObject({
      status: 'PruneSkipped',
      message: 'ignored (requires pruning)',
    });
  });
});
