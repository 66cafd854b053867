import { formatResourceKey, groupOf, keyOf } from './kube';

describe('resource keys', () => {
  it('reads the group out of an apiVersion', () => {
    expect(groupOf('apps/v1')).toBe('apps');
    expect(groupOf('v1')).toBe('');
    expect(groupOf('argoproj.io/v1alpha1')).toBe('argoproj.io');
  });

  it('formats keys in Argo CD notation', () => {
    const key = keyOf({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
    });
    expect(formatResourceKey(key)).toBe('apps/Deployment/shop/web');
    expect(
      formatResourceKey(keyOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } })),
    ).toBe('/Namespace//shop');
  });
});
