import type {
  Application,
  RevisionHistory,
} from '@gitops-suite/plugin-gitops-common';
import {
  appendHistory,
  applicationSummary,
  findHistory,
  rollbackAllowed,
  validateApplication,
} from './application';

function app(
  spec: Partial<Application['spec']> = {},
  status?: Application['status'],
): Application {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: 'shop',
      namespace: 'argocd',
      labels: { team: 'a' },
      annotations: {
        note: 'x',
        'kubectl.kubernetes.io/last-applied-configuration': '{}',
      },
    },
    spec: {
      project: 'default',
      source: {
        repoURL: 'https://github.com/org/shop.git',
        path: 'deploy',
        targetRevision: 'main',
      },
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: 'shop',
      },
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

describe('applicationSummary', () => {
  it('summarizes a synced application', () => {
    const a = app(
      { syncPolicy: { automated: { prune: true, selfHeal: false } } },
      {
        sync: { status: 'Synced', revision: 'abc123' },
        health: { status: 'Degraded', message: 'pod crash' },
        resources: [
          { kind: 'Deployment', name: 'web' },
          { kind: 'Service', name: 'web' },
        ],
        history: [
          { id: 0, revision: 'abc123', deployedAt: '2024-01-02T00:00:00Z' },
        ],
        operationState: {
          operation: {},
          phase: 'Succeeded',
          startedAt: '2024-01-02T00:00:00Z',
          finishedAt: '2024-01-02T00:01:00Z',
        },
        reconciledAt: '2024-01-03T00:00:00Z',
      },
    );
    expect(applicationSummary(a)).toEqual({
      name: 'shop',
      namespace: 'argocd',
      project: 'default',
      source: a.spec.source,
      destination: {
        server: 'https://kubernetes.default.svc',
        namespace: 'shop',
        cluster: 'https://kubernetes.default.svc',
      },
      sync: 'Synced',
      health: 'Degraded',
      healthMessage: 'pod crash',
      revision: 'abc123',
      targetRevision: 'main',
      autoSync: true,
      prune: true,
      selfHeal: false,
      operationPhase: 'Succeeded',
      lastSyncedAt: '2024-01-02T00:00:00Z',
      reconciledAt: '2024-01-03T00:00:00Z',
      conditions: [],
      labels: { team: 'a' },
      annotations: { note: 'x' },
      resourceCount: 2,
    });
  });

  it('fills defaults for a new application', () => {
    const s = applicationSummary(app({ source: { repoURL: 'https://x/y' } }));
    expect(s).toMatchObject({
      sync: 'Unknown',
      health: 'Unknown',
      targetRevision: 'HEAD',
      autoSync: false,
      prune: false,
      resourceCount: 0,
    });
    expect(
      applicationSummary(
        app({ syncPolicy: { automated: { enabled: false, prune: true } } }),
      ).autoSync,
    ).toBe(false);
  });
});

describe('history', () => {
  const entry = (revision: string) => ({
    revision,
    deployedAt: '2024-01-01T00:00:00Z',
  });

  it('appends with increasing ids and keeps the newest entries', () => {
    let h: RevisionHistory[] = [];
    for (let i = 0; i < 12; i++) h = appendHistory(h, entry(`r${i}`));
    expect(h).toHaveLength(10);
    expect(h[0]).toMatchObject({ id: 2, revision: 'r2' });
    expect(h[9]).toMatchObject({ id: 11, revision: 'r11' });
    expect(appendHistory(h, entry('x'), 3).map(e => e.id)).toEqual([
      10, 11, 12,
    ]);
    expect(appendHistory(undefined, entry('first'))).toEqual([
      { id: 0, ...entry('first') },
    ]);
    expect(() => appendHistory(h, entry('x'), -1)).toThrow(
      'revisionHistoryLimit',
    );
  });

  it('finds entries by id', () => {
    const a = app(
      {},
      { history: [{ id: 4, revision: 'r4', deployedAt: 'now' }] },
    );
    expect(findHistory(a, 4).revision).toBe('r4');
    expect(() => findHistory(a, 9)).toThrow(
      'application shop does not have deployment with id 9',
    );
  });
});

describe('validateApplication', () => {
  it('accepts a valid application', () => {
    expect(validateApplication(app())).toEqual([]);
    expect(
      validateApplication(
        app({
          source: undefined,
          sources: [{ repoURL: 'git@github.com:org/a.git', path: 'x' }],
        }),
      ),
    ).toEqual([]);
  });

  it('explains every problem', () => {
    expect(validateApplication('nope')).toEqual([
      'Application must be an object',
    ]);
    expect(
      validateApplication({
        apiVersion: 'v1',
        kind: 'Thing',
        metadata: {},
        spec: {},
      }),
    ).toEqual([
      'apiVersion must be argoproj.io/v1alpha1, got "v1"',
      'kind must be Application, got "Thing"',
      'metadata.name is required',
      'spec.project is required',
      'spec.destination is required',
      'spec.source or spec.sources is required',
    ]);
    expect(
      validateApplication(
        app({
          sources: [{ repoURL: 'https://x/y' }],
          destination: { server: 'https://k', name: 'in-cluster' },
        }),
      ),
    ).toEqual([
      "application destination can't have both name and server defined: in-cluster https://k",
      'spec.source and spec.sources cannot both be set',
    ]);
    expect(
      validateApplication(
        app({ source: { repoURL: 'not a url', path: '../escape' } }),
      ),
    ).toEqual([
      'spec.source.repoURL "not a url" is not a repository URL (expected https://, ssh://, git@host:path, file:// or oci://)',
      'spec.source.path "../escape" must stay inside the repository (no "..")',
    ]);
    expect(
      validateApplication(
        app({
          syncPolicy: {
            syncOptions: ['Prune'],
            retry: { limit: 2, backoff: { duration: 'soon' } },
          },
          ignoreDifferences: [{ kind: '' }],
          revisionHistoryLimit: -1,
        }),
      ),
    ).toEqual([
      'spec.revisionHistoryLimit must be a non-negative integer',
      'spec.syncPolicy.syncOptions entry "Prune" must look like Name=value',
      expect.stringContaining(
        'spec.syncPolicy.retry.backoff.duration: invalid duration "soon"',
      ),
      'spec.ignoreDifferences[0].kind is required',
    ]);
  });
});

describe('rollback', () => {
  it('is refused while auto-sync is enabled', () => {
    expect(rollbackAllowed(app({ syncPolicy: { automated: {} } }))).toEqual({
      allowed: false,
      message: 'rollback cannot be initiated when auto-sync is enabled',
    });
    expect(rollbackAllowed(app())).toEqual({ allowed: true });
    expect(
      rollbackAllowed(
        app({ source: undefined, sources: [{ repoURL: 'https://a/b' }] }),
      ).allowed,
    ).toBe(false);
  });
});
