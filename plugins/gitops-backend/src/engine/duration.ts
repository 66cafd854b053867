/**
 * Go-style durations (`1m30s`, `500ms`, `1.5h`), as Argo CD's retry backoff and Argo Rollouts'
 * pauses write them; a plain integer means seconds.
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a duration into milliseconds; throws a clear error on anything else. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) {
      throw new Error(
        `invalid duration ${input}: must be a non-negative number of seconds`,
      );
    }
    return input * 1000;
  }
  const text = input.trim();
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }
  const match = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(
    text,
  );
  if (!match || text === '') {
    throw new Error(
      `invalid duration "${input}": expected a number of seconds or units like 500ms, 30s, 1m30s, 2h`,
    );
  }
  let total = 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g;
  for (let m = part.exec(text); m; m = part.exec(text)) {
    total += Number(m[1]) * UNIT_MS[m[2]];
  }
  if (match[1] === '-') {
    throw new Error(`invalid duration "${input}": must not be negative`);
  }
  return total;
}

/** Formats milliseconds the way Go prints durations (`1m30s`, `500ms`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) {
    return '0s';
  }
  if (ms < 1000) {
    return `${ms}ms`;
  }
  let rest = ms;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = rest / 1000;
  let out = '';
  if (h) out += `${h}h`;
  if (h || m) out += `${m}m`;
  out += `${s}s`;
  return out;
}
