import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import { buildResourceTree } from './tree';

function obj(
  apiVersion: string,
  kind: string,
  name: string,
  uid: string,
  owners: string[] = [],
  extra: Partial<KubeObject> = {},
): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace: 'shop',
      uid,
      creationTimestamp: '2024-01-01T00:00:00Z',
      ownerReferences: owners.map(o => ({
        apiVersion: 'v1',
        kind: 'X',
        name: o,
        uid: o,
      })),
    },
    ...extra,
  };
}

describe('resource tree', () => {
  const deploy = obj('apps/v1', 'Deployment', 'web', 'd1', [], {
    spec: {
      replicas: 1,
      template: { spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
    },
    status: {},
  });
  const rs = obj('apps/v1', 'ReplicaSet', 'web-1', 'r1', ['d1']);
  const pod = obj('v1', 'Pod', 'web-1-a', 'p1', ['r1'], {
    spec: {
      containers: [{ name: 'c', image: 'nginx:1' }],
      initContainers: [{ name: 'i', image: 'busybox' }],
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  });
  const stranger = obj('v1', 'Pod', 'other', 'x1', ['nope']);
  const svc = obj('v1', 'Service', 'web', 's1', [], {
    spec: { type: 'ClusterIP' },
  });
  const endpoints = obj('v1', 'Endpoints', 'web', 'e1', ['s1']);

  it('walks ownerReferences down from the managed resources', () => {
    const nodes = buildResourceTree({
      managed: [svc, deploy],
      live: [pod, rs, stranger, endpoints],
      resourceStatus: {
        'apps/Deployment/shop/web': { status: 'Synced', syncWave: 1 },
      },
    });
    expect(
      nodes.map(n => `${n.kind}/${n.name} <- ${n.parentRefs.join(',')}`),
    ).toEqual([
      'Service/web <- ',
      'Deployment/web <- ',
      'Endpoints/web <- /Service/shop/web',
      'ReplicaSet/web-1 <- apps/Deployment/shop/web',
      'Pod/web-1-a <- apps/ReplicaSet/shop/web-1',
    ]);
    const d = nodes.find(n => n.kind === 'Deployment')!;
    expect(d).toMatchObject({
      group: 'apps',
      version: 'v1',
      status: 'Synced',
      syncWave: 1,
      images: ['nginx:1'],
      uid: 'd1',
    });
    const p = nodes.find(n => n.kind === 'Pod')!;
    expect(p.health).toEqual({ status: 'Healthy' });
    expect(p.images).toEqual(['busybox', 'nginx:1']);
    expect(p.createdAt).toBe('2024-01-01T00:00:00Z');
  });

  it('survives ownership cycles and shared children', () => {
    const a = obj('v1', 'ConfigMap', 'a', 'a1', ['b1']);
    const b = obj('v1', 'ConfigMap', 'b', 'b1', ['a1']);
    const shared = obj('v1', 'ConfigMap', 'c', 'c1', ['a1', 'b1']);
    const nodes = buildResourceTree({ managed: [a], live: [b, shared] });
    expect(nodes.map(n => n.name).sort()).toEqual(['a', 'b', 'c']);
    expect(nodes.find(n => n.name === 'c')!.parentRefs.sort()).toEqual([
      '/ConfigMap/shop/a',
      '/ConfigMap/shop/b',
    ]);
  });
});
