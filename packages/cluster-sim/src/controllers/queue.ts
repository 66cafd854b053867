/**
 * Work queues keyed by object (`namespace/name`), like client-go's: adding a key that is
 * already waiting is a no-op (coalescing), failed reconciles are retried with backoff
 * (409 conflicts at once), and `addAfter` covers timed work (ready delays, deadlines).
 * One `Scheduler` runs every queue cooperatively in slices so watch events keep flowing.
 */
import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from './clock';

export interface ReconcileResult {
  /** Reconcile this key again after this many milliseconds (timed work). */
  requeueAfterMs?: number;
}

export type Reconciler = (key: string) => ReconcileResult | void;

export interface Logger {
  warn(message: string): void;
  error(message: string): void;
}

export const stderrLogger: Logger = {
  warn: m => process.stderr.write(`[cluster-sim] ${m}\n`),
  error: m => process.stderr.write(`[cluster-sim] ${m}\n`),
};

/** Status code of an API error thrown by the SimClient (SimApiError), if it is one. */
export function apiErrorCode(error: unknown): number | undefined {
  if (error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'number') {
    return (error as { code: number }).code;
  }
  return undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Slice length: how long one scheduler turn may run before yielding to I/O and watch delivery. */
const SLICE_MS = 12;

export class WorkQueue {
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { at: number; handle: TimerHandle }>();
  private readonly failures = new Map<string, number>();
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly reconcile: Reconciler,
    private readonly scheduler: Scheduler,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.dirty.add(key);
    this.scheduler.kick();
  }

  /** Adds the key after `delayMs`; an earlier pending timer for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.scheduler.clock.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    existing?.handle.cancel();
    const handle = this.scheduler.clock.setTimer(() => {
      const current = this.timers.get(key);
      if (current && current.handle === handle) this.timers.delete(key);
      this.add(key);
    }, delayMs);
    this.timers.set(key, { at, handle });
  }

  size(): number {
    return this.dirty.size;
  }

  stop(): void {
    this.stopped = true;
    this.dirty.clear();
    for (const t of this.timers.values()) t.handle.cancel();
    this.timers.clear();
  }

  processOne(): void {
    const key = this.dirty.values().next().value as string | undefined;
    if (key === undefined) return;
    this.dirty.delete(key);
    try {
      const result = this.reconcile(key);
      this.failures.delete(key);
      if (result && result.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const code = apiErrorCode(error);
      if ((code === 409 || code === 404) && n <= 5) {
        // Someone else wrote first (or deleted): the writer refreshed our cache, try again at once.
        this.add(key);
        return;
      }
      const delay = Math.min(5 * 2 ** Math.min(n, 16), code === 409 ? 1000 : 30_000);
      if (n === 1 || n % 10 === 0) {
        this.scheduler.logger.warn(`${this.name} ${key}: ${errorMessage(error)} (attempt ${n}, retrying in ${delay} ms)`);
      }
      this.addAfter(key, delay);
    }
  }
}

export class Scheduler {
  private readonly queues: WorkQueue[] = [];
  private pending = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(readonly clock: Clock, readonly logger: Logger) {}

  queue(name: string, reconcile: Reconciler): WorkQueue {
    const q = new WorkQueue(name, reconcile, this);
    this.queues.push(q);
    return q;
  }

  /** Makes sure a turn is scheduled. */
  kick(): void {
    if (this.pending || this.stopped) return;
    this.pending = true;
    setImmediate(() => this.turn());
  }

  stop(): void {
    this.stopped = true;
    for (const q of this.queues) q.stop();
    this.resolveIdle();
  }

  /** True while some queue has keys ready to process. */
  busy(): boolean {
    return this.queues.some(q => q.size() > 0);
  }

  /** Resolves once no queue has a key ready to process (timed keys do not count). */
  idle(): Promise<void> {
    if (!this.queues.some(q => q.size() > 0)) return Promise.resolve();
    return new Promise(resolve => this.idleWaiters.push(resolve));
  }

  private turn(): void {
    this.pending = false;
    if (this.stopped) return;
    const start = performance.now();
    let worked = true;
    while (worked && performance.now() - start < SLICE_MS) {
      worked = false;
      for (const q of this.queues) {
        // A few keys per queue per round keeps queues fair to one another.
        for (let i = 0; i < 20 && q.size() > 0; i++) {
          q.processOne();
          worked = true;
        }
      }
    }
    if (this.queues.some(q => q.size() > 0)) this.kick();
    else this.resolveIdle();
  }

  private resolveIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
