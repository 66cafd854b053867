/**
 * Time source for the simulated controllers. Everything time-based (ready delays,
 * progress deadlines, cron schedules, traffic counters) reads `now()` and schedules
 * through `setTimer`, so tests can swap in `FakeClock` and move time by hand.
 */

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimer(fn: () => void, delayMs: number): TimerHandle;
}

/** Wall-clock time and Node timers (unref'd so they never keep a process alive). */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, delayMs) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves when `advance` or `set` is called; due timers then fire in time order. */
export class FakeClock implements Clock {
  private current: number;
  private timers: FakeTimer[] = [];
  private seq = 0;

  constructor(start: number | Date = Date.UTC(2025, 0, 1, 0, 0, 0)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const timer: FakeTimer = { at: this.current + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  set(time: number | Date): void {
    const target = typeof time === 'number' ? time : time.getTime();
    for (;;) {
      this.timers = this.timers.filter(t => !t.cancelled);
      const due = this.timers
        .filter(t => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers.splice(this.timers.indexOf(due), 1);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = Math.max(this.current, target);
  }

  /** Number of timers still waiting (for tests). */
  pendingTimers(): number {
    return this.timers.filter(t => !t.cancelled).length;
  }
}

/** Kubernetes-style timestamp (RFC 3339, whole seconds), as metav1.Time serialises. */
export function kubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Parses a Kubernetes timestamp; undefined when absent or malformed. */
export function parseKubeTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}
