/** FieldsV1 sets: JSON round trip, set algebra and path rendering. */
import { FieldSet, keyPE, pathToString, valuePE } from './fieldset';

const json = {
  'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
  'f:spec': {
    'f:replicas': {},
    'f:template': {
      'f:spec': {
        'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
      },
    },
  },
};

describe('FieldSet', () => {
  it('round-trips FieldsV1 JSON with members marked by "."', () => {
    const s = FieldSet.fromJSON(json);
    expect(s.toJSON()).toEqual(json);
    expect(s.has(['f:metadata', 'f:labels'])).toBe(true);
    expect(s.has(['f:metadata'])).toBe(false);
    expect(s.has(['f:spec', 'f:replicas'])).toBe(true);
  });

  it('orders fields before keys, values and indexes, each sorted', () => {
    const s = FieldSet.fromPaths([['i:1'], ['v:"b"'], ['k:{"a":1}'], ['f:z'], ['f:a'], ['v:"a"']]);
    expect(Object.keys(s.toJSON())).toEqual(['f:a', 'f:z', 'k:{"a":1}', 'v:"a"', 'v:"b"', 'i:1']);
  });

  it('computes union, difference and intersection', () => {
    const a = FieldSet.fromPaths([['f:spec', 'f:replicas'], ['f:spec', 'f:paused']]);
    const b = FieldSet.fromPaths([['f:spec', 'f:replicas'], ['f:data', 'f:x']]);
    expect(a.union(b).members().map(pathToString)).toEqual(['.data.x', '.spec.paused', '.spec.replicas']);
    expect(a.difference(b).members().map(pathToString)).toEqual(['.spec.paused']);
    expect(a.intersection(b).members().map(pathToString)).toEqual(['.spec.replicas']);
    expect(a.difference(a).isEmpty()).toBe(true);
    expect(a.equals(FieldSet.fromJSON(a.toJSON()))).toBe(true);
  });

  it('renders paths as the API server does in conflict messages', () => {
    expect(pathToString(['f:spec', 'f:template', 'f:spec', 'f:containers', keyPE({ name: 'web' }), 'f:image'])).toBe(
      '.spec.template.spec.containers[name="web"].image',
    );
    expect(pathToString(['f:spec', 'f:ports', keyPE({ protocol: 'TCP', port: 80 })])).toBe('.spec.ports[port=80,protocol="TCP"]');
    expect(pathToString(['f:metadata', 'f:finalizers', valuePE('x')])).toBe('.metadata.finalizers[="x"]');
    expect(keyPE({ protocol: 'TCP', containerPort: 80 })).toBe('k:{"containerPort":80,"protocol":"TCP"}');
  });

  it('rejects malformed documents', () => {
    expect(() => FieldSet.fromJSON({ spec: {} })).toThrow(/invalid fieldsV1 key/);
    expect(() => FieldSet.fromJSON([])).toThrow();
  });
});
