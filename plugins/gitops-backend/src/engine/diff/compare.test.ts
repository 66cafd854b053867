import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import { compareResource } from './compare';
import { normalize } from './normalize';

function deployment(
  image: string,
  extra: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'shop',
      annotations: {
        'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:shop/web',
      },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image,
              ports: [{ containerPort: 80 }],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
              resources: { limits: { cpu: '500m', memory: '1Gi' } },
            },
          ],
        },
      },
      ...extra,
    },
  };
}

/** What the API server returns for `deployment(...)`: defaults added, server fields set. */
function liveOf(desired: KubeObject): KubeObject {
  const live = JSON.parse(JSON.stringify(desired)) as KubeObject;
  live.metadata = {
    ...live.metadata,
    uid: 'u-1',
    resourceVersion: '42',
    generation: 3,
    creationTimestamp: '2024-01-01T00:00:00Z',
    managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: {} }],
  };
  const spec = live.spec;
  spec.revisionHistoryLimit = 10;
  spec.progressDeadlineSeconds = 600;
  spec.strategy = {
    type: 'RollingUpdate',
    rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
  };
  const pod = spec.template.spec;
  pod.restartPolicy = 'Always';
  pod.dnsPolicy = 'ClusterFirst';
  const c = pod.containers[0];
  c.imagePullPolicy = 'IfNotPresent';
  c.terminationMessagePath = '/dev/termination-log';
  c.ports = c.ports.map((p: Record<string, unknown>) => ({
    ...p,
    protocol: 'TCP',
  }));
  // The server canonicalizes quantities and keeps its own list order.
  c.resources = { limits: { cpu: '0.5', memory: '1073741824' } };
  c.env = [...c.env].reverse();
  live.status = { observedGeneration: 3, replicas: 2 };
  return live;
}

describe('normalize', () => {
  it('drops server-owned fields but keeps owner references and tracking', () => {
    const live = liveOf(deployment('nginx:1'));
    live.metadata.ownerReferences = [
      { apiVersion: 'v1', kind: 'X', name: 'o', uid: 'o1' },
    ];
    live.metadata.annotations![
      'kubectl.kubernetes.io/last-applied-configuration'
    ] = '{}';
    const n = normalize(live);
    expect(n.metadata).toEqual({
      name: 'web',
      namespace: 'shop',
      annotations: {
        'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:shop/web',
      },
      ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'o1' }],
    });
    expect(n.status).toBeUndefined();
    expect(live.metadata.uid).toBe('u-1');
  });
});

describe('subset comparison (no server-side dry-run)', () => {
  it('ignores defaults the server added, list order and quantity spelling', () => {
    const desired = deployment('nginx:1');
    const result = compareResource({ desired, live: liveOf(desired) });
    expect(result.mode).toBe('subset');
    expect(result.status).toBe('Synced');
    expect(result.diff).toBe('');
    expect(result.changedPaths).toEqual([]);
  });

  it('detects a changed image and shows it in a unified diff', () => {
    const live = liveOf(deployment('nginx:1'));
    const result = compareResource({ desired: deployment('nginx:2'), live });
    expect(result.status).toBe('OutOfSync');
    expect(result.changedPaths).toEqual([
      '/spec/template/spec/containers/0/image',
    ]);
    expect(result.diff).toContain('--- live/apps/Deployment/shop/web');
    expect(result.diff).toContain('-          image: nginx:1');
    expect(result.diff).toContain('+          image: nginx:2');
    // Unchanged server defaults stay out of the diff's changed lines.
    expect(result.diff).not.toMatch(/^[-+].*imagePullPolicy/m);
  });

  it('detects a new env var and a changed value inside a keyed list', () => {
    const desired = deployment('nginx:1');
    const live = liveOf(desired);
    desired.spec.template.spec.containers[0].env = [
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
      { name: 'C', value: 'new' },
    ];
    const result = compareResource({ desired, live });
    expect(result.status).toBe('OutOfSync');
    expect(result.changedPaths.length).toBeGreaterThanOrEqual(2);
    expect(result.diff).toContain('+              value: new');
  });

  it('notices fields removed from Git that kubectl applied before (three-way)', () => {
    const before = deployment('nginx:1', { minReadySeconds: 5 });
    const live = liveOf(before);
    live.metadata.annotations![
      'kubectl.kubernetes.io/last-applied-configuration'
    ] = JSON.stringify(before);
    const now = deployment('nginx:1');
    const result = compareResource({ desired: now, live });
    expect(result.status).toBe('OutOfSync');
    expect(result.changedPaths).toEqual(['/spec/minReadySeconds']);
    // Without last-applied the extra live field counts as someone else's.
    delete live.metadata.annotations![
      'kubectl.kubernetes.io/last-applied-configuration'
    ];
    expect(compareResource({ desired: now, live }).status).toBe('Synced');
  });

  it('reports a missing live object with everything added', () => {
    const result = compareResource({ desired: deployment('nginx:1') });
    expect(result.status).toBe('OutOfSync');
    expect(result.normalizedLive).toBeUndefined();
    expect(result.liveYaml).toBe('');
    expect(result.diff).toContain('+kind: Deployment');
    expect(result.diff).not.toMatch(/^-[^-]/m);
  });

  it('marks a live object no longer in Git as requiring pruning', () => {
    const result = compareResource({ live: liveOf(deployment('nginx:1')) });
    expect(result.status).toBe('OutOfSync');
    expect(result.requiresPruning).toBe(true);
    expect(result.desiredYaml).toBe('');
    expect(result.diff).toContain('-kind: Deployment');
  });

  it('rejects a call without objects', () => {
    expect(() => compareResource({})).toThrow(
      'needs a desired or a live object',
    );
  });
});

