/**
 * The kubeconfig for the simulated cluster: cluster `cluster-sim`, a user with the bearer
 * token, context `cluster-sim` set as current; https with certificate-authority-data.
 */
import { stringify } from 'yaml';

export function buildKubeconfig(opts: { url: string; token: string; caPem?: string }): string {
  const cluster: Record<string, unknown> = { server: opts.url };
  if (opts.caPem) cluster['certificate-authority-data'] = Buffer.from(opts.caPem).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'cluster-sim', cluster }],
    users: [{ name: 'cluster-sim', user: { token: opts.token } }],
    contexts: [{ name: 'cluster-sim', context: { cluster: 'cluster-sim', user: 'cluster-sim', namespace: 'default' } }],
    'current-context': 'cluster-sim',
    preferences: {},
  });
}
