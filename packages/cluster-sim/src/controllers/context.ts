/**
 * What every simulated controller shares: the client, the informers with their indexes,
 * the writer, the event recorder, the clock, the scheduler of work queues, and the options.
 */
import type { KubeObject, SimClient } from '../store/types';
import { Clock, realClock } from './clock';
import { EventRecorder } from './events';
import { Informer, InformerHub } from './informer';
import { anchorPair } from './labels';
import { controllerRef, ownerUidIndex } from './objects';
import { Logger, Scheduler, stderrLogger } from './queue';
import { ApiWriter } from './writer';

export interface ResolvedOptions {
  readyDelayMs: number;
  nodes: number;
  requestRate: number;
  tickMs: number;
  crashLoopIntervalMs: number;
  jobRunMs: number;
  jobBackoffMs: number;
  loadBalancerDelayMs: number;
  hpaSyncMs: number;
}

export interface Informers {
  pods: Informer;
  nodes: Informer;
  replicaSets: Informer;
  deployments: Informer;
  statefulSets: Informer;
  daemonSets: Informer;
  controllerRevisions: Informer;
  jobs: Informer;
  cronJobs: Informer;
  services: Informer;
  endpoints: Informer;
  ingresses: Informer;
  pvcs: Informer;
  hpas: Informer;
}

export interface SimContext {
  client: SimClient;
  hub: InformerHub;
  informers: Informers;
  writer: ApiWriter;
  recorder: EventRecorder;
  clock: Clock;
  scheduler: Scheduler;
  logger: Logger;
  options: ResolvedOptions;
}

/** Index names used across controllers. */
export const OWNER = 'owner';
export const NODE = 'node';
export const SELECTOR_ANCHOR = 'selectorAnchor';
export const HPA_TARGET = 'target';
export const POD_LABEL = 'label';

export function createContext(
  client: SimClient,
  options: ResolvedOptions,
  extras: { clock?: Clock; logger?: Logger; events?: boolean } = {},
): SimContext {
  const clock = extras.clock ?? realClock;
  const logger = extras.logger ?? stderrLogger;
  const hub = new InformerHub(client, logger);
  const inf = (v: string | string[], k: string) => hub.informer(v, k);
  const informers: Informers = {
    pods: inf('v1', 'Pod'),
    nodes: inf('v1', 'Node'),
    replicaSets: inf('apps/v1', 'ReplicaSet'),
    deployments: inf('apps/v1', 'Deployment'),
    statefulSets: inf('apps/v1', 'StatefulSet'),
    daemonSets: inf('apps/v1', 'DaemonSet'),
    controllerRevisions: inf('apps/v1', 'ControllerRevision'),
    jobs: inf('batch/v1', 'Job'),
    cronJobs: inf('batch/v1', 'CronJob'),
    services: inf('v1', 'Service'),
    endpoints: inf('v1', 'Endpoints'),
    ingresses: inf('networking.k8s.io/v1', 'Ingress'),
    pvcs: inf('v1', 'PersistentVolumeClaim'),
    hpas: inf(['autoscaling/v2', 'autoscaling/v1'], 'HorizontalPodAutoscaler'),
  };
  for (const i of [
    informers.pods,
    informers.replicaSets,
    informers.controllerRevisions,
    informers.jobs,
  ]) {
    i.addIndex(OWNER, ownerUidIndex);
  }
  informers.pods.addIndex(NODE, (o: KubeObject) => {
    const node = (o.spec as { nodeName?: string } | undefined)?.nodeName;
    return node ? [node] : [];
  });
  informers.pods.addIndex(POD_LABEL, (o: KubeObject) =>
    Object.entries(o.metadata.labels ?? {}).map(([k, v]) => `${o.metadata.namespace}|${k}=${v}`),
  );
  informers.services.addIndex(SELECTOR_ANCHOR, (o: KubeObject) => {
    const pair = anchorPair((o.spec as { selector?: Record<string, string> } | undefined)?.selector);
    return pair ? [`${o.metadata.namespace}|${pair}`] : [];
  });
  informers.hpas.addIndex(HPA_TARGET, (o: KubeObject) => {
    const ref = (o.spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)?.scaleTargetRef;
    return ref?.kind && ref.name ? [`${o.metadata.namespace}/${ref.kind}/${ref.name}`] : [];
  });
  const scheduler = new Scheduler(clock, logger);
  return {
    client,
    hub,
    informers,
    writer: new ApiWriter(client, hub),
    recorder: new EventRecorder(client, clock, logger, extras.events ?? true, () => scheduler.busy()),
    clock,
    scheduler,
    logger,
    options,
  };
}

/** `namespace/name` of the controller owner when it is of `kind`. */
export function ownerKey(obj: KubeObject, kind: string): string | undefined {
  const ref = controllerRef(obj);
  if (!ref || ref.kind !== kind) return undefined;
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${ref.name}` : ref.name;
}

/** Active services in the pod's namespace whose selector matches the labels. */
export function servicesSelecting(ctx: SimContext, namespace: string | undefined, labels: Record<string, string> | undefined): KubeObject[] {
  const out = new Map<string, KubeObject>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const svc of ctx.informers.services.byIndex(SELECTOR_ANCHOR, `${namespace}|${k}=${v}`)) {
      const sel = (svc.spec as { selector?: Record<string, string> }).selector ?? {};
      if (Object.entries(sel).every(([sk, sv]) => labels?.[sk] === sv)) out.set(svc.metadata.name ?? '', svc);
    }
  }
  return [...out.values()];
}

/** Pods of a namespace matched by a Service-style selector (empty selector: none). */
export function podsSelectedBy(ctx: SimContext, namespace: string | undefined, selector: Record<string, string> | undefined): KubeObject[] {
  const pair = anchorPair(selector);
  if (!pair || !selector) return [];
  return ctx.informers.pods
    .byIndex(POD_LABEL, `${namespace}|${pair}`)
    .filter(p => Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v));
}
