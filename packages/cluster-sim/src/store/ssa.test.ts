/** Server-side apply: field sets, the apply merge, comparison, pruning and managedFields. */
import { SimApiError } from './errors';
import { FieldSet, pathToString } from './fieldset';
import { BUILTIN_SCHEMAS, customResourceRoot } from './schema';
import { Managers, applyConfig, compare, decodeManagedFields, encodeManagedFields, mergeApply, toFieldSet, updateManagers } from './ssa';

const deploySchema = BUILTIN_SCHEMAS['apps/Deployment'];
const cmSchema = BUILTIN_SCHEMAS['/ConfigMap'];

function deployment(extra: Record<string, unknown> = {}): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] }] },
      },
      ...extra,
    },
  };
}

const members = (s: FieldSet) => s.members().map(pathToString);

describe('toFieldSet', () => {
  it('keys associative lists, keeps atomic structs whole and owns map keys', () => {
    const s = toFieldSet(deployment(), deploySchema);
    expect(s.toJSON()).toEqual({
      'f:apiVersion': {},
      'f:kind': {},
      'f:metadata': { 'f:labels': { 'f:app': {} }, 'f:name': {} },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': {
                '.': {},
                'f:env': { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
                'f:image': {},
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
  });

  it('owns every map of schemaless custom resources', () => {
    const root = customResourceRoot({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    const s = toFieldSet({ spec: { size: 1, nested: { a: 1 } } }, root);
    expect(s.toJSON()).toEqual({ 'f:spec': { '.': {}, 'f:nested': { '.': {}, 'f:a': {} }, 'f:size': {} } });
  });

  it('fails on associative list items without their key', () => {
    expect(() => toFieldSet({ spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, deploySchema)).toThrow(/omits key field "name"/);
  });
});

describe('mergeApply', () => {
  it('merges containers by name and replaces atomic lists', () => {
    const live = deployment();
    (live.spec.template.spec.containers[0] as any).args = ['a', 'b'];
    const config = {
      spec: { template: { spec: { containers: [{ name: 'side', image: 's' }, { name: 'web', image: 'nginx:2', args: ['c'] }] } } },
    };
    const out = mergeApply(live, config, deploySchema) as any;
    const cs = out.spec.template.spec.containers;
    expect(cs.map((c: any) => c.name)).toEqual(['side', 'web']);
    expect(cs[1]).toMatchObject({ image: 'nginx:2', args: ['c'], env: [{ name: 'A', value: '1' }] });
  });

  it('keeps live-only items in place between shared ones', () => {
    const live = { spec: { template: { spec: { containers: [{ name: 'a' }, { name: 'x' }, { name: 'b' }] } } } };
    const out = mergeApply(live, { spec: { template: { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } } } }, deploySchema) as any;
    expect(out.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['a', 'x', 'b', 'c']);
  });
});

describe('compare', () => {
  it('reports added containers with their own entry and changed leaves as modified', () => {
    const a = deployment();
    const b = deployment({ replicas: 3 });
    b.metadata.labels = { app: 'web', extra: 'x' } as any;
    const c = compare(a, b, deploySchema);
    expect(members(c.modified)).toEqual(['.spec.replicas']);
    expect(members(c.added)).toEqual(['.metadata.labels.extra']);
    expect(c.removed.isEmpty()).toBe(true);
  });

  it('does not treat always-present structs as added on create', () => {
    const c = compare({}, deployment(), deploySchema);
    const j = JSON.stringify(c.added.toJSON());
    expect(j).not.toContain('"f:spec":{".":{}');
    expect(c.added.toJSON()['f:metadata']).toEqual({ 'f:labels': { '.': {}, 'f:app': {} }, 'f:name': {} });
  });
});

describe('applyConfig', () => {
  const opts = (manager: string, force = false) => ({ manager, apiVersion: 'apps/v1', force });

  function createdBy(manager: string, config = deployment()): { obj: Record<string, unknown>; managers: Managers } {
    const r = applyConfig(undefined, config, deploySchema, new Map(), opts(manager));
    return { obj: r.object, managers: r.managers };
  }

  it('conflicts with another manager’s field unless forced, then transfers ownership', () => {
    const { obj, managers } = createdBy('m1');
    const change = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } };
    let err: unknown;
    try {
      applyConfig(obj, change, deploySchema, managers, opts('m2'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SimApiError);
    expect((err as SimApiError).code).toBe(409);
    expect((err as SimApiError).message).toBe('Apply failed with 1 conflict: conflict with "m1": .spec.replicas');
    const forced = applyConfig(obj, change, deploySchema, managers, opts('m2', true));
    expect((forced.object.spec as any).replicas).toBe(3);
    const entries = encodeManagedFields(forced.managers);
    expect(entries.find(e => e.manager === 'm2')?.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(JSON.stringify(entries.find(e => e.manager === 'm1')?.fieldsV1)).not.toContain('f:replicas');
  });

  it('lists several conflicts by manager', () => {
    const { obj, managers } = createdBy('m1');
    expect(() =>
      applyConfig(obj, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'x' } }, spec: { replicas: 5 } }, deploySchema, managers, opts('m2')),
    ).toThrow('Apply failed with 2 conflicts: conflicts with "m1":\n- .metadata.labels.app\n- .spec.replicas');
  });

  it('does not conflict when the value is the same; both managers then own the field', () => {
    const { obj, managers } = createdBy('m1');
    const r = applyConfig(obj, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } }, deploySchema, managers, opts('m2'));
    const owners = encodeManagedFields(r.managers).filter(e => JSON.stringify(e.fieldsV1).includes('f:replicas')).map(e => e.manager);
    expect(owners.sort()).toEqual(['m1', 'm2']);
  });

  it('removes fields a manager stops applying unless someone else owns them', () => {
    const { obj, managers } = createdBy('m1', { ...deployment(), metadata: { name: 'web', labels: { app: 'web', a: '1', b: '2' } } });
    // m2 also sets label b.
    const shared = applyConfig(obj, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { b: '2' } } }, deploySchema, managers, opts('m2'));
    const r = applyConfig(shared.object, deployment(), deploySchema, shared.managers, opts('m1'));
    expect((r.object.metadata as any).labels).toEqual({ app: 'web', b: '2' });
  });

  it('creates an Update entry with "." for new maps on non-apply writes', () => {
    const next = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { x: '1' } }, data: { a: '1' } };
    const managers = updateManagers(undefined, next, cmSchema, new Map(), { manager: 'kubectl-create', apiVersion: 'v1' });
    const [entry] = encodeManagedFields(managers);
    expect(entry).toMatchObject({ manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1' });
    expect(entry.fieldsV1).toEqual({ 'f:data': { '.': {}, 'f:a': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } } });
    const round = decodeManagedFields(encodeManagedFields(managers));
    expect(encodeManagedFields(round)).toEqual(encodeManagedFields(managers));
  });
});
