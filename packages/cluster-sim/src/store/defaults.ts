/**
 * Defaulting the real API server applies and that users see in `kubectl get -o yaml`
 * (Deployment strategy 25%/25%, revisionHistoryLimit, Service clusterIP and targetPort,
 * Pod restartPolicy, container terminationMessagePolicy…). All of it lives here; it runs
 * on every write, on the storage version of the object, and mutates in place.
 */
import type { KubeObject } from './types';

type Obj = Record<string, any>;

export interface DefaultingContext {
  /** A free ClusterIP for a new Service. */
  allocateClusterIP(): string;
  /** A free node port (30000-32767). */
  allocateNodePort(): number;
}

function setIfAbsent(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function imagePullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastPart.lastIndexOf(':');
  if (colon < 0) return 'Always';
  return lastPart.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  setIfAbsent(p, 'timeoutSeconds', 1);
  setIfAbsent(p, 'periodSeconds', 10);
  setIfAbsent(p, 'successThreshold', 1);
  setIfAbsent(p, 'failureThreshold', 3);
  if (isObj(p.httpGet)) setIfAbsent(p.httpGet, 'scheme', 'HTTP');
}

function defaultContainer(c: unknown): void {
  if (!isObj(c)) return;
  setIfAbsent(c, 'terminationMessagePath', '/dev/termination-log');
  setIfAbsent(c, 'terminationMessagePolicy', 'File');
  setIfAbsent(c, 'imagePullPolicy', imagePullPolicy(c.image));
  setIfAbsent(c, 'resources', {});
  if (Array.isArray(c.ports)) for (const p of c.ports) if (isObj(p)) setIfAbsent(p, 'protocol', 'TCP');
  if (Array.isArray(c.env)) {
    for (const e of c.env) {
      if (isObj(e) && isObj(e.valueFrom) && isObj(e.valueFrom.fieldRef)) setIfAbsent(e.valueFrom.fieldRef, 'apiVersion', 'v1');
    }
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

function defaultVolume(v: unknown): void {
  if (!isObj(v)) return;
  if (isObj(v.configMap)) setIfAbsent(v.configMap, 'defaultMode', 420);
  if (isObj(v.secret)) setIfAbsent(v.secret, 'defaultMode', 420);
  if (isObj(v.downwardAPI)) setIfAbsent(v.downwardAPI, 'defaultMode', 420);
  if (isObj(v.projected)) setIfAbsent(v.projected, 'defaultMode', 420);
}

export function defaultPodSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  setIfAbsent(spec, 'restartPolicy', 'Always');
  setIfAbsent(spec, 'terminationGracePeriodSeconds', 30);
  setIfAbsent(spec, 'dnsPolicy', 'ClusterFirst');
  setIfAbsent(spec, 'securityContext', {});
  setIfAbsent(spec, 'schedulerName', 'default-scheduler');
  for (const key of ['containers', 'initContainers', 'ephemeralContainers']) {
    if (Array.isArray(spec[key])) spec[key].forEach(defaultContainer);
  }
  if (Array.isArray(spec.volumes)) spec.volumes.forEach(defaultVolume);
}

function defaultTemplate(tpl: unknown): void {
  if (!isObj(tpl)) return;
  defaultPodSpec(tpl.spec);
}

function rollingUpdate(spec: Obj, maxUnavailable: unknown, maxSurge: unknown): void {
  setIfAbsent(spec, 'strategy', {});
  const s = spec.strategy as Obj;
  setIfAbsent(s, 'type', 'RollingUpdate');
  if (s.type === 'RollingUpdate') {
    setIfAbsent(s, 'rollingUpdate', {});
    setIfAbsent(s.rollingUpdate, 'maxUnavailable', maxUnavailable);
    setIfAbsent(s.rollingUpdate, 'maxSurge', maxSurge);
  }
}

const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

type Defaulter = (obj: Obj, ctx: DefaultingContext) => void;

const DEFAULTERS: Record<string, Defaulter> = {
  'apps/Deployment': o => {
    const spec = (o.spec ??= {});
    setIfAbsent(spec, 'replicas', 1);
    rollingUpdate(spec, '25%', '25%');
    setIfAbsent(spec, 'revisionHistoryLimit', 10);
    setIfAbsent(spec, 'progressDeadlineSeconds', 600);
    defaultTemplate(spec.template);
  },
  'apps/ReplicaSet': o => {
    const spec = (o.spec ??= {});
    setIfAbsent(spec, 'replicas', 1);
    defaultTemplate(spec.template);
  },
  'apps/StatefulSet': o => {
    const spec = (o.spec ??= {});
    setIfAbsent(spec, 'replicas', 1);
    setIfAbsent(spec, 'podManagementPolicy', 'OrderedReady');
    setIfAbsent(spec, 'updateStrategy', {});
    setIfAbsent(spec.updateStrategy, 'type', 'RollingUpdate');
    if (spec.updateStrategy.type === 'RollingUpdate') {
      setIfAbsent(spec.updateStrategy, 'rollingUpdate', {});
      setIfAbsent(spec.updateStrategy.rollingUpdate, 'partition', 0);
    }
    setIfAbsent(spec, 'revisionHistoryLimit', 10);
    setIfAbsent(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
    defaultTemplate(spec.template);
  },
  'apps/DaemonSet': o => {
    const spec = (o.spec ??= {});
    setIfAbsent(spec, 'updateStrategy', {});
    setIfAbsent(spec.updateStrategy, 'type', 'RollingUpdate');
    if (spec.updateStrategy.type === 'RollingUpdate') {
      setIfAbsent(spec.updateStrategy, 'rollingUpdate', {});
      setIfAbsent(spec.updateStrategy.rollingUpdate, 'maxUnavailable', 1);
      setIfAbsent(spec.updateStrategy.rollingUpdate, 'maxSurge', 0);
    }
    setIfAbsent(spec, 'revisionHistoryLimit', 10);
    defaultTemplate(spec.template);
  },
  'batch/Job': o => {
    const spec = (o.spec ??= {});
    if (spec.completions === undefined && spec.parallelism === undefined) {
      spec.completions = 1;
      spec.parallelism = 1;
    }
    setIfAbsent(spec, 'parallelism', 1);
    setIfAbsent(spec, 'backoffLimit', 6);
    setIfAbsent(spec, 'completionMode', 'NonIndexed');
    setIfAbsent(spec, 'suspend', false);
    setIfAbsent(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
    defaultTemplate(spec.template);
  },
  'batch/CronJob': o => {
    const spec = (o.spec ??= {});
    setIfAbsent(spec, 'concurrencyPolicy', 'Allow');
    setIfAbsent(spec, 'suspend', false);
    setIfAbsent(spec, 'successfulJobsHistoryLimit', 3);
    setIfAbsent(spec, 'failedJobsHistoryLimit', 1);
    if (isObj(spec.jobTemplate) && isObj(spec.jobTemplate.spec)) defaultTemplate(spec.jobTemplate.spec.template);
  },
  '/Pod': o => {
    const spec = (o.spec ??= {});
    defaultPodSpec(spec);
    setIfAbsent(spec, 'enableServiceLinks', true);
    setIfAbsent(spec, 'serviceAccountName', 'default');
    setIfAbsent(spec, 'serviceAccount', spec.serviceAccountName);
    setIfAbsent(spec, 'priority', 0);
    setIfAbsent(spec, 'preemptionPolicy', 'PreemptLowerPriority');
    if (spec.tolerations === undefined) spec.tolerations = DEFAULT_TOLERATIONS.map(t => ({ ...t }));
  },
  '/Service': (o, ctx) => {
    const spec = (o.spec ??= {});
    setIfAbsent(spec, 'type', 'ClusterIP');
    setIfAbsent(spec, 'sessionAffinity', 'None');
    if (Array.isArray(spec.ports)) {
      for (const p of spec.ports) {
        if (!isObj(p)) continue;
        setIfAbsent(p, 'protocol', 'TCP');
        if (p.targetPort === undefined && p.port !== undefined) p.targetPort = p.port;
        if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && p.nodePort === undefined) p.nodePort = ctx.allocateNodePort();
      }
    }
    if (spec.type !== 'ExternalName') {
      if (spec.clusterIP === undefined || spec.clusterIP === '') {
        spec.clusterIP = ctx.allocateClusterIP();
      }
      setIfAbsent(spec, 'clusterIPs', [spec.clusterIP]);
      if (spec.clusterIP !== 'None') {
        setIfAbsent(spec, 'ipFamilies', ['IPv4']);
        setIfAbsent(spec, 'ipFamilyPolicy', 'SingleStack');
      } else {
        setIfAbsent(spec, 'ipFamilies', ['IPv4']);
        setIfAbsent(spec, 'ipFamilyPolicy', 'SingleStack');
      }
      setIfAbsent(spec, 'internalTrafficPolicy', 'Cluster');
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setIfAbsent(spec, 'externalTrafficPolicy', 'Cluster');
    if (spec.type === 'LoadBalancer') setIfAbsent(spec, 'allocateLoadBalancerNodePorts', true);
  },
  '/Namespace': o => {
    o.spec ??= {};
    o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name };
  },
  '/Secret': o => {
    setIfAbsent(o, 'type', 'Opaque');
    if (isObj(o.stringData)) {
      o.data = { ...(o.data ?? {}) };
      for (const [k, v] of Object.entries(o.stringData)) o.data[k] = Buffer.from(String(v)).toString('base64');
      delete o.stringData;
    }
  },
  '/PersistentVolumeClaim': o => {
    const spec = (o.spec ??= {});
    setIfAbsent(spec, 'volumeMode', 'Filesystem');
  },
  '/PersistentVolume': o => {
    const spec = (o.spec ??= {});
    setIfAbsent(spec, 'persistentVolumeReclaimPolicy', 'Retain');
    setIfAbsent(spec, 'volumeMode', 'Filesystem');
  },
  'autoscaling/HorizontalPodAutoscaler': o => {
    const spec = (o.spec ??= {});
    setIfAbsent(spec, 'minReplicas', 1);
    if (spec.metrics === undefined) {
      spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
    }
  },
  'networking.k8s.io/NetworkPolicy': o => {
    const spec = (o.spec ??= {});
    if (spec.policyTypes === undefined) {
      spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
    }
  },
  'storage.k8s.io/StorageClass': o => {
    setIfAbsent(o, 'reclaimPolicy', 'Delete');
    setIfAbsent(o, 'volumeBindingMode', 'Immediate');
  },
  'apiextensions.k8s.io/CustomResourceDefinition': o => {
    const spec = (o.spec ??= {});
    setIfAbsent(spec, 'conversion', { strategy: 'None' });
    if (isObj(spec.names) && spec.names.kind && !spec.names.singular) spec.names.singular = String(spec.names.kind).toLowerCase();
    if (isObj(spec.names) && spec.names.kind && !spec.names.listKind) spec.names.listKind = `${spec.names.kind}List`;
  },
};

/** Kinds whose status is a non-pointer struct: `status: {}` always shows. */
const EMPTY_STATUS = new Set([
  'apps/Deployment',
  'apps/ReplicaSet',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'batch/Job',
  'batch/CronJob',
  'networking.k8s.io/Ingress',
  'policy/PodDisruptionBudget',
  'autoscaling/HorizontalPodAutoscaler',
  '/Node',
  '/ResourceQuota',
]);

/** Defaults a stored (storage-version) object in place. `group` is the storage group. */
export function applyDefaults(group: string, obj: KubeObject, ctx: DefaultingContext): void {
  const key = `${group}/${obj.kind}`;
  DEFAULTERS[key]?.(obj as Obj, ctx);
  if (EMPTY_STATUS.has(key)) setIfAbsent(obj as Obj, 'status', {});
  if (key === 'networking.k8s.io/Ingress') setIfAbsent(obj.status, 'loadBalancer', {});
  if (key === '/Service') {
    setIfAbsent(obj as Obj, 'status', {});
    setIfAbsent(obj.status, 'loadBalancer', {});
  }
}

/** Status a kind starts with on create (status is not settable on create when it has a subresource). */
export function initialStatus(group: string, obj: KubeObject): unknown {
  const key = `${group}/${obj.kind}`;
  switch (key) {
    case '/Pod':
      return { phase: 'Pending', qosClass: qosClass(obj) };
    case '/Namespace':
      return { phase: 'Active' };
    case '/PersistentVolumeClaim':
    case '/PersistentVolume':
      return { phase: 'Pending' };
    default:
      return undefined;
  }
}

function qosClass(pod: KubeObject): string {
  const containers: Obj[] = Array.isArray(pod.spec?.containers) ? pod.spec.containers : [];
  let anyRequests = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) anyRequests = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (l === undefined || String(q) !== String(l)) guaranteed = false;
    }
  }
  if (guaranteed) return 'Guaranteed';
  return anyRequests ? 'Burstable' : 'BestEffort';
}
