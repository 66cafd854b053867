import {
  formatResourceKey,
  groupOf,
  KubeObject,
} from '@gitops-suite/plugin-gitops-common';
import { setTrackingAnnotation } from '../tracking';
import { planSync, SyncPlanInput } from './plan';
import { SyncPlan, SyncPlanError } from './types';

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
]);
const isNamespaced = (_group: string, kind: string) =>
  !CLUSTER_SCOPED.has(kind);

function res(
  apiVersion: string,
  kind: string,
  name: string,
  annotations: Record<string, string> = {},
  extra: Partial<KubeObject['metadata']> = {},
): KubeObject {
  return { apiVersion, kind, metadata: { name, annotations, ...extra } };
}

function keyFor(obj: KubeObject, ns = 'shop'): string {
  return formatResourceKey({
    group: groupOf(obj.apiVersion),
    kind: obj.kind,
    namespace: isNamespaced('', obj.kind) ? obj.metadata.namespace ?? ns : '',
    name: obj.metadata.name ?? '',
  });
}

/** Live objects as the cluster holds them, tracked by app `shop`. */
function liveMap(...objs: KubeObject[]): Record<string, KubeObject> {
  const out: Record<string, KubeObject> = {};
  for (const o of objs) {
    const withNs = {
      ...o,
      metadata: {
        ...o.metadata,
        namespace: isNamespaced('', o.kind)
          ? o.metadata.namespace ?? 'shop'
          : undefined,
      },
    };
    out[keyFor(o)] = setTrackingAnnotation(withNs as KubeObject, 'shop');
  }
  return out;
}

function plan(input: Partial<SyncPlanInput>): SyncPlan {
  return planSync({
    appName: 'shop',
    desired: [],
    live: {},
    destinationNamespace: 'shop',
    isNamespaced,
    ...input,
  });
}

/** Steps as `phase/wave: kind/name action` lines, for readable assertions. */
function outline(p: SyncPlan): string[] {
  return p.steps.map(
    s =>
      `${s.phase} ${s.wave}: ${s.tasks
        .map(t => `${t.action} ${t.resource.kind}/${t.resource.name}`)
        .join(', ')}`,
  );
}

describe('ordering', () => {
  it('orders by phase, wave (negative first) and kind, then name', () => {
    const p = plan({
      desired: [
        res('apps/v1', 'Deployment', 'web'),
        res('v1', 'Service', 'web'),
        res('v1', 'ConfigMap', 'b-config'),
        res('v1', 'ConfigMap', 'a-config'),
        res('v1', 'Namespace', 'extra'),
        res('example.com/v1', 'Widget', 'w'),
        res('batch/v1', 'Job', 'migrate', {
          'argocd.argoproj.io/sync-wave': '-2',
        }),
        res('apps/v1', 'Deployment', 'late', {
          'argocd.argoproj.io/sync-wave': '5',
        }),
        res('batch/v1', 'Job', 'pre', { 'argocd.argoproj.io/hook': 'PreSync' }),
        res('batch/v1', 'Job', 'post', {
          'argocd.argoproj.io/hook': 'PostSync',
        }),
      ],
    });
    expect(outline(p)).toEqual([
      'PreSync 0: hook Job/pre',
      'Sync -2: apply Job/migrate',
      'Sync 0: apply Namespace/extra, apply ConfigMap/a-config, apply ConfigMap/b-config, apply Service/web, apply Deployment/web, apply Widget/w',
      'Sync 5: apply Deployment/late',
      'PostSync 0: hook Job/post',
    ]);
    expect(
      p.tasks.find(
        t => t.resource.name === 'web' && t.resource.kind === 'Deployment',
      )?.target?.metadata.namespace,
    ).toBe('shop');
    expect(
      p.tasks.find(t => t.resource.kind === 'Namespace')?.target?.metadata
        .namespace,
    ).toBeUndefined();
  });

  it('keeps an explicit namespace and strips it from cluster-scoped kinds', () => {
    const p = plan({
      desired: [
        res('v1', 'ConfigMap', 'c', {}, { namespace: 'other' }),
        res(
          'rbac.authorization.k8s.io/v1',
          'ClusterRole',
          'r',
          {},
          { namespace: 'shop' },
        ),
      ],
    });
    expect(p.tasks.map(t => t.key)).toEqual([
      '/ConfigMap/other/c',
      'rbac.authorization.k8s.io/ClusterRole//r',
    ]);
  });
});

