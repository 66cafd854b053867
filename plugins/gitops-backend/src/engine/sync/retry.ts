/**
 * Sync retry backoff as Argo CD computes it: `duration * factor^attempt`, capped at
 * `maxDuration` (defaults 5s, 2, 3m); `limit` < 0 retries forever.
 */
import type { RetryStrategy } from '@gitops-suite/plugin-gitops-common';
import { parseDuration } from '../duration';

export const DEFAULT_RETRY_DURATION = '5s';
export const DEFAULT_RETRY_FACTOR = 2;
export const DEFAULT_RETRY_MAX_DURATION = '3m';

/** Milliseconds to wait before retry number `attempt` (0 = the first retry). */
export function retryDelay(
  retry: RetryStrategy | undefined,
  attempt: number,
): number {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new Error(
      `retry attempt must be a non-negative integer, got ${attempt}`,
    );
  }
  const backoff = retry?.backoff ?? {};
  const base = parseDuration(backoff.duration ?? DEFAULT_RETRY_DURATION);
  const factor = backoff.factor ?? DEFAULT_RETRY_FACTOR;
  const max = parseDuration(backoff.maxDuration ?? DEFAULT_RETRY_MAX_DURATION);
  if (!(factor >= 1)) {
    throw new Error(`retry backoff factor must be >= 1, got ${factor}`);
  }
  return Math.min(base * Math.pow(factor, attempt), max);
}

/** Whether another retry is allowed after `attempt` retries (no strategy = no retries). */
export function shouldRetry(
  retry: RetryStrategy | undefined,
  attempt: number,
): boolean {
  if (!retry) return false;
  const limit = retry.limit ?? 0;
  return limit < 0 || attempt < limit;
}
