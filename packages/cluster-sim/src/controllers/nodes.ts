/**
 * Simulated Nodes: creates `sim-node-1..N` (Ready, with capacity, addresses and nodeInfo),
 * gives a Ready status to Node objects others create without one, and picks nodes for new
 * pods (least-loaded Ready node matching the pod's nodeSelector) in place of the scheduler.
 */
import type { KubeObject } from '../store/types';
import { kubeTime } from './clock';
import { NODE, SimContext } from './context';
import type { Condition, PodSpec } from './kubeTypes';
import { mapSelectorMatches } from './labels';
import { findCondition } from './objects';
import { apiErrorCode, errorMessage } from './queue';
import type { ApiWriter } from './writer';

export const SIM_NODE_PREFIX = 'sim-node-';
// Same as the API server's /version: a kubelet never runs ahead of its API server.
export const KUBELET_VERSION = 'v1.31.0';

export function nodeInternalIP(node: KubeObject | undefined): string | undefined {
  const addresses = (node?.status?.addresses ?? []) as Array<{ type: string; address: string }>;
  return addresses.find(a => a.type === 'InternalIP')?.address;
}

function nodeStatus(name: string, ip: string, now: string): Record<string, unknown> {
  const cond = (type: string, status: 'True' | 'False', reason: string, message: string): Condition => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  const resources = { cpu: '4', memory: '16Gi', pods: '5000', 'ephemeral-storage': '100Gi' };
  return {
    capacity: resources,
    allocatable: resources,
    conditions: [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ],
    addresses: [
      { type: 'InternalIP', address: ip },
      { type: 'Hostname', address: name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      architecture: 'amd64',
      operatingSystem: 'linux',
      osImage: 'Simulated Linux (cluster-sim)',
      kernelVersion: '6.1.0-sim',
      containerRuntimeVersion: 'containerd://1.7.24',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      machineID: '',
      systemUUID: '',
      bootID: '',
    },
  };
}

export class NodeController {
  private readonly queue;
  private ipSeq = 100;

  private readonly writer: ApiWriter;

  constructor(private readonly ctx: SimContext) {
    this.writer = ctx.writer.as('node');
    this.queue = ctx.scheduler.queue('node', key => this.reconcile(key));
    ctx.informers.nodes.onChange((type, obj) => {
      if (type !== 'DELETED') this.queue.add(obj.metadata.name ?? '');
    });
  }

  /** Creates the configured sim nodes that do not exist yet. */
  ensureNodes(count: number): void {
    const now = kubeTime(this.ctx.clock.now());
    for (let i = 1; i <= count; i++) {
      const name = `${SIM_NODE_PREFIX}${i}`;
      if (this.ctx.informers.nodes.get(undefined, name)) continue;
      try {
        const created = this.writer.create(
          {
            apiVersion: 'v1',
            kind: 'Node',
            metadata: {
              name,
              labels: {
                'kubernetes.io/hostname': name,
                'kubernetes.io/os': 'linux',
                'kubernetes.io/arch': 'amd64',
                'beta.kubernetes.io/os': 'linux',
                'beta.kubernetes.io/arch': 'amd64',
                'node.kubernetes.io/instance-type': 'sim.standard',
                'sim.gitops-suite.io/node': 'true',
              },
              annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
            },
            spec: { podCIDR: `10.244.${i - 1}.0/24`, podCIDRs: [`10.244.${i - 1}.0/24`] },
          },
          'kubelet',
        );
        this.writer.updateStatus({ ...created, status: nodeStatus(name, `172.18.0.${i + 1}`, now) }, 'kubelet');
      } catch (error) {
        if (apiErrorCode(error) !== 409) this.ctx.logger.warn(`cannot create node ${name}: ${errorMessage(error)}`);
      }
    }
  }

  /** Nodes created by someone else get a Ready status, as if a kubelet had registered them. */
  private reconcile(key: string): void {
    const node = this.ctx.informers.nodes.getByKey(key);
    if (!node || findCondition(node.status?.conditions as Condition[] | undefined, 'Ready')) return;
    const ip = `172.18.1.${this.ipSeq++ % 250}`;
    this.writer.updateStatus({ ...node, status: nodeStatus(key, ip, kubeTime(this.ctx.clock.now())) }, 'kubelet');
  }
}

export function isNodeSchedulable(node: KubeObject): boolean {
  if ((node.spec as { unschedulable?: boolean } | undefined)?.unschedulable) return false;
  return findCondition(node.status?.conditions as Condition[] | undefined, 'Ready')?.status === 'True';
}

/** Least-loaded schedulable node for a pod spec, honouring nodeSelector; undefined if none fits. */
export function pickNode(ctx: SimContext, spec: PodSpec): string | undefined {
  let best: string | undefined;
  let bestLoad = Infinity;
  for (const node of ctx.informers.nodes.list()) {
    if (!isNodeSchedulable(node)) continue;
    if (spec.nodeSelector && Object.keys(spec.nodeSelector).length && !mapSelectorMatches(spec.nodeSelector, node.metadata.labels)) {
      continue;
    }
    const name = node.metadata.name ?? '';
    const load = ctx.informers.pods.indexCount(NODE, name);
    if (load < bestLoad || (load === bestLoad && best !== undefined && name < best)) {
      best = name;
      bestLoad = load;
    }
  }
  return best;
}
