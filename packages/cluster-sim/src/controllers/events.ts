/**
 * core/v1 Events as the real components emit them (so `kubectl describe` and
 * `kubectl get events` show ScalingReplicaSet, SuccessfulCreate, Scheduled, Pulled, BackOff…).
 * Repeats of the same event are aggregated into one object whose `count` and
 * `lastTimestamp` grow, like client-go's event correlator. Writes are buffered and flushed
 * outside the reconcile loops so events never slow the controllers down.
 */
import type { KubeObject, SimClient } from '../store/types';
import { Clock, kubeTime } from './clock';
import { apiErrorCode, errorMessage, Logger } from './queue';

export type EventType = 'Normal' | 'Warning';

interface Aggregate {
  name?: string;
  namespace: string;
  count: number;
  first: string;
  last: string;
  involved: Record<string, string | undefined>;
  type: EventType;
  reason: string;
  message: string;
  component: string;
  host?: string;
  dirty: boolean;
}

const MAX_TRACKED = 20_000;
const FLUSH_BATCH = 200;
/** Events wait at most this long behind controller work... */
const BUSY_RETRY_MS = 20;
/** ...unless this many are waiting. */
const MAX_DEFERRED = 10_000;

export interface RecordOptions {
  /** e.g. `spec.containers{web}` for container events. */
  fieldPath?: string;
  /** Node name for kubelet events (source.host). */
  host?: string;
}

export class EventRecorder {
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly pending = new Set<string>();
  private flushScheduled = false;
  private seq = 0;
  private stopped = false;

  constructor(
    private readonly client: SimClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly enabled = true,
    /** While this says the controllers are busy, writing events waits (they are lower priority). */
    private readonly busy: () => boolean = () => false,
  ) {}

  record(obj: KubeObject, type: EventType, reason: string, message: string, component: string, options: RecordOptions = {}): void {
    if (!this.enabled || this.stopped) return;
    const { uid, name, namespace, resourceVersion } = obj.metadata;
    const key = `${uid}|${type}|${reason}|${message}|${component}|${options.fieldPath ?? ''}`;
    const now = kubeTime(this.clock.now());
    let agg = this.aggregates.get(key);
    if (agg) {
      agg.count++;
      agg.last = now;
      agg.involved.resourceVersion = resourceVersion;
      // Refresh its place in the LRU order.
      this.aggregates.delete(key);
      this.aggregates.set(key, agg);
    } else {
      agg = {
        namespace: namespace ?? 'default',
        count: 1,
        first: now,
        last: now,
        involved: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name,
          namespace,
          uid,
          resourceVersion,
          fieldPath: options.fieldPath,
        },
        type,
        reason,
        message,
        component,
        host: options.host,
        dirty: true,
      };
      this.aggregates.set(key, agg);
      if (this.aggregates.size > MAX_TRACKED) {
        const oldest = this.aggregates.keys().next().value as string;
        this.aggregates.delete(oldest);
        this.pending.delete(oldest);
      }
    }
    agg.dirty = true;
    this.pending.add(key);
    this.scheduleFlush();
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
  }

  private scheduleFlush(delayMs = 0): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (delayMs > 0) setTimeout(() => this.flush(), delayMs).unref?.();
    else setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.stopped) return;
    if (this.busy() && this.pending.size < MAX_DEFERRED) {
      this.scheduleFlush(BUSY_RETRY_MS);
      return;
    }
    let n = 0;
    for (const key of this.pending) {
      if (n++ >= FLUSH_BATCH) break;
      this.pending.delete(key);
      const agg = this.aggregates.get(key);
      if (agg?.dirty) this.write(agg);
    }
    if (this.pending.size > 0) this.scheduleFlush();
  }

  /** Number of events waiting to be written (tests, diagnostics). */
  backlog(): number {
    return this.pending.size;
  }

  private write(agg: Aggregate): void {
    agg.dirty = false;
    try {
      if (agg.name) {
        try {
          this.client.patch('v1', 'Event', agg.namespace, agg.name, 'merge', { count: agg.count, lastTimestamp: agg.last });
          return;
        } catch (error) {
          if (apiErrorCode(error) !== 404) throw error;
        }
      }
      agg.name = `${agg.involved.name}.${this.uniqueSuffix()}`;
      const involvedObject: Record<string, string> = {};
      for (const [k, v] of Object.entries(agg.involved)) if (v !== undefined) involvedObject[k] = v;
      this.client.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: agg.name, namespace: agg.namespace },
        involvedObject,
        reason: agg.reason,
        message: agg.message,
        type: agg.type,
        count: agg.count,
        firstTimestamp: agg.first,
        lastTimestamp: agg.last,
        source: agg.host ? { component: agg.component, host: agg.host } : { component: agg.component },
        reportingComponent: agg.component,
        reportingInstance: agg.host ?? '',
      });
    } catch (error) {
      // Namespaces being deleted refuse new events; events are best effort, like the real recorder.
      const code = apiErrorCode(error);
      if (code === undefined) this.logger.warn(`event ${agg.reason} for ${agg.involved.kind} ${agg.involved.name}: ${errorMessage(error)}`);
    }
  }

  private uniqueSuffix(): string {
    const t = BigInt(this.clock.now()) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    return t.toString(16);
  }
}
