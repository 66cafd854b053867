/**
 * Latency model of a simulated pod: response times are log-normally distributed with the
 * pod's mean (`sim.gitops-suite.io/latency-ms`, default 20 ms) and σ = 0.35, a common shape
 * for service latencies. Histogram buckets receive their expected share of the requests
 * (the distribution's CDF), so counts are deterministic.
 */

/** Bucket upper bounds in seconds (Prometheus client defaults); the same ×1000 in milliseconds. */
export const BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const BUCKETS_MILLISECONDS = BUCKETS_SECONDS.map(b => Math.round(b * 1000));

export const LATENCY_SIGMA = 0.35;
export const DEFAULT_LATENCY_MS = 20;

/** erf with |error| < 1.5e-7 (Abramowitz & Stegun 7.1.26). */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-ax * ax);
  return sign * y;
}

/** P(latency ≤ x ms) for a log-normal latency with mean `meanMs`. */
export function latencyCdf(xMs: number, meanMs: number, sigma = LATENCY_SIGMA): number {
  if (meanMs <= 0) return 1;
  if (xMs <= 0) return 0;
  const mu = Math.log(meanMs) - (sigma * sigma) / 2;
  return 0.5 * (1 + erf((Math.log(xMs) - mu) / (sigma * Math.SQRT2)));
}

/** Cumulative share of requests in each bucket (le), for a pod's mean latency. */
export function bucketShares(meanMs: number): number[] {
  return BUCKETS_MILLISECONDS.map(le => latencyCdf(le, meanMs));
}