describe('hooks', () => {
  it('defaults hook delete policy to BeforeHookCreation and hands over the previous hook', () => {
    const hook = res('batch/v1', 'Job', 'migrate', {
      'argocd.argoproj.io/hook': 'PreSync',
    });
    const p = plan({ desired: [hook], live: liveMap(hook) });
    const task = p.tasks[0];
    expect(task).toMatchObject({
      phase: 'PreSync',
      wave: 0,
      action: 'hook',
      hookType: 'PreSync',
      hookDeletePolicies: ['BeforeHookCreation'],
    });
    expect(task.live?.metadata.name).toBe('migrate');
  });

  it('reads explicit delete policies, comma lists and generateName hooks', () => {
    const p = plan({
      desired: [
        res(
          'batch/v1',
          'Job',
          '',
          {
            'argocd.argoproj.io/hook': 'PreSync,PostSync',
            'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded,HookFailed',
          },
          { name: undefined, generateName: 'smoke-' },
        ),
      ],
    });
    expect(
      p.tasks.map(t => [t.phase, t.hookDeletePolicies, t.generateName, t.key]),
    ).toEqual([
      [
        'PreSync',
        ['HookSucceeded', 'HookFailed'],
        true,
        'batch/Job/shop/smoke-',
      ],
      [
        'PostSync',
        ['HookSucceeded', 'HookFailed'],
        true,
        'batch/Job/shop/smoke-',
      ],
    ]);
  });

  it('maps Helm hooks, their weights and delete policies', () => {
    const p = plan({
      desired: [
        res('batch/v1', 'Job', 'db-init', {
          'helm.sh/hook': 'pre-install,pre-upgrade',
          'helm.sh/hook-weight': '-5',
          'helm.sh/hook-delete-policy': 'hook-succeeded',
        }),
        res('batch/v1', 'Job', 'notify', { 'helm.sh/hook': 'post-install' }),
        res('v1', 'Pod', 'test', { 'helm.sh/hook': 'test' }),
        res('batch/v1', 'Job', 'cleanup', { 'helm.sh/hook': 'pre-delete' }),
        res(
          'apiextensions.k8s.io/v1',
          'CustomResourceDefinition',
          'widgets.example.com',
          { 'helm.sh/hook': 'crd-install' },
        ),
      ],
    });
    expect(outline(p)).toEqual([
      'PreSync -5: hook Job/db-init',
      'Sync 0: apply CustomResourceDefinition/widgets.example.com',
      'PostSync 0: hook Job/notify',
    ]);
    expect(p.tasks[0].hookDeletePolicies).toEqual(['HookSucceeded']);
    expect(p.ignored.map(i => i.key).sort()).toEqual([
      '/Pod/shop/test',
      'batch/Job/shop/cleanup',
    ]);
  });

  it('keeps SyncFail hooks for failures and skips Skip resources', () => {
    const p = plan({
      desired: [
        res('batch/v1', 'Job', 'on-fail', {
          'argocd.argoproj.io/hook': 'SyncFail',
        }),
        res('v1', 'ConfigMap', 'manual', { 'argocd.argoproj.io/hook': 'Skip' }),
        res('v1', 'ConfigMap', 'normal'),
      ],
    });
    expect(outline(p)).toEqual(['Sync 0: apply ConfigMap/normal']);
    expect(p.failureSteps.map(s => s.tasks.map(t => t.resource.name))).toEqual([
      ['on-fail'],
    ]);
    expect(p.tasks.find(t => t.resource.name === 'manual')).toMatchObject({
      action: 'skip',
      reason: 'Skip hook annotation',
    });
  });
});