describe('server-side comparison', () => {
  it('compares the dry-run result with live after normalization', () => {
    const desired = deployment('nginx:1');
    const live = liveOf(desired);
    const predicted = JSON.parse(JSON.stringify(live)) as KubeObject;
    predicted.metadata.resourceVersion = '43';
    predicted.metadata.managedFields = [
      { manager: 'gitops', operation: 'Apply' },
    ];
    expect(
      compareResource({ desired, live, predictedLive: predicted }),
    ).toMatchObject({ status: 'Synced', mode: 'server-side' });

    predicted.spec.template.spec.containers[0].imagePullPolicy = 'Always';
    const changed = compareResource({
      desired,
      live,
      predictedLive: predicted,
    });
    expect(changed.status).toBe('OutOfSync');
    expect(changed.changedPaths).toEqual([
      '/spec/template/spec/containers/0/imagePullPolicy',
    ]);
  });
});

describe('ignoreDifferences', () => {
  const desired = deployment('nginx:1');
  const scaled = () => {
    const live = liveOf(desired);
    live.spec.replicas = 7;
    return live;
  };

  it('ignores a JSON pointer for the matching kind only', () => {
    expect(compareResource({ desired, live: scaled() }).status).toBe(
      'OutOfSync',
    );
    expect(
      compareResource({
        desired,
        live: scaled(),
        ignoreDifferences: [
          {
            group: 'apps',
            kind: 'Deployment',
            jsonPointers: ['/spec/replicas'],
          },
        ],
      }).status,
    ).toBe('Synced');
    expect(
      compareResource({
        desired,
        live: scaled(),
        ignoreDifferences: [
          {
            group: 'apps',
            kind: 'StatefulSet',
            jsonPointers: ['/spec/replicas'],
          },
        ],
      }).status,
    ).toBe('OutOfSync');
    expect(
      compareResource({
        desired,
        live: scaled(),
        ignoreDifferences: [
          {
            group: 'apps',
            kind: 'Deployment',
            name: 'other',
            jsonPointers: ['/spec/replicas'],
          },
        ],
      }).status,
    ).toBe('OutOfSync');
  });

  it('ignores fields picked by a jq path with select', () => {
    const live = liveOf(desired);
    live.spec.template.spec.containers.push({
      name: 'istio-proxy',
      image: 'proxy:1',
    });
    const predicted = JSON.parse(JSON.stringify(live)) as KubeObject;
    predicted.spec.template.spec.containers.pop();
    expect(
      compareResource({ desired, live, predictedLive: predicted }).status,
    ).toBe('OutOfSync');
    expect(
      compareResource({
        desired,
        live,
        predictedLive: predicted,
        ignoreDifferences: [
          {
            group: 'apps',
            kind: 'Deployment',
            jqPathExpressions: [
              '.spec.template.spec.containers[] | select(.name == "istio-proxy")',
            ],
          },
        ],
      }).status,
    ).toBe('Synced');
  });

  it('fails clearly on unsupported jq syntax', () => {
    expect(() =>
      compareResource({
        desired,
        live: scaled(),
        ignoreDifferences: [
          {
            group: 'apps',
            kind: 'Deployment',
            jqPathExpressions: ['.spec | map(.x)'],
          },
        ],
      }),
    ).toThrow(/unsupported jq path expression ".spec \| map\(.x\)"/);
  });

  it('drops fields owned by the listed field managers on both sides', () => {
    const live = scaled();
    live.metadata.managedFields = [
      {
        manager: 'kubectl',
        operation: 'Apply',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:template': {} } },
      },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:replicas': {} } },
      },
    ];
    expect(compareResource({ desired, live }).status).toBe('OutOfSync');
    const byRule = compareResource({
      desired,
      live,
      ignoreDifferences: [
        {
          group: 'apps',
          kind: 'Deployment',
          managedFieldsManagers: ['kube-controller-manager'],
        },
      ],
    });
    expect(byRule.status).toBe('Synced');
    expect(byRule.normalizedLive?.spec.replicas).toBeUndefined();
    expect(byRule.normalizedDesired?.spec.replicas).toBeUndefined();
    expect(
      compareResource({
        desired,
        live,
        managedFieldsManagers: ['kube-controller-manager'],
      }).status,
    ).toBe('Synced');
    expect(
      compareResource({
        desired,
        live,
        managedFieldsManagers: ['someone-else'],
      }).status,
    ).toBe('OutOfSync');
  });

  it('drops list items a manager owns by key', () => {
    const live = liveOf(desired);
    live.spec.template.spec.containers[0].env.push({
      name: 'INJECTED',
      value: 'x',
    });
    const predicted = JSON.parse(JSON.stringify(live)) as KubeObject;
    predicted.spec.template.spec.containers[0].env =
      predicted.spec.template.spec.containers[0].env.filter(
        (e: { name: string }) => e.name !== 'INJECTED',
      );
    live.metadata.managedFields = [
      {
        manager: 'injector',
        operation: 'Update',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            'f:template': {
              'f:spec': {
                'f:containers': {
                  'k:{"name":"web"}': {
                    'f:env': {
                      'k:{"name":"INJECTED"}': {
                        '.': {},
                        'f:name': {},
                        'f:value': {},
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ];
    expect(
      compareResource({ desired, live, predictedLive: predicted }).status,
    ).toBe('OutOfSync');
    expect(
      compareResource({
        desired,
        live,
        predictedLive: predicted,
        ignoreDifferences: [
          {
            group: 'apps',
            kind: 'Deployment',
            managedFieldsManagers: ['injector'],
          },
        ],
      }).status,
    ).toBe('Synced');
  });
});
