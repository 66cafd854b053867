import type { KubeObject } from '@gitops-suite/plugin-gitops-common';
import { respectIgnoreDifferences } from './respect';

describe('RespectIgnoreDifferences', () => {
  const desired: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', annotations: { a: 'git' } },
    spec: {
      replicas: 1,
      template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } },
    },
  };
  const live: KubeObject = {
    ...desired,
    metadata: {
      name: 'web',
      namespace: 'shop',
      annotations: { a: 'live', b: 'live-only' },
    },
    spec: {
      replicas: 5,
      template: { spec: { containers: [{ name: 'web', image: 'nginx:1' }] } },
    },
  };

  it('keeps ignored fields at their live values and applies the rest', () => {
    const out = respectIgnoreDifferences(desired, live, [
      {
        group: 'apps',
        kind: 'Deployment',
        jsonPointers: ['/spec/replicas'],
        jqPathExpressions: ['.metadata.annotations.a'],
      },
    ]);
    expect(out.spec.replicas).toBe(5);
    expect(out.metadata.annotations).toEqual({ a: 'live' });
    expect(out.spec.template.spec.containers[0].image).toBe('nginx:2');
    expect(desired.spec.replicas).toBe(1);
  });

  it('leaves desired alone when nothing applies or nothing is live', () => {
    expect(
      respectIgnoreDifferences(desired, live, [
        { kind: 'Service', jsonPointers: ['/spec'] },
      ]),
    ).toEqual(desired);
    expect(
      respectIgnoreDifferences(desired, undefined, [
        { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
      ]),
    ).toEqual(desired);
  });
});
