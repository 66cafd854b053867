/**
 * The real kubectl against the simulated cluster: table output of `get`, `describe`,
 * server-side apply (plain and with kustomize), `diff --server-side`, `wait`, `rollout status`,
 * `logs`, `delete`, `api-resources` (including a CRD's kind) and `get --raw /metrics`.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { TestCluster, startTestCluster } from './__testUtils__/harness';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.25", ports: [{containerPort: 80}]}]}
`;

describe('kubectl against cluster-sim', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster({ controllerOptions: { readyDelayMs: 50 } });
    await c.kubectlOk(['create', 'namespace', 'shop']);
  }, 30_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('applies server-side, waits for availability and rollout, shows tables and descriptions', async () => {
    const out = await c.kubectlOk(['apply', '--server-side', '-f', '-'], { input: DEPLOYMENT });
    expect(out).toContain('deployment.apps/web serverside-applied');
    await c.kubectlOk(['-n', 'shop', 'wait', '--for=condition=Available', 'deploy/web', '--timeout=20s']);
    const rollout = await c.kubectlOk(['-n', 'shop', 'rollout', 'status', 'deploy/web', '--timeout=20s']);
    expect(rollout).toContain('successfully rolled out');

    const deploys = (await c.kubectlOk(['-n', 'shop', 'get', 'deployments'])).split('\n');
    expect(deploys[0].split(/\s+/)).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    expect(deploys[1]).toMatch(/^web\s+2\/2\s+2\s+2\s+\d+s/);

    const pods = (await c.kubectlOk(['-n', 'shop', 'get', 'pods'])).trim().split('\n');
    expect(pods[0].split(/\s+/)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(pods.slice(1)).toHaveLength(2);
    for (const line of pods.slice(1)) expect(line).toMatch(/^web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+/);

    const rs = (await c.kubectlOk(['-n', 'shop', 'get', 'rs'])).split('\n');
    expect(rs[0].split(/\s+/)).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);

    const ns = await c.kubectlOk(['get', 'ns', 'shop']);
    expect(ns).toMatch(/NAME\s+STATUS\s+AGE\nshop\s+Active\s+/);

    const desc = await c.kubectlOk(['-n', 'shop', 'describe', 'deployment', 'web']);
    expect(desc).toMatch(/Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable/);
    expect(desc).toMatch(/StrategyType:\s+RollingUpdate/);
    expect(desc).toMatch(/RollingUpdateStrategy:\s+25% max unavailable, 25% max surge/);
    expect(desc).toContain('Events:');

    const podName = pods[1].split(/\s+/)[0];
    const podDesc = await c.kubectlOk(['-n', 'shop', 'describe', 'pod', podName]);
    expect(podDesc).toMatch(/Status:\s+Running/);
    expect(podDesc).toMatch(/Controlled By:\s+ReplicaSet\//);

    const logs = await c.kubectl(['-n', 'shop', 'logs', podName]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe('');
  }, 60_000);

  it('diff --server-side exits 0 when the cluster matches and 1 with a diff when not', async () => {
    const file = path.join(c.dir, 'deploy.yaml');
    fs.writeFileSync(file, DEPLOYMENT);
    const same = await c.kubectl(['diff', '--server-side', '-f', file]);
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
    fs.writeFileSync(file, DEPLOYMENT.replace('replicas: 2', 'replicas: 3'));
    const changed = await c.kubectl(['diff', '--server-side', '-f', file]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^-\s+replicas: 2$/m);
    expect(changed.stdout).toMatch(/^\+\s+replicas: 3$/m);
    const live = await c.kubectlOk(['-n', 'shop', 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']);
    expect(live).toBe('2');
  });

  it('applies a kustomization server-side and deletes it again', async () => {
    const dir = path.join(c.dir, 'kz');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'namespace: shop\nresources: [cm.yaml, svc.yaml]\nlabels: [{pairs: {team: checkout}}]\n');
    fs.writeFileSync(path.join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {color: blue}\n');
    fs.writeFileSync(path.join(dir, 'svc.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}\n');
    const out = await c.kubectlOk(['apply', '--server-side', '-k', dir]);
    expect(out).toContain('configmap/settings serverside-applied');
    expect(out).toContain('service/web serverside-applied');
    const svc = (await c.kubectlOk(['-n', 'shop', 'get', 'svc', 'web'])).split('\n');
    expect(svc[0].split(/\s+/)).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(svc[1]).toMatch(/^web\s+ClusterIP\s+10\.9[6-9]\.\d+\.\d+\s+<none>\s+80\/TCP\s+/);
    const labels = await c.kubectlOk(['-n', 'shop', 'get', 'cm', 'settings', '-o', 'jsonpath={.metadata.labels.team}']);
    expect(labels).toBe('checkout');

    const del = await c.kubectlOk(['delete', '-k', dir]);
    expect(del).toContain('configmap "settings" deleted');
    const gone = await c.kubectl(['-n', 'shop', 'get', 'cm', 'settings']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('Error from server (NotFound): configmaps "settings" not found');
  });

  it('api-resources lists the built-in kinds and a CRD kind once established', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.io}
spec:
  group: example.io
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns: [{name: Size, type: integer, jsonPath: .spec.size}]
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}}}}}}
`;
    await c.kubectlOk(['apply', '--server-side', '-f', '-'], { input: crd });
    await c.kubectlOk(['wait', '--for=condition=Established', 'crd/widgets.example.io', '--timeout=10s']);
    const res = await c.kubectlOk(['api-resources']);
    for (const line of [
      /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m,
      /^pods\s+po\s+v1\s+true\s+Pod$/m,
      /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m,
      /^customresourcedefinitions\s+crd,crds\s+apiextensions\.k8s\.io\/v1\s+false\s+CustomResourceDefinition$/m,
      /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m,
      /^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler$/m,
      /^widgets\s+wd\s+example\.io\/v1\s+true\s+Widget$/m,
    ]) {
      expect(res).toMatch(line);
    }
    await c.kubectlOk(['-n', 'shop', 'apply', '--server-side', '-f', '-'], {
      input: '{"apiVersion":"example.io/v1","kind":"Widget","metadata":{"name":"w1"},"spec":{"size":3}}',
    });
    const table = (await c.kubectlOk(['-n', 'shop', 'get', 'wd'])).split('\n');
    expect(table[0].split(/\s+/)).toEqual(['NAME', 'SIZE']);
    expect(table[1]).toMatch(/^w1\s+3$/);
  });

  it('serves metrics to kubectl and to scrapers without a token, but not with a wrong one', async () => {
    const viaKubectl = await c.kubectlOk(['get', '--raw', '/metrics']);
    expect(viaKubectl).toMatch(/^apiserver_request_total\{code="201",resource="namespaces",verb="create"\} \d+$/m);
    const scrape = (token?: string) =>
      new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        const req = https.get(`${c.sim.url}/metrics`, { ca: c.sim.caData, headers: token ? { authorization: `Bearer ${token}` } : {} }, res => {
          let body = '';
          res.on('data', d => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
        });
        req.on('error', reject);
      });
    const anonymous = await scrape();
    expect(anonymous.status).toBe(200);
    expect(anonymous.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(anonymous.body).toMatch(/^apiserver_storage_objects\{resource="deployments.apps"\} 1$/m);
    expect((await scrape('wrong')).status).toBe(401);
  });

  it('deletes a deployment and garbage-collects its replica sets and pods', async () => {
    const del = await c.kubectlOk(['-n', 'shop', 'delete', 'deployment', 'web']);
    expect(del).toContain('deployment.apps "web" deleted');
    const deadline = Date.now() + 10_000;
    let left = '';
    while (Date.now() < deadline) {
      left = await c.kubectlOk(['-n', 'shop', 'get', 'rs,pods', '-o', 'name']);
      if (left.trim() === '') break;
      await new Promise(r => setTimeout(r, 100));
    }
    expect(left.trim()).toBe('');
  });
});
