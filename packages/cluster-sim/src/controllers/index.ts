/**
 * Entry point of the simulated workload controllers: starts the informers, the controllers
 * (Deployment, ReplicaSet, kubelet, StatefulSet, DaemonSet, Job, CronJob, Endpoints,
 * LoadBalancer/Ingress status, PVC binding, HPA status, Nodes) and the traffic simulator whose
 * Prometheus metrics `metrics()` renders. Controllers only use the SimClient, as real
 * controllers only use the API server.
 */
import type { SimClient } from '../store/types';
import type { Clock } from './clock';
import { createContext, ResolvedOptions } from './context';
import { CronJobController } from './cronjob';
import { DaemonSetController } from './daemonset';
import { DeploymentController } from './deployment';
import { EndpointsController } from './endpoints';
import { HpaController } from './hpa';
import { JobController } from './job';
import { Kubelet } from './kubelet';
import { LoadBalancerController } from './loadBalancer';
import { NodeController } from './nodes';
import { PvcController } from './pvc';
import type { Logger } from './queue';
import { ReplicaSetController } from './replicaset';
import { StatefulSetController } from './statefulset';
import { TrafficSimulator } from '../traffic';

export type { Clock } from './clock';
export { FakeClock, realClock } from './clock';
export { SimAnnotations } from './annotations';

export type ControllerName =
  | 'deployment'
  | 'replicaset'
  | 'kubelet'
  | 'statefulset'
  | 'daemonset'
  | 'job'
  | 'cronjob'
  | 'endpoints'
  | 'loadbalancer'
  | 'pvc'
  | 'hpa'
  | 'traffic';

export interface ControllerOptions {
  /** Time from container start to Ready (default 1000 ms; per pod: `sim.gitops-suite.io/ready-delay`). */
  readyDelayMs?: number;
  /** Number of simulated nodes `sim-node-1..N` (default 1). */
  nodes?: number;
  /** Requests per second entering each Service or route (default 10). */
  requestRate?: number;
  /** Traffic counter tick (default 1000 ms); counters also advance on every scrape. */
  tickMs?: number;
  /** Time between restarts of CrashLoop containers (default 5000 ms; per pod: `sim.gitops-suite.io/restart-interval`). */
  crashLoopIntervalMs?: number;
  /** Run time of Job pods (default 1000 ms; per pod: `sim.gitops-suite.io/run-duration`). */
  jobRunMs?: number;
  /** Base delay before a failed Job pod is replaced, doubled per failure (default 1000 ms; Kubernetes uses 10 s). */
  jobBackoffMs?: number;
  /** Delay before a LoadBalancer Service or an Ingress gets its address (default 200 ms). */
  loadBalancerDelayMs?: number;
  /** HPA status resync period (default 15000 ms). */
  hpaSyncMs?: number;
  /** Time source (tests inject a FakeClock). */
  clock?: Clock;
  logger?: Logger;
  /** Write core/v1 Events (default true). */
  events?: boolean;
  /** Controllers to leave off. */
  disable?: ControllerName[];
}

export interface ControllerHandle {
  stop(): Promise<void>;
  /** Prometheus text exposition of the simulated traffic and kube-state-style metrics. */
  metrics(): string;
  /** Resolves when every work queue is drained (timed work not counted); for tests. */
  idle(): Promise<void>;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`cluster-sim controllers: option ${name} must be a number ≥ 0, got ${String(value)}`);
  }
  return value;
}

export function resolveOptions(options: ControllerOptions): ResolvedOptions {
  const nodes = nonNegative('nodes', options.nodes, 1);
  if (!Number.isInteger(nodes)) throw new Error(`cluster-sim controllers: option nodes must be an integer, got ${nodes}`);
  const tickMs = nonNegative('tickMs', options.tickMs, 1000);
  return {
    readyDelayMs: nonNegative('readyDelayMs', options.readyDelayMs, 1000),
    nodes,
    requestRate: nonNegative('requestRate', options.requestRate, 10),
    tickMs: tickMs === 0 ? 1000 : tickMs,
    crashLoopIntervalMs: Math.max(1, nonNegative('crashLoopIntervalMs', options.crashLoopIntervalMs, 5000)),
    jobRunMs: nonNegative('jobRunMs', options.jobRunMs, 1000),
    jobBackoffMs: nonNegative('jobBackoffMs', options.jobBackoffMs, 1000),
    loadBalancerDelayMs: nonNegative('loadBalancerDelayMs', options.loadBalancerDelayMs, 200),
    hpaSyncMs: Math.max(100, nonNegative('hpaSyncMs', options.hpaSyncMs, 15_000)),
  };
}

export function startControllers(client: SimClient, options: ControllerOptions = {}): ControllerHandle {
  const resolved = resolveOptions(options);
  const ctx = createContext(client, resolved, { clock: options.clock, logger: options.logger, events: options.events });
  const off = new Set(options.disable ?? []);
  const nodes = new NodeController(ctx);
  // Each controller registers its informer handlers and work queue when constructed.
  const factories: Array<[ControllerName, (c: typeof ctx) => unknown]> = [
    ['kubelet', c => new Kubelet(c)],
    ['replicaset', c => new ReplicaSetController(c)],
    ['deployment', c => new DeploymentController(c)],
    ['statefulset', c => new StatefulSetController(c)],
    ['daemonset', c => new DaemonSetController(c)],
    ['job', c => new JobController(c)],
    ['cronjob', c => new CronJobController(c)],
    ['endpoints', c => new EndpointsController(c)],
    ['loadbalancer', c => new LoadBalancerController(c)],
    ['pvc', c => new PvcController(c)],
    ['hpa', c => new HpaController(c)],
  ];
  for (const [name, make] of factories) if (!off.has(name)) make(ctx);
  const traffic = off.has('traffic') ? undefined : new TrafficSimulator(ctx);
  ctx.hub.start();
  nodes.ensureNodes(resolved.nodes);
  traffic?.start();
  let stopped = false;
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      traffic?.stop();
      ctx.scheduler.stop();
      ctx.recorder.stop();
      ctx.hub.stop();
    },
    metrics: () => (traffic ? traffic.metrics() : ''),
    idle: () => ctx.scheduler.idle(),
  };
}
