/** Rollout arithmetic, template hashes and duration parsing. */
import { parseDuration } from './annotations';
import { computeHash } from './hash';
import { equalIgnoreHash, newRSNewReplicas, resolveFenceposts } from './deploymentUtil';
import { deployment } from './__testUtils__/harness';

describe('rollout arithmetic', () => {
  it('rounds maxSurge up and maxUnavailable down, and never allows 0/0', () => {
    const spec = (maxSurge: number | string, maxUnavailable: number | string) => ({
      template: { spec: { containers: [] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
    });
    expect(resolveFenceposts(spec('25%', '25%'), 10)).toEqual([3, 2]);
    expect(resolveFenceposts(spec('25%', '25%'), 1)).toEqual([1, 0]);
    expect(resolveFenceposts(spec(0, 0), 5)).toEqual([0, 1]);
    expect(resolveFenceposts(spec('10%', '10%'), 3)).toEqual([1, 0]);
    expect(resolveFenceposts(spec(2, '50%'), 5)).toEqual([2, 2]);
    expect(resolveFenceposts({ template: { spec: { containers: [] } } }, 4)).toEqual([1, 1]);
    expect(() => resolveFenceposts(spec('lots', 1), 4)).toThrow(/must be an integer or a percentage/);
  });

  it('grows the new ReplicaSet up to replicas + maxSurge in total', () => {
    const d = deployment('x', { replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
    const rs = (replicas: number) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: {}, spec: { replicas } });
    const newRS = rs(0);
    expect(newRSNewReplicas(d, [rs(4), newRS], newRS)).toBe(1);
    const grown = rs(2);
    expect(newRSNewReplicas(d, [rs(2), grown], grown)).toBe(3);
    expect(newRSNewReplicas(d, [rs(3), grown], grown)).toBe(2);
    const recreate = deployment('y', { replicas: 3, strategy: { type: 'Recreate' } });
    expect(newRSNewReplicas(recreate, [newRS], newRS)).toBe(3);
  });

  it('compares templates ignoring the pod-template-hash label', () => {
    const a = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } };
    const b = { metadata: { labels: { app: 'a', 'pod-template-hash': 'abc' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } };
    expect(equalIgnoreHash(a, b)).toBe(true);
    expect(equalIgnoreHash(a, { ...b, spec: { containers: [{ name: 'c', image: 'i:2' }] } })).toBe(false);
    expect(equalIgnoreHash(a, { ...b, metadata: { labels: { app: 'b', 'pod-template-hash': 'abc' } } })).toBe(false);
  });
});

describe('template hash', () => {
  it('is stable, independent of key order, 8–10 safe characters, and changes with collisionCount', () => {
    const t1 = { metadata: { labels: { app: 'a', tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } };
    const t2 = { spec: { containers: [{ image: 'i:1', name: 'c' }] }, metadata: { labels: { tier: 'web', app: 'a' } } };
    expect(computeHash(t1)).toBe(computeHash(t2));
    expect(computeHash(t1)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{8,10}$/);
    expect(computeHash(t1, 1)).not.toBe(computeHash(t1));
    expect(computeHash({ ...t1, spec: { containers: [{ name: 'c', image: 'i:2' }] } })).not.toBe(computeHash(t1));
  });
});

describe('durations', () => {
  it('parses Go-style durations and bare milliseconds', () => {
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('250')).toBe(250);
    expect(parseDuration('2 s')).toBeUndefined();
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
  });
});
