/**
 * The demo's GitOps flow, as a user meets it: every Application of the sample repository
 * deploys to the simulated cluster, and a change pushed to the repository is deployed
 * within seconds (its post-receive hook calls the engine's webhook).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { demoInfo } from './setup/demo';

const run = promisify(execFile);
const { backendUrl, stateDir } = demoInfo();

async function guestToken(): Promise<string> {
  const answer = await fetch(`${backendUrl}/api/auth/guest/refresh`);
  return (await answer.json()).backstageIdentity.token;
}

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    last = await check().catch(e => e);
    if (last && !(last instanceof Error)) return last as T;
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)?.slice(0, 2000)}`);
}

describe('the demo GitOps repository', () => {
  it('deploys every Application of the sample repository, Synced and Healthy', async () => {
    const token = await guestToken();
    const apps = await eventually(
      'every demo Application to be Synced and Healthy',
      async () => {
        const answer = await fetch(`${backendUrl}/api/gitops/applications`, { headers: { authorization: `Bearer ${token}` } });
        const body = await answer.json();
        const items: Array<{ name: string; sync: string; health: string }> = body.items ?? [];
        return items.length >= 5 && items.every(a => a.sync === 'Synced' && a.health === 'Healthy') ? items : undefined;
      },
      180_000,
    );
    expect(apps.map(a => a.name)).toEqual(
      expect.arrayContaining([
        'root',
        'order-service-staging',
        'order-service-production',
        'payment-service-staging',
        'payment-service-production',
      ]),
    );
  });

  it('deploys a change pushed to the demo repository within seconds', async () => {
    const clone = join(stateDir, 'gitops');
    const overlay = join(clone, 'apps/order-service/overlays/staging/kustomization.yaml');
    const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', join(stateDir, 'kubeconfig'), ...args]);
    const replicas = async () =>
      Number((await kubectl('-n', 'shop-staging', 'get', 'deployment', 'order-service', '-o', 'jsonpath={.spec.replicas}')).stdout);
    const before = await replicas();
    const wanted = before + 1;
    writeFileSync(overlay, readFileSync(overlay, 'utf8').replace(/count: \d+/, `count: ${wanted}`));
    const env = { ...process.env, GIT_AUTHOR_NAME: 'E2E', GIT_AUTHOR_EMAIL: 'e2e@example.com', GIT_COMMITTER_NAME: 'E2E', GIT_COMMITTER_EMAIL: 'e2e@example.com' };
    await run('git', ['commit', '-qam', `staging: ${wanted} replicas`], { cwd: clone, env });
    const { stdout: sha } = await run('git', ['rev-parse', 'HEAD'], { cwd: clone });
    await run('git', ['push', '-q', 'origin', 'HEAD:main'], { cwd: clone, env });
    await eventually('the pushed replica count', async () => ((await replicas()) === wanted ? true : undefined), 60_000);

    // The push reached the engine through the repository's hook and the signed webhook.
    const token = await guestToken();
    const audit = await (await fetch(`${backendUrl}/api/gitops/audit?limit=100`, { headers: { authorization: `Bearer ${token}` } })).json();
    const delivery = audit.items.find((r: { action: string; message?: string }) => r.action === 'webhook.push' && r.message?.includes(sha.trim().slice(0, 7)));
    expect(delivery).toMatchObject({ actor: 'webhook:github', result: 'succeeded' });
    expect(delivery.message).toMatch(/refreshed [1-9]\d* application/);
  });
});