describe('pruning', () => {
  const desired = [res('v1', 'ConfigMap', 'keep')];
  const orphans = [
    res('v1', 'ConfigMap', 'keep'),
    res('v1', 'Service', 'old-svc', { 'argocd.argoproj.io/sync-wave': '1' }),
    res('apps/v1', 'Deployment', 'old-web', {
      'argocd.argoproj.io/sync-wave': '3',
    }),
    res('v1', 'ConfigMap', 'old-cm'),
  ];

  it('prunes in reverse wave order, after the applies of the same wave', () => {
    const p = plan({
      desired,
      live: liveMap(...orphans),
      operation: { prune: true },
    });
    expect(outline(p)).toEqual([
      'Sync 0: apply ConfigMap/keep, prune Deployment/old-web',
      'Sync 1: prune Service/old-svc',
      'Sync 3: prune ConfigMap/old-cm',
    ]);
    expect(
      p.tasks
        .filter(t => t.requiresPruning)
        .every(t => t.syncStatus === 'OutOfSync'),
    ).toBe(true);
  });

  it('moves prunes to a final step with PruneLast (app or resource)', () => {
    const app = plan({
      desired: [
        ...desired,
        res('v1', 'Service', 's', { 'argocd.argoproj.io/sync-wave': '2' }),
      ],
      live: liveMap(...orphans),
      appSyncOptions: ['PruneLast=true'],
      operation: { prune: true },
    });
    // Argo CD counts prune waves too when finding the last wave: max(2, swapped 3) + 1.
    expect(outline(app).slice(-1)).toEqual([
      'Sync 4: prune Deployment/old-web, prune Service/old-svc, prune ConfigMap/old-cm',
    ]);

    const one = res('v1', 'ConfigMap', 'last', {
      'argocd.argoproj.io/sync-options': 'PruneLast=true',
    });
    const p = plan({
      desired,
      live: liveMap(
        res('v1', 'ConfigMap', 'keep'),
        one,
        res('v1', 'Secret', 'now'),
      ),
      operation: { prune: true },
    });
    expect(outline(p)).toEqual([
      'Sync 0: apply ConfigMap/keep, prune Secret/now',
      'Sync 1: prune ConfigMap/last',
    ]);
  });

  it('skips resources marked Prune=false and does not prune when prune is off', () => {
    const p = plan({
      desired,
      live: liveMap(
        res('v1', 'ConfigMap', 'keep'),
        res('v1', 'ConfigMap', 'precious', {
          'argocd.argoproj.io/sync-options': 'Prune=false',
        }),
      ),
      operation: { prune: true },
    });
    expect(p.tasks.find(t => t.resource.name === 'precious')).toMatchObject({
      action: 'prune-skipped',
      reason: 'ignored (no prune)',
      requiresPruning: true,
    });
    expect(outline(p)).toEqual(['Sync 0: apply ConfigMap/keep']);

    const off = plan({ desired, live: liveMap(...orphans) });
    expect(
      off.tasks.filter(t => t.requiresPruning).map(t => [t.action, t.reason]),
    ).toEqual([
      ['prune-skipped', 'ignored (requires pruning)'],
      ['prune-skipped', 'ignored (requires pruning)'],
      ['prune-skipped', 'ignored (requires pruning)'],
    ]);
    expect(off.steps.flatMap(s => s.tasks).some(t => t.requiresPruning)).toBe(
      false,
    );
  });

  it('waits for confirmation with Prune=confirm', () => {
    const live = liveMap(
      res('v1', 'ConfigMap', 'keep'),
      res('v1', 'ConfigMap', 'old'),
    );
    const p = plan({
      desired,
      live,
      appSyncOptions: ['Prune=confirm'],
      operation: { prune: true },
    });
    expect(p.tasks.find(t => t.resource.name === 'old')).toMatchObject({
      action: 'prune-skipped',
      reason: 'waiting for pruning confirmation',
    });
    const confirmed = plan({
      desired,
      live,
      appSyncOptions: ['Prune=confirm'],
      operation: { prune: true, pruneConfirmed: true },
    });
    expect(confirmed.tasks.find(t => t.resource.name === 'old')?.action).toBe(
      'prune',
    );
  });

  it('never prunes hooks, owned objects or objects another app tracks', () => {
    const live = liveMap(
      res('v1', 'ConfigMap', 'keep'),
      res('batch/v1', 'Job', 'old-hook', {
        'argocd.argoproj.io/hook': 'PreSync',
      }),
    );
    live['/Pod/shop/child'] = setTrackingAnnotation(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'child',
          namespace: 'shop',
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: 'rs',
              uid: 'u',
              controller: true,
            },
          ],
        },
      },
      'shop',
    );
    live['/ConfigMap/shop/theirs'] = setTrackingAnnotation(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'theirs', namespace: 'shop' },
      },
      'other-app',
    );
    const p = plan({ desired, live, operation: { prune: true } });
    expect(p.tasks.filter(t => t.requiresPruning)).toEqual([]);
  });
});

