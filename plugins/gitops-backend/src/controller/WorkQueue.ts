/**
 * A keyed work queue, as Kubernetes controllers use: a key is queued at most once, never
 * processed by two workers at once, and re-queued when added again while being processed;
 * delayed adds keep only the earliest due time.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  private readonly waiters: Array<() => void> = [];
  private running = 0;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly handler: (key: string) => Promise<void>,
    private readonly concurrency: number,
    private readonly onError: (key: string, error: unknown) => void,
  ) {}

  start(): void {
    for (let i = 0; i < this.concurrency; i++) void this.worker();
  }

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.waiters.splice(0).forEach(wake => wake());
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.stopped) return;
    const pending = this.timers.get(key);
    if (pending) {
      clearTimeout(pending.timer);
      this.timers.delete(key);
    }
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.waiters.shift()?.();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const due = Date.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.due <= due) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.timers.set(key, { due, timer });
  }

  /** Resolves when nothing is queued or processing (delayed adds do not count). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise(resolve => this.idleWaiters.push(resolve));
  }

  private async worker(): Promise<void> {
    while (!this.stopped) {
      const key = this.queue.shift();
      if (key === undefined) {
        await new Promise<void>(resolve => this.waiters.push(resolve));
        continue;
      }
      this.queued.delete(key);
      this.processing.add(key);
      this.running++;
      try {
        await this.handler(key);
      } catch (error) {
        this.onError(key, error);
      } finally {
        this.processing.delete(key);
        this.running--;
        if (this.dirty.delete(key)) this.add(key);
        if (this.queue.length === 0 && this.running === 0) {
          this.idleWaiters.splice(0).forEach(resolve => resolve());
        }
      }
    }
  }
}
