import { retryDelay, shouldRetry } from './retry';

describe('retry backoff', () => {
  it('uses Argo CD defaults: 5s doubling up to 3m', () => {
    expect(
      [0, 1, 2, 3, 4, 5, 6].map(a => retryDelay({ limit: 10 }, a)),
    ).toEqual([5000, 10000, 20000, 40000, 80000, 160000, 180000]);
    expect(retryDelay(undefined, 0)).toBe(5000);
  });

  it('honours duration, factor and maxDuration', () => {
    const retry = {
      limit: 5,
      backoff: { duration: '1m30s', factor: 3, maxDuration: '10m' },
    };
    expect([0, 1, 2].map(a => retryDelay(retry, a))).toEqual([
      90_000, 270_000, 600_000,
    ]);
    expect(retryDelay({ backoff: { duration: '200ms', factor: 1 } }, 4)).toBe(
      200,
    );
    expect(retryDelay({ backoff: { duration: '2' } }, 0)).toBe(2000);
  });

  it('rejects bad input clearly', () => {
    expect(() => retryDelay({ backoff: { duration: 'soon' } }, 0)).toThrow(
      'invalid duration "soon"',
    );
    expect(() => retryDelay({ backoff: { factor: 0.5 } }, 0)).toThrow(
      'factor must be >= 1',
    );
    expect(() => retryDelay({}, -1)).toThrow('non-negative integer');
  });

  it('limits the number of retries', () => {
    expect(shouldRetry(undefined, 0)).toBe(false);
    expect(shouldRetry({ limit: 2 }, 1)).toBe(true);
    expect(shouldRetry({ limit: 2 }, 2)).toBe(false);
    expect(shouldRetry({ limit: -1 }, 1000)).toBe(true);
  });
});
