/**
 * The main acceptance test: the kube-api conformance scenario run with the real kubectl
 * against the simulated cluster (controllers on) must print exactly what a real
 * kube-apiserver printed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TestCluster, run, startTestCluster } from './__testUtils__/harness';

const dir = path.resolve(__dirname, '../test/conformance/kube-api');

describe('kube-api conformance scenario', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster({ controllerOptions: { readyDelayMs: 50 } });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('gives the same answers as kube-apiserver v1.23.16', async () => {
    const out = path.join(c.dir, 'out.txt');
    const r = await run('bash', [path.join(dir, 'scenario.sh'), out], {
      env: { ...process.env, KUBECONFIG: c.kubeconfigPath, HOME: c.dir, KUBECACHEDIR: path.join(c.dir, 'cache') },
      cwd: c.dir,
      timeoutMs: 110_000,
    });
    expect(r.code).toBe(0);
    const expected = fs.readFileSync(path.join(dir, 'expected-kube-apiserver-v1.23.16.txt'), 'utf8').split('\n');
    const actual = fs.readFileSync(out, 'utf8').split('\n');
    expect(actual).toEqual(expected);
  }, 120_000);
});
