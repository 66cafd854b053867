/** Test helpers: a MemoryClient with the controllers running on it, and polling waits. */
import type { KubeObject } from '../../store/types';
import { ControllerHandle, ControllerOptions, startControllers } from '..';
import { FakeClock } from '../clock';
import { MemoryClient } from './memoryClient';

export interface Harness {
  client: MemoryClient;
  sim: ControllerHandle;
  clock?: FakeClock;
  stop(): Promise<void>;
}

export const quietLogger = { warn: () => {}, error: () => {} };

export function startHarness(options: ControllerOptions = {}, fakeClock?: FakeClock): Harness {
  const client = new MemoryClient(fakeClock ? { now: () => fakeClock.now() } : {});
  const sim = startControllers(client, { readyDelayMs: 20, logger: quietLogger, ...options, ...(fakeClock ? { clock: fakeClock } : {}) });
  return { client, sim, clock: fakeClock, stop: () => sim.stop() };
}

/** Polls `check` until it returns a truthy value (returned) or the timeout passes. */
export async function waitFor<T>(check: () => T | undefined | false | null, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = check();
      if (v) return v;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    }
    await new Promise(r => setTimeout(r, 5));
  }
}

/** Lets queued watch events and work run (several event-loop turns). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise(r => setImmediate(r));
}

export function condition(obj: KubeObject | undefined, type: string): { status?: string; reason?: string; message?: string } | undefined {
  return (obj?.status?.conditions as Array<{ type: string; status: string; reason?: string; message?: string }> | undefined)?.find(
    c => c.type === type,
  );
}

export function deployment(name: string, options: { replicas?: number; image?: string; namespace?: string; annotations?: Record<string, string>; strategy?: unknown; extra?: Record<string, unknown> } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: options.namespace ?? 'default' },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      ...(options.strategy ? { strategy: options.strategy } : {}),
      template: {
        metadata: { labels: { app: name }, ...(options.annotations ? { annotations: options.annotations } : {}) },
        spec: { containers: [{ name: 'app', image: options.image ?? 'nginx:1.25', ports: [{ name: 'http', containerPort: 8080 }] }] },
      },
      ...(options.extra ?? {}),
    },
  };
}

export function podsOf(client: MemoryClient, namespace: string, labelSelector: string): KubeObject[] {
  return client.list('v1', 'Pod', { namespace, labelSelector });
}