describe('options and modes', () => {
  it('skips Synced resources with ApplyOutOfSyncOnly but still runs hooks', () => {
    const cmA = res('v1', 'ConfigMap', 'a');
    const cmB = res('v1', 'ConfigMap', 'b');
    const hook = res('batch/v1', 'Job', 'h', {
      'argocd.argoproj.io/hook': 'PreSync',
    });
    const p = plan({
      desired: [cmA, cmB, hook],
      live: liveMap(cmA, cmB),
      appSyncOptions: ['ApplyOutOfSyncOnly=true'],
      syncStatus: {
        '/ConfigMap/shop/a': 'Synced',
        '/ConfigMap/shop/b': 'OutOfSync',
      },
    });
    expect(outline(p)).toEqual([
      'PreSync 0: hook Job/h',
      'Sync 0: apply ConfigMap/b',
    ]);
    expect(p.tasks.find(t => t.resource.name === 'a')).toMatchObject({
      action: 'skip',
      reason: 'already synced (ApplyOutOfSyncOnly)',
    });
  });

  it('syncs only selected resources: no hooks, no other prunes', () => {
    const p = plan({
      desired: [
        res('v1', 'ConfigMap', 'a'),
        res('v1', 'ConfigMap', 'b'),
        res('batch/v1', 'Job', 'h', { 'argocd.argoproj.io/hook': 'PreSync' }),
      ],
      live: liveMap(
        res('v1', 'ConfigMap', 'gone'),
        res('v1', 'ConfigMap', 'gone-too'),
      ),
      operation: {
        prune: true,
        resources: [
          { kind: 'ConfigMap', name: 'b' },
          { kind: 'ConfigMap', name: 'gone', namespace: 'shop' },
        ],
      },
    });
    expect(outline(p)).toEqual([
      'Sync 0: apply ConfigMap/b, prune ConfigMap/gone',
    ]);
    expect(p.ignored).toEqual([
      {
        key: 'batch/Job/shop/h',
        reason: 'hooks do not run during a selective sync',
      },
    ]);
  });

  it('creates the destination namespace first when CreateNamespace=true', () => {
    const hook = res('batch/v1', 'Job', 'h', {
      'argocd.argoproj.io/hook': 'PreSync',
      'argocd.argoproj.io/sync-wave': '-3',
    });
    const p = plan({
      desired: [res('v1', 'ConfigMap', 'a'), hook],
      appSyncOptions: ['CreateNamespace=true'],
      managedNamespaceMetadata: { labels: { team: 'shop' } },
    });
    expect(outline(p)[0]).toBe('PreSync -4: apply Namespace/shop');
    expect(p.steps[0].tasks[0].target).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop', labels: { team: 'shop' } },
    });

    const existing = plan({
      desired: [res('v1', 'ConfigMap', 'a')],
      appSyncOptions: ['CreateNamespace=true'],
      live: { '/Namespace//shop': res('v1', 'Namespace', 'shop') },
    });
    expect(existing.tasks.some(t => t.resource.kind === 'Namespace')).toBe(
      false,
    );
    expect(
      plan({ desired: [res('v1', 'ConfigMap', 'a')] }).tasks.some(
        t => t.resource.kind === 'Namespace',
      ),
    ).toBe(false);
  });

  it('uses replace/create with Replace=true and flags server-side apply', () => {
    const a = res('v1', 'ConfigMap', 'a');
    const p = plan({
      desired: [
        a,
        res('v1', 'ConfigMap', 'b'),
        res('v1', 'ConfigMap', 'c', {
          'argocd.argoproj.io/sync-options': 'ServerSideApply=true',
        }),
      ],
      live: liveMap(a),
      appSyncOptions: ['Replace=true'],
    });
    expect(p.tasks.map(t => [t.resource.name, t.action])).toEqual([
      ['a', 'replace'],
      ['b', 'create'],
      ['c', 'create'],
    ]);
    expect(
      p.tasks.find(t => t.resource.name === 'c')?.options.serverSideApply,
    ).toBe(true);
    expect(
      p.tasks.find(t => t.resource.name === 'a')?.options.serverSideApply,
    ).toBe(false);
  });

  it('lets operation options override the app and records dry-run', () => {
    const p = plan({
      desired: [res('v1', 'ConfigMap', 'a')],
      appSyncOptions: ['ServerSideApply=true'],
      operation: { dryRun: true, syncOptions: ['ServerSideApply=false'] },
    });
    expect(p.dryRun).toBe(true);
    expect(p.tasks[0].options.serverSideApply).toBe(false);
  });
});

