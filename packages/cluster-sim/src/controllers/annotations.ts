/**
 * The `sim.gitops-suite.io/` annotations through which a workload chooses how its simulated
 * pods behave (failure modes, delays) and how its simulated traffic looks.
 */

export const SIM_PREFIX = 'sim.gitops-suite.io/';

export const SimAnnotations = {
  /** CrashLoop | NeverReady | ImagePullBackOff | JobFail */
  failure: `${SIM_PREFIX}failure`,
  /** Time from container start to Ready (duration). */
  readyDelay: `${SIM_PREFIX}ready-delay`,
  /** How long a Job's pod runs before it exits (duration). */
  runDuration: `${SIM_PREFIX}run-duration`,
  /** Time between restarts of a CrashLoop container (duration). */
  restartInterval: `${SIM_PREFIX}restart-interval`,
  /** Requests per second entering a Service or a route (number). */
  requestRate: `${SIM_PREFIX}request-rate`,
  /** Fraction of a pod's requests answered 500 (0–1). */
  errorRate: `${SIM_PREFIX}error-rate`,
  /** Mean response time of a pod in milliseconds. */
  latencyMs: `${SIM_PREFIX}latency-ms`,
} as const;

export type FailureMode = 'CrashLoop' | 'NeverReady' | 'ImagePullBackOff' | 'JobFail';
export const FAILURE_MODES: FailureMode[] = ['CrashLoop', 'NeverReady', 'ImagePullBackOff', 'JobFail'];

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a Go-style duration ("500ms", "2s", "1m30s", "1.5s"); a bare number means
 * milliseconds. Returns undefined for anything else.
 */
export function parseDuration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]];
    consumed += m[0].length;
  }
  return consumed === text.length ? total : undefined;
}

/** A finite number ≥ 0 from an annotation, else undefined. */
export function parseNonNegative(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function parseFailureMode(value: string | undefined): FailureMode | undefined {
  return FAILURE_MODES.find(m => m === value?.trim());
}
