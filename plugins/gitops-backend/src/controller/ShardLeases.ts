/**
 * Spreads Applications over backend replicas. Applications hash into a fixed number of
 * shards; each shard is a global task of Backstage's scheduler, whose database lock lets
 * exactly one replica run it at a time. The replica running a shard's task owns the shard
 * until the task's lease ends (it is then claimed again, by it or another replica), so no
 * Application is reconciled by two replicas at once, and a crashed replica's shards are
 * taken over when its lease expires.
 */
import type { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { createHash } from 'node:crypto';

export interface ShardLeasesOptions {
  scheduler: SchedulerService;
  logger: LoggerService;
  shards: number;
  /** How long one claim lasts before it is released and claimed again. */
  leaseSeconds: number;
  /** Called when this replica starts owning a shard (reconcile all its Applications). */
  onAcquire: (shard: number) => void;
  onRelease?: (shard: number) => void;
}

export function shardOf(name: string, shards: number): number {
  if (shards <= 1) return 0;
  return createHash('sha1').update(name).digest().readUInt32BE(0) % shards;
}

export class ShardLeases {
  private readonly owned = new Set<number>();
  private stopped = false;
  private readonly waiting = new Set<() => void>();

  constructor(private readonly options: ShardLeasesOptions) {}

  async start(): Promise<void> {
    for (let shard = 0; shard < this.options.shards; shard++) {
      await this.options.scheduler.scheduleTask({
        id: `gitops-reconcile-shard-${shard}`,
        scope: 'global',
        frequency: { seconds: 1 },
        timeout: { seconds: this.options.leaseSeconds },
        fn: signal => this.hold(shard, signal),
      });
    }
  }

  stop(): void {
    this.stopped = true;
    for (const wake of this.waiting) wake();
  }

  owns(name: string): boolean {
    return this.owned.has(shardOf(name, this.options.shards));
  }

  ownsShard(shard: number): boolean {
    return this.owned.has(shard);
  }

  get ownedShards(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  private async hold(shard: number, signal: AbortSignal): Promise<void> {
    if (this.stopped) return;
    const fresh = !this.owned.has(shard);
    this.owned.add(shard);
    if (fresh) {
      this.options.logger.info(`reconciling shard ${shard} of ${this.options.shards}`);
    }
    this.options.onAcquire(shard);
    await new Promise<void>(resolve => {
      const wake = () => {
        this.waiting.delete(wake);
        resolve();
      };
      this.waiting.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
    // The lease ends: until it is claimed again, another replica may take the shard.
    this.owned.delete(shard);
    this.options.onRelease?.(shard);
  }
}