describe('validation', () => {
  it('lists every problem, naming both duplicates', () => {
    let error: unknown;
    try {
      plan({
        desired: [
          res('v1', 'ConfigMap', 'dup'),
          {
            apiVersion: 'v1',
            metadata: { name: 'no-kind' },
          } as unknown as KubeObject,
          res('v1', 'ConfigMap', '', {}, { name: undefined }),
          res('v1', 'ConfigMap', 'dup', {}, { namespace: 'shop' }),
          res('v1', 'ConfigMap', 'x', {
            'argocd.argoproj.io/hook': 'Skip,PreSync',
          }),
          res('v1', 'ConfigMap', 'y', {
            'argocd.argoproj.io/sync-wave': 'soon',
          }),
          res(
            'v1',
            'ConfigMap',
            '',
            {},
            { name: undefined, generateName: 'gen-' },
          ),
          res('v1', 'ConfigMap', 'z', {
            'argocd.argoproj.io/hook': 'Sometimes',
          }),
        ],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SyncPlanError);
    const errors = (error as SyncPlanError).errors;
    expect(errors).toEqual([
      'object #2 (v1 no-kind) has no kind',
      'object #3 (v1 ConfigMap) has no metadata.name',
      'duplicate resource /ConfigMap/shop/dup: object #1 (v1 ConfigMap dup) and object #4 (v1 ConfigMap dup) define the same object',
      'object #5 (v1 ConfigMap x): hook annotation combines Skip with other hooks (Skip,PreSync)',
      'object #6 (v1 ConfigMap y): argocd.argoproj.io/sync-wave must be an integer, got "soon"',
      'object #7 (v1 ConfigMap gen-) uses generateName, which only hooks may use; set metadata.name',
      expect.stringContaining(
        'object #8 (v1 ConfigMap z): unknown hook type "Sometimes"',
      ),
    ]);
    expect((error as Error).message).toContain('invalid sync: ');
  });
});
