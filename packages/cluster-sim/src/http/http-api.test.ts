/**
 * The HTTP API's answers to bad input and special requests, checked on the wire: Status
 * objects with the right codes (400 malformed body with nothing changed, 401 without a
 * token, 404 unknown kinds, 405, 415, 422), watch expiry (410 as an ERROR event), fault
 * injection with its admin endpoint, discovery documents and tables.
 */
import http from 'node:http';
import https from 'node:https';
import { ClusterSim, startClusterSim } from '../index';
import { quietLogger, startTestCluster } from '../__testUtils__/harness';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

function request(sim: ClusterSim, method: string, path: string, opts: { body?: string; type?: string; token?: string | null; accept?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? sim.token}`;
    if (opts.type) headers['content-type'] = opts.type;
    if (opts.accept) headers.accept = opts.accept;
    const req = https.request(`${sim.url}${path}`, { method, ca: sim.caData, headers }, res => {
      let text = '';
      res.on('data', d => (text += d));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('HTTP API', () => {
  let sim: ClusterSim;
  beforeAll(async () => {
    sim = await startClusterSim({ port: 0, logger: quietLogger, controllers: false, eventWindow: 5 });
    sim.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1', namespace: 'default' }, data: { a: '1' } });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('answers 401 with a Status when the token is missing or wrong', async () => {
    for (const token of [null, 'wrong']) {
      const r = await request(sim, 'GET', '/api/v1/namespaces', { token });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    expect((await request(sim, 'GET', '/version', { token: null })).json.gitVersion).toBe('v1.31.0');
  });

  it('answers malformed bodies with 400 and leaves the object unchanged', async () => {
    const before = sim.client.get('v1', 'ConfigMap', 'default', 'c1')!;
    const put = await request(sim, 'PUT', '/api/v1/namespaces/default/configmaps/c1', { body: '{"apiVersion": "v1", "kind": ', type: 'application/json' });
    expect(put.status).toBe(400);
    expect(put.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
    const patch = await request(sim, 'PATCH', '/api/v1/namespaces/default/configmaps/c1', { body: '{"data": {', type: 'application/merge-patch+json' });
    expect(patch.status).toBe(400);
    const apply = await request(sim, 'PATCH', '/api/v1/namespaces/default/configmaps/c1?fieldManager=x', { body: 'data: [unclosed', type: 'application/apply-patch+yaml' });
    expect(apply.status).toBe(400);
    expect(apply.json.message).toMatch(/^error decoding YAML/);
    const post = await request(sim, 'POST', '/api/v1/namespaces/default/configmaps', { body: '[1,2]', type: 'application/json' });
    expect(post.status).toBe(400);
    const after = sim.client.get('v1', 'ConfigMap', 'default', 'c1')!;
    expect(after).toEqual(before);
  });

  it('answers unknown kinds and objects with 404, wrong methods with 405, unknown patch types with 415', async () => {
    const kind = await request(sim, 'GET', '/apis/example.io/v1/namespaces/default/widgets');
    expect(kind.status).toBe(404);
    expect(kind.json).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'the server could not find the requested resource', code: 404 });
    const obj = await request(sim, 'GET', '/api/v1/namespaces/default/configmaps/nope');
    expect(obj.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'configmaps' },
      code: 404,
    });
    expect((await request(sim, 'POST', '/api/v1/namespaces/default/configmaps/c1', { body: '{}', type: 'application/json' })).status).toBe(405);
    const unsupported = await request(sim, 'PATCH', '/api/v1/namespaces/default/configmaps/c1', { body: '{}', type: 'text/plain' });
    expect(unsupported.status).toBe(415);
    expect(unsupported.json.reason).toBe('UnsupportedMediaType');
  });

  it('answers invalid objects with 422 naming the field', async () => {
    const r = await request(sim, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }),
      type: 'application/json',
    });
    expect(r.status).toBe(422);
    expect(r.json.reason).toBe('Invalid');
    expect(r.json.details).toMatchObject({ name: 'Bad_Name', kind: 'ConfigMap', causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name' }] });
  });

  it('expires too-old watch versions with a 410 Expired ERROR event', async () => {
    const rv = (await request(sim, 'GET', '/api/v1/namespaces/default/configmaps')).json.metadata.resourceVersion;
    for (let i = 0; i < 1010; i++) sim.client.patch('v1', 'ConfigMap', 'default', 'c1', 'merge', { data: { i: String(i) } });
    const r = await request(sim, 'GET', `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`);
    expect(r.status).toBe(200);
    const event = JSON.parse(r.text.trim());
    expect(event.type).toBe('ERROR');
    expect(event.object).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect(event.object.message).toMatch(/^too old resource version: /);
  });

  it('injects faults per verb and kind, configured over /sim/faults', async () => {
    const bad = await request(sim, 'PUT', '/sim/faults', { body: '{"rules":[{"error":418}]}', type: 'application/json' });
    expect(bad.status).toBe(400);
    const set = await request(sim, 'PUT', '/sim/faults', { body: JSON.stringify({ rules: ['verb=list,kind=ConfigMap,error=429,retry-after=3', { verbs: ['get'], kinds: ['secrets'], error: 500 }] }), type: 'application/json' });
    expect(set.status).toBe(200);
    expect((await request(sim, 'GET', '/sim/faults')).json.rules).toHaveLength(2);
    const limited = await request(sim, 'GET', '/api/v1/namespaces/default/configmaps');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('3');
    expect(limited.json.reason).toBe('TooManyRequests');
    expect((await request(sim, 'GET', '/api/v1/namespaces/default/configmaps/c1')).status).toBe(200);
    const broken = await request(sim, 'GET', '/api/v1/namespaces/default/secrets/x');
    expect(broken.status).toBe(500);
    expect(broken.json.reason).toBe('InternalError');
    // The in-process client never sees faults.
    expect(sim.client.list('v1', 'ConfigMap', { namespace: 'default' }).length).toBeGreaterThan(0);
    sim.setFaults(['latency=150ms']);
    const t0 = Date.now();
    expect((await request(sim, 'GET', '/api/v1/namespaces/default/configmaps/c1')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    await request(sim, 'PUT', '/sim/faults', { body: '{"rules":[]}', type: 'application/json' });
    expect(sim.getFaults()).toEqual({ rules: [] });
  });

  it('serves aggregated discovery, legacy discovery and server-side tables', async () => {
    const agg = await request(sim, 'GET', '/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    expect(agg.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const apps = agg.json.items.find((g: any) => g.metadata.name === 'apps');
    const deployments = apps.versions[0].resources.find((r: any) => r.resource === 'deployments');
    expect(deployments).toMatchObject({ scope: 'Namespaced', singularResource: 'deployment', shortNames: ['deploy'], categories: ['all'] });
    expect(deployments.subresources.map((s: any) => s.subresource)).toEqual(['scale', 'status']);
    const core = await request(sim, 'GET', '/api/v1');
    const pods = core.json.resources.filter((r: any) => r.name.startsWith('pods'));
    expect(pods.map((r: any) => r.name)).toEqual(['pods', 'pods/log', 'pods/status']);
    const table = await request(sim, 'GET', '/api/v1/namespaces', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    expect(table.json.kind).toBe('Table');
    expect(table.json.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Status', 'Age']);
    expect(table.json.rows.map((r: any) => r.cells[0])).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    expect(table.json.rows[0].object.kind).toBe('PartialObjectMetadata');
  });
});

describe('plain http (--insecure-http)', () => {
  it('serves kubectl without a token, as the old insecure port did, but refuses a wrong one', async () => {
    const c = await startTestCluster({ http: true, controllers: false });
    try {
      expect(c.sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(c.sim.caData).toBe('');
      const out = await c.kubectlOk(['get', 'namespaces', '-o', 'name']);
      expect(out.split('\n')).toContain('namespace/default');
      const status = await new Promise<number>((resolve, reject) => {
        http.get(`${c.sim.url}/api/v1/namespaces`, { headers: { authorization: 'Bearer wrong' } }, res => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      expect(status).toBe(401);
    } finally {
      await c.stop();
    }
  });
});
