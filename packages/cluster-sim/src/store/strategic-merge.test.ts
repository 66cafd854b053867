/** Strategic merge patch: merge keys, directives and the real server's list order. */
import { BUILTIN_SCHEMAS } from './schema';
import { strategicMerge } from './strategic-merge';

const deployment = BUILTIN_SCHEMAS['apps/Deployment'];
const pod = BUILTIN_SCHEMAS['/Pod'];
const service = BUILTIN_SCHEMAS['/Service'];

function dep(containers: unknown[]) {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers } } } };
}

describe('strategic merge patch', () => {
  it('merges env by name and puts patch items first (B=2 A=1)', () => {
    const out = strategicMerge(
      dep([{ name: 'web', image: 'a', env: [{ name: 'A', value: '1' }] }]),
      { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'B', value: '2' }] }] } } } },
      deployment,
    ) as any;
    expect(out.spec.template.spec.containers).toEqual([{ name: 'web', image: 'a', env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] }]);
  });

  it('interleaves server-only items by their live position', () => {
    const out = strategicMerge(
      dep([{ name: 'a', image: '1' }, { name: 'b', image: '1' }, { name: 'c', image: '1' }]),
      { spec: { template: { spec: { containers: [{ name: 'c', image: '2' }, { name: 'a', image: '2' }] } } } },
      deployment,
    ) as any;
    expect(out.spec.template.spec.containers.map((c: any) => `${c.name}${c.image}`)).toEqual(['b1', 'c2', 'a2']);
  });

  it('deletes list items with $patch: delete and maps with null', () => {
    const out = strategicMerge(
      { ...dep([{ name: 'a', image: '1' }, { name: 'b', image: '1' }]), metadata: { name: 'd', labels: { x: '1', y: '2' } } },
      { metadata: { labels: { x: null } }, spec: { template: { spec: { containers: [{ name: 'a', $patch: 'delete' }] } } } },
      deployment,
    ) as any;
    expect(out.spec.template.spec.containers).toEqual([{ name: 'b', image: '1' }]);
    expect(out.metadata.labels).toEqual({ y: '2' });
  });

  it('replaces lists without a patch strategy, and lists or maps marked $patch: replace', () => {
    const base = { spec: { tolerations: [{ key: 'a' }], nodeSelector: { a: '1', b: '2' }, containers: [{ name: 'x', image: '1' }] } };
    const out = strategicMerge(
      base,
      { spec: { tolerations: [{ key: 'b' }], nodeSelector: { $patch: 'replace', c: '3' }, containers: [{ $patch: 'replace' }, { name: 'y', image: '2' }] } },
      pod,
    ) as any;
    expect(out.spec.tolerations).toEqual([{ key: 'b' }]);
    expect(out.spec.nodeSelector).toEqual({ c: '3' });
    expect(out.spec.containers).toEqual([{ name: 'y', image: '2' }]);
  });

  it('merges service ports by port and honours $retainKeys and $setElementOrder', () => {
    const out = strategicMerge(
      { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }], type: 'ClusterIP', sessionAffinity: 'None' } },
      {
        spec: {
          $retainKeys: ['ports', 'type'],
          '$setElementOrder/ports': [{ port: 443 }, { port: 80 }],
          ports: [{ port: 80, targetPort: 9090 }],
        },
      },
      service,
    ) as any;
    expect(out.spec).toEqual({ ports: [{ port: 443 }, { port: 80, targetPort: 9090 }], type: 'ClusterIP' });
  });

  it('unions merge-strategy scalar lists (finalizers)', () => {
    const out = strategicMerge({ metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['c', 'a'] } }, deployment) as any;
    expect(out.metadata.finalizers).toEqual(['c', 'a', 'b']);
  });

  it('rejects items without their merge key', () => {
    expect(() => strategicMerge(dep([]), { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, deployment)).toThrow(/merge key/);
  });
});
