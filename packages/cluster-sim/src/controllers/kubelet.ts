/**
 * The simulated kubelet (and the scheduler's fallback binding). For each pod on a node it
 * writes the status a real kubelet would: phase, startTime, hostIP/podIP, qosClass,
 * containerStatuses and the PodReadyToStartContainers / Initialized / Ready / ContainersReady /
 * PodScheduled conditions; the pod becomes Ready `readyDelayMs` after it starts. Pods whose
 * template carries `sim.gitops-suite.io/failure` crash-loop, never become ready, fail to pull
 * their image, or (Job pods) exit 1. Job pods (restartPolicy Never/OnFailure) run for their
 * run duration and finish Succeeded or Failed. Deleting a pod completes at once.
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../store/types';
import { parseDuration, parseFailureMode, SimAnnotations } from './annotations';
import { kubeTime, parseKubeTime } from './clock';
import type { SimContext } from './context';
import type { Condition, Container, ContainerStatus, PodSpec, PodStatus } from './kubeTypes';
import { nodeInternalIP, pickNode } from './nodes';
import { clone, deepEqual, findCondition, podStatus, upsertCondition } from './objects';
import type { ReconcileResult } from './queue';
import type { ApiWriter } from './writer';

type Phase = NonNullable<PodStatus['phase']>;

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Guaranteed / Burstable / BestEffort from container resources (requests default to limits). */
export function qosClass(spec: PodSpec): string {
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const limits = c.resources?.limits ?? {};
    const requests = { ...limits, ...(c.resources?.requests ?? {}) };
    if (Object.keys(requests).length || Object.keys(limits).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (!limits[r] || requests[r] !== limits[r]) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Seconds written the way Go prints a time.Duration ("40s", "1m20s", "5m0s"). */
function goDuration(seconds: number): string {
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

function imageID(image: string | undefined): string {
  const ref = image ?? '';
  const repo = ref.split('@')[0].replace(/:[^/:]+$/, '');
  let full = `docker.io/library/${repo}`;
  if (repo.includes('/')) full = repo.split('/')[0].includes('.') ? repo : `docker.io/${repo}`;
  return `${full}@sha256:${sha(ref)}`;
}

export class Kubelet {
  private readonly queue;
  private ipSeq = 0;
  /** Exact start times (status.startTime has whole seconds only), by pod uid. */
  private readonly starts = new Map<string, number>();

  private readonly writer: ApiWriter;
  private readonly scheduler: ApiWriter;

  constructor(private readonly ctx: SimContext) {
    this.writer = ctx.writer.as('kubelet');
    this.scheduler = ctx.writer.as('scheduler');
    this.queue = ctx.scheduler.queue('kubelet', key => this.reconcile(key));
    ctx.informers.pods.onChange((type, obj, _old, origin) => {
      if (type === 'DELETED') this.starts.delete(obj.metadata.uid ?? '');
      else if (origin !== 'kubelet') this.queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
    });
    // Pods waiting for a node get another chance when nodes come and go.
    ctx.informers.nodes.onChange(() => {
      for (const pod of ctx.informers.pods.list()) {
        if (!(pod.spec as PodSpec | undefined)?.nodeName) this.queue.add(`${pod.metadata.namespace}/${pod.metadata.name}`);
      }
    });
  }

  private allocateIP(): string {
    let n = ++this.ipSeq;
    if ((n & 255) === 0 || (n & 255) === 255) n = this.ipSeq += 2;
    return `10.${244 + ((n >> 16) & 7)}.${(n >> 8) & 255}.${n & 255}`;
  }

  private reconcile(key: string): ReconcileResult | void {
    const pod = this.ctx.informers.pods.getByKey(key);
    if (!pod) return undefined;
    if (pod.metadata.deletionTimestamp) {
      // Containers stop at once in the simulation: finish the graceful deletion.
      this.writer.delete(pod, { gracePeriodSeconds: 0 });
      return undefined;
    }
    const spec = (pod.spec ?? { containers: [] }) as PodSpec;
    const status = podStatus(pod);
    if (status.phase === 'Succeeded' || status.phase === 'Failed') return undefined;
    if (!spec.nodeName) return this.schedule(pod, spec);
    const node = this.ctx.informers.nodes.get(undefined, spec.nodeName);
    if (!node) return undefined; // bound to a node that does not exist: stays Pending, as in a real cluster
    return this.sync(pod, spec, status, node);
  }

  /** Binds a pod created without a node (a bare pod) to the least-loaded node. */
  private schedule(pod: KubeObject, spec: PodSpec): ReconcileResult | void {
    const nodeName = pickNode(this.ctx, spec);
    const now = kubeTime(this.ctx.clock.now());
    if (!nodeName) {
      const total = this.ctx.informers.nodes.size();
      const message = `0/${total} nodes are available: ${total === 0 ? 'no nodes available to schedule pods' : `${total} node(s) didn't match Pod's node affinity/selector`}.`;
      const next = clone(podStatus(pod));
      next.phase = 'Pending';
      next.conditions = upsertCondition(next.conditions ?? [], 'PodScheduled', 'False', now, {
        reason: 'Unschedulable',
        message,
        lastProbeTime: null,
      });
      if (!deepEqual(next, pod.status)) {
        this.scheduler.updateStatus({ ...pod, status: next }, 'kube-scheduler');
        this.ctx.recorder.record(pod, 'Warning', 'FailedScheduling', message, 'default-scheduler');
      }
      return undefined;
    }
    // Tagged as the scheduler's write, so the kubelet picks the bound pod up from its event.
    this.scheduler.patch('v1', 'Pod', pod.metadata.namespace, pod.metadata.name ?? '', 'merge', { spec: { nodeName } }, 'kube-scheduler');
    return undefined;
  }

  private sync(pod: KubeObject, spec: PodSpec, old: PodStatus, node: KubeObject): ReconcileResult | void {
    const o = this.ctx.options;
    const nowMs = this.ctx.clock.now();
    const now = kubeTime(nowMs);
    const ann = pod.metadata.annotations ?? {};
    const failure = parseFailureMode(ann[SimAnnotations.failure]);
    const readyDelay = parseDuration(ann[SimAnnotations.readyDelay]) ?? o.readyDelayMs;
    const restartPolicy = spec.restartPolicy ?? 'Always';
    const isJobPod = restartPolicy !== 'Always';
    const firstSync = !old.startTime;
    const uid = pod.metadata.uid ?? '';
    const startMs = this.starts.get(uid) ?? parseKubeTime(old.startTime) ?? nowMs;
    this.starts.set(uid, startMs);
    const startedAt = kubeTime(startMs);
    const containers: Container[] = spec.containers ?? [];
    const names = containers.map(c => c.name);
    const nodeName = node.metadata.name ?? '';
    const hostIP = nodeInternalIP(node) ?? '172.18.0.2';
    const podIP = old.podIP ?? this.allocateIP();

    const next: PodStatus = clone(old);
    next.hostIP = hostIP;
    next.hostIPs = [{ ip: hostIP }];
    next.podIP = podIP;
    next.podIPs = [{ ip: podIP }];
    next.startTime = startedAt;
    next.qosClass = qosClass(spec);
    let conditions: Condition[] = clone(old.conditions ?? []);
    const cond = (type: string, value: boolean, reason?: string, message?: string) => {
      conditions = upsertCondition(conditions, type, value ? 'True' : 'False', now, {
        ...(reason ? { reason } : {}),
        ...(message ? { message } : {}),
        lastProbeTime: null,
      });
    };
    const previousRestarts = new Map((old.containerStatuses ?? []).map(c => [c.name, c.restartCount]));
    const containerID = (name: string, restart: number) => `containerd://${sha(`${pod.metadata.uid}/${name}/${restart}`)}`;
    let phase: Phase = 'Running';
    let ready = false;
    let nextAt: number | undefined;
    let statuses: ContainerStatus[];
    let restarts = 0;

    const base = (c: Container): Pick<ContainerStatus, 'name' | 'image' | 'imageID'> => ({
      name: c.name,
      image: c.image,
      imageID: imageID(c.image),
    });

    if (failure === 'ImagePullBackOff') {
      phase = 'Pending';
      statuses = containers.map(c => ({
        name: c.name,
        image: c.image,
        imageID: '',
        ready: false,
        started: false,
        restartCount: 0,
        state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` } },
        lastState: {},
      }));
    } else if (isJobPod) {
      const runMs = parseDuration(ann[SimAnnotations.runDuration]) ?? o.jobRunMs;
      const endMs = startMs + runMs;
      const fails = failure === 'JobFail' || failure === 'CrashLoop';
      if (nowMs >= endMs) {
        phase = fails ? 'Failed' : 'Succeeded';
        statuses = containers.map(c => ({
          ...base(c),
          containerID: containerID(c.name, 0),
          ready: false,
          started: false,
          restartCount: 0,
          state: {
            terminated: {
              exitCode: fails ? 1 : 0,
              reason: fails ? 'Error' : 'Completed',
              startedAt,
              finishedAt: kubeTime(endMs),
              containerID: containerID(c.name, 0),
            },
          },
          lastState: {},
        }));
      } else {
        ready = failure !== 'NeverReady' && nowMs >= startMs + readyDelay;
        if (!ready && failure !== 'NeverReady' && startMs + readyDelay < endMs) nextAt = startMs + readyDelay;
        nextAt = Math.min(nextAt ?? endMs, endMs);
        statuses = containers.map(c => ({
          ...base(c),
          containerID: containerID(c.name, 0),
          ready,
          started: true,
          restartCount: 0,
          state: { running: { startedAt } },
          lastState: {},
        }));
      }
    } else if (failure === 'CrashLoop') {
      const interval = Math.max(1, parseDuration(ann[SimAnnotations.restartInterval]) ?? o.crashLoopIntervalMs);
      const crashes = Math.floor((nowMs - startMs) / interval);
      nextAt = startMs + (crashes + 1) * interval;
      statuses = containers.map(c => {
        const count = Math.max(previousRestarts.get(c.name) ?? 0, crashes);
        restarts = Math.max(restarts, count);
        if (count === 0) {
          return {
            ...base(c),
            containerID: containerID(c.name, 0),
            ready: false,
            started: true,
            restartCount: 0,
            state: { running: { startedAt } },
            lastState: {},
          };
        }
        const lastStart = startMs + (count - 1) * interval;
        const backoff = Math.min(300, 10 * 2 ** Math.min(count - 1, 5));
        return {
          ...base(c),
          containerID: containerID(c.name, count - 1),
          ready: false,
          started: false,
          restartCount: count,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: `back-off ${goDuration(backoff)} restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
            },
          },
          lastState: {
            terminated: {
              exitCode: 1,
              reason: 'Error',
              startedAt: kubeTime(lastStart),
              finishedAt: kubeTime(lastStart + Math.min(interval / 2, 1000)),
              containerID: containerID(c.name, count - 1),
            },
          },
        };
      });
    } else {
      ready = failure !== 'NeverReady' && nowMs >= startMs + readyDelay;
      if (!ready && failure !== 'NeverReady') nextAt = startMs + readyDelay;
      statuses = containers.map(c => ({
        ...base(c),
        containerID: containerID(c.name, 0),
        ready,
        started: true,
        restartCount: 0,
        state: { running: { startedAt } },
        lastState: {},
      }));
    }

    const unready = `containers with unready status: [${names.join(' ')}]`;
    cond('PodReadyToStartContainers', true);
    cond('Initialized', true);
    if (phase === 'Succeeded' || phase === 'Failed') {
      const reason = phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed';
      cond('Ready', false, reason);
      cond('ContainersReady', false, reason);
    } else if (ready) {
      cond('Ready', true);
      cond('ContainersReady', true);
    } else {
      cond('Ready', false, 'ContainersNotReady', unready);
      cond('ContainersReady', false, 'ContainersNotReady', unready);
    }
    cond('PodScheduled', true);
    next.phase = phase;
    next.conditions = conditions;
    next.containerStatuses = statuses;
    if (spec.initContainers?.length) {
      next.initContainerStatuses = spec.initContainers.map(c => ({
        ...base(c),
        containerID: containerID(c.name, 0),
        ready: true,
        started: false,
        restartCount: 0,
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt: startedAt, containerID: containerID(c.name, 0) } },
        lastState: {},
      }));
    }

    if (!deepEqual(next, old)) {
      this.writer.updateStatus({ ...pod, status: next }, 'kubelet');
      this.recordEvents(pod, nodeName, firstSync, failure, isJobPod, containers, old, restarts);
    }
    return nextAt !== undefined ? { requeueAfterMs: Math.max(1, nextAt - nowMs) } : undefined;
  }

  private recordEvents(
    pod: KubeObject,
    nodeName: string,
    firstSync: boolean,
    failure: string | undefined,
    isJobPod: boolean,
    containers: Container[],
    old: PodStatus,
    restarts: number,
  ): void {
    const r = this.ctx.recorder;
    const opts = (c?: Container) => ({ host: nodeName, ...(c ? { fieldPath: `spec.containers{${c.name}}` } : {}) });
    if (firstSync) {
      if (!findCondition(old.conditions, 'PodScheduled')) {
        r.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${nodeName}`, 'default-scheduler');
      }
      for (const c of containers) {
        if (failure === 'ImagePullBackOff') {
          r.record(pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`, 'kubelet', opts(c));
          r.record(pod, 'Warning', 'Failed', `Failed to pull image "${c.image}": simulated pull failure (${SimAnnotations.failure}: ImagePullBackOff)`, 'kubelet', opts(c));
          r.record(pod, 'Warning', 'Failed', 'Error: ErrImagePull', 'kubelet', opts(c));
          r.record(pod, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`, 'kubelet', opts(c));
          r.record(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', 'kubelet', opts(c));
          continue;
        }
        r.record(pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, 'kubelet', opts(c));
        r.record(pod, 'Normal', 'Created', `Created container ${c.name}`, 'kubelet', opts(c));
        r.record(pod, 'Normal', 'Started', `Started container ${c.name}`, 'kubelet', opts(c));
      }
      if (failure === 'NeverReady' && !isJobPod) {
        for (const c of containers) {
          r.record(pod, 'Warning', 'Unhealthy', `Readiness probe failed: simulated (${SimAnnotations.failure}: NeverReady)`, 'kubelet', opts(c));
        }
      }
    }
    const before = Math.max(0, ...(old.containerStatuses ?? []).map(c => c.restartCount));
    if (failure === 'CrashLoop' && !isJobPod && restarts > before) {
      for (const c of containers) {
        r.record(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`, 'kubelet', opts(c));
      }
    }
  }
}
