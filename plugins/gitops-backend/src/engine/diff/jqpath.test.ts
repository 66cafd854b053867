import { jqPaths, parseJqPath } from './jqpath';

const doc = {
  metadata: { annotations: { 'example.com/owner': 'team', other: 'x' } },
  spec: {
    replicas: 3,
    containers: [
      { name: 'app', image: 'app:1', env: [{ name: 'A' }, { name: 'B' }] },
      { name: 'istio-proxy', image: 'proxy:1' },
      { name: 'istio-init', image: 'init:1' },
    ],
  },
};

describe('jq path subset', () => {
  it('resolves dotted, quoted and bracketed keys', () => {
    expect(jqPaths(doc, '.spec.replicas')).toEqual([['spec', 'replicas']]);
    expect(jqPaths(doc, '.metadata.annotations."example.com/owner"')).toEqual([
      ['metadata', 'annotations', 'example.com/owner'],
    ]);
    expect(jqPaths(doc, '.metadata.annotations["other"]')).toEqual([
      ['metadata', 'annotations', 'other'],
    ]);
    expect(jqPaths(doc, '.spec.containers[1].image')).toEqual([
      ['spec', 'containers', 1, 'image'],
    ]);
    expect(jqPaths(doc, '.spec.containers[-1]')).toEqual([
      ['spec', 'containers', 2],
    ]);
  });

  it('iterates and selects', () => {
    expect(jqPaths(doc, '.spec.containers[].image')).toHaveLength(3);
    expect(
      jqPaths(doc, '.spec.containers[] | select(.name == "istio-proxy")'),
    ).toEqual([['spec', 'containers', 1]]);
    expect(
      jqPaths(doc, '.spec.containers[] | select(.name != "app") | .image'),
    ).toEqual([
      ['spec', 'containers', 1, 'image'],
      ['spec', 'containers', 2, 'image'],
    ]);
    expect(
      jqPaths(doc, '.spec.containers[] | select(.name | startswith("istio"))'),
    ).toHaveLength(2);
    expect(
      jqPaths(
        doc,
        '.spec.containers[] | select(.name | test("^istio-(proxy|x)$"))',
      ),
    ).toEqual([['spec', 'containers', 1]]);
    expect(
      jqPaths(
        doc,
        '.spec.containers[] | select(.name == "app" or .image == "init:1")',
      ),
    ).toHaveLength(2);
    expect(
      jqPaths(
        doc,
        '.spec.containers[] | select(.name == "app" and .image == "nope")',
      ),
    ).toEqual([]);
    expect(jqPaths(doc, '.spec.containers[] | select(.env)')).toEqual([
      ['spec', 'containers', 0],
    ]);
    expect(
      jqPaths(doc, '.spec.containers[0].env[] | select(.name == "B")'),
    ).toEqual([['spec', 'containers', 0, 'env', 1]]);
  });

  it('yields nothing for absent paths', () => {
    expect(jqPaths(doc, '.spec.missing.deeper')).toEqual([]);
    expect(jqPaths(doc, '.spec.replicas[]?')).toEqual([]);
  });

  it('rejects syntax outside the subset with a clear error', () => {
    for (const expr of [
      '..',
      '.a | map(.b)',
      '.a + 1',
      'del(.a)',
      '.a[1:2]',
      '.spec.',
      '',
    ]) {
      expect(() => parseJqPath(expr)).toThrow(/unsupported jq path expression/);
    }
  });
});
