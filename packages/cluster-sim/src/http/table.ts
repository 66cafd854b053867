/**
 * Server-side printing: meta.k8s.io/v1 Tables for `kubectl get`, with the columns users
 * know for the common kinds (Pod, Deployment, ReplicaSet, Service, Namespace…), CRD
 * additionalPrinterColumns, and NAME/AGE for the rest.
 */
import type { PrinterColumn, ResourceType, ServedVersion } from '../store/registry';
import { labelSelectorToString } from '../store/selectors';
import type { KubeObject } from '../store/types';

type Obj = Record<string, any>;

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number | boolean | null;

interface Printer {
  columns: ColumnDefinition[];
  cells(o: Obj, now: number): Cell[];
}

const col = (name: string, type = 'string', priority = 0, format = ''): ColumnDefinition => ({
  name,
  type,
  format,
  description: name === 'Name' ? 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names' : name,
  priority,
});

const NAME = col('Name', 'string', 0, 'name');

/** Relative age the way kubectl renders it (`45s`, `3m10s`, `5h`, `12d`). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const d = Math.floor(hours / 24) % 365;
    return d === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${d}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function age(ts: unknown, now: number): string {
  if (typeof ts !== 'string') return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

function containersAndImages(spec: Obj | undefined): [string, string] {
  const cs: Obj[] = spec?.containers ?? [];
  return [cs.map(c => c.name).join(','), cs.map(c => c.image).join(',')];
}

function podStatus(o: Obj): string {
  const status: Obj = o.status ?? {};
  let reason: string = status.reason || status.phase || 'Unknown';
  const inits: Obj[] = status.initContainerStatuses ?? [];
  const initTotal = (o.spec?.initContainers ?? []).length;
  let initializing = false;
  inits.forEach((c, i) => {
    if (c.state?.terminated?.exitCode === 0) return;
    if (initializing) return;
    if (c.state?.terminated) reason = c.state.terminated.reason ? `Init:${c.state.terminated.reason}` : `Init:ExitCode:${c.state.terminated.exitCode}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${initTotal}`;
    initializing = true;
  });
  if (!initializing) {
    let hasRunning = false;
    const cs: Obj[] = status.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i];
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
      else if (c.state?.terminated) reason = c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${c.state.terminated.exitCode}`;
      else if (c.ready && c.state?.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = (status.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }
  if (o.metadata?.deletionTimestamp) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function servicePorts(spec: Obj): string {
  const ports: Obj[] = spec.ports ?? [];
  if (!ports.length) return '<none>';
  return ports.map(p => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

function externalIPs(o: Obj): string {
  const spec: Obj = o.spec ?? {};
  const lb: Obj[] = o.status?.loadBalancer?.ingress ?? [];
  const ext: string[] = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ExternalName':
      return spec.externalName ?? '<none>';
    case 'LoadBalancer': {
      const ips = [...lb.map(i => i.ip || i.hostname).filter(Boolean), ...ext];
      return ips.length ? ips.join(',') : '<pending>';
    }
    default:
      return ext.length ? ext.join(',') : '<none>';
  }
}

function mapSelector(sel: Obj | undefined): string {
  const entries = Object.entries(sel ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}

const PRINTERS: Record<string, Printer> = {
  '/Pod': {
    columns: [NAME, col('Ready'), col('Status'), col('Restarts'), col('Age'), col('IP', 'string', 1), col('Node', 'string', 1), col('Nominated Node', 'string', 1), col('Readiness Gates', 'string', 1)],
    cells: (o, now) => {
      const cs: Obj[] = o.status?.containerStatuses ?? [];
      const total = (o.spec?.containers ?? []).length;
      const ready = cs.filter(c => c.ready).length;
      const restarts = cs.reduce((n, c) => n + (c.restartCount ?? 0), 0);
      const gates: Obj[] = o.spec?.readinessGates ?? [];
      return [
        o.metadata.name,
        `${ready}/${total}`,
        podStatus(o),
        String(restarts),
        age(o.metadata.creationTimestamp, now),
        o.status?.podIP || '<none>',
        o.spec?.nodeName || '<none>',
        o.status?.nominatedNodeName || '<none>',
        gates.length ? `0/${gates.length}` : '<none>',
      ];
    },
  },
  'apps/Deployment': {
    columns: [NAME, col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, now) => {
      const [c, i] = containersAndImages(o.spec?.template?.spec);
      return [
        o.metadata.name,
        `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`,
        o.status?.updatedReplicas ?? 0,
        o.status?.availableReplicas ?? 0,
        age(o.metadata.creationTimestamp, now),
        c,
        i,
        labelSelectorToString(o.spec?.selector) || '<none>',
      ];
    },
  },
  'apps/ReplicaSet': {
    columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, now) => {
      const [c, i] = containersAndImages(o.spec?.template?.spec);
      return [
        o.metadata.name,
        o.spec?.replicas ?? 0,
        o.status?.replicas ?? 0,
        o.status?.readyReplicas ?? 0,
        age(o.metadata.creationTimestamp, now),
        c,
        i,
        labelSelectorToString(o.spec?.selector) || '<none>',
      ];
    },
  },
  'apps/StatefulSet': {
    columns: [NAME, col('Ready'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1)],
    cells: (o, now) => {
      const [c, i] = containersAndImages(o.spec?.template?.spec);
      return [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, age(o.metadata.creationTimestamp, now), c, i];
    },
  },
  'apps/DaemonSet': {
    columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), col('Up-to-date', 'integer'), col('Available', 'integer'), col('Node Selector'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, now) => {
      const [c, i] = containersAndImages(o.spec?.template?.spec);
      const s: Obj = o.status ?? {};
      return [
        o.metadata.name,
        s.desiredNumberScheduled ?? 0,
        s.currentNumberScheduled ?? 0,
        s.numberReady ?? 0,
        s.updatedNumberScheduled ?? 0,
        s.numberAvailable ?? 0,
        mapSelector(o.spec?.template?.spec?.nodeSelector),
        age(o.metadata.creationTimestamp, now),
        c,
        i,
        labelSelectorToString(o.spec?.selector) || '<none>',
      ];
    },
  },
  'batch/Job': {
    columns: [NAME, col('Status'), col('Completions'), col('Duration'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, now) => {
      const [c, i] = containersAndImages(o.spec?.template?.spec);
      const conds: Obj[] = o.status?.conditions ?? [];
      const has = (t: string) => conds.some(x => x.type === t && x.status === 'True');
      const status = ['Complete', 'Failed', 'Suspended'].find(has) ?? 'Running';
      const start = o.status?.startTime ? Date.parse(o.status.startTime) : undefined;
      const end = o.status?.completionTime ? Date.parse(o.status.completionTime) : now;
      return [
        o.metadata.name,
        status,
        `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`,
        start === undefined ? '' : humanDuration(end - start),
        age(o.metadata.creationTimestamp, now),
        c,
        i,
        labelSelectorToString(o.spec?.selector) || '<none>',
      ];
    },
  },
  'batch/CronJob': {
    columns: [NAME, col('Schedule'), col('Timezone'), col('Suspend', 'boolean'), col('Active', 'integer'), col('Last Schedule'), col('Age')],
    cells: (o, now) => [
      o.metadata.name,
      o.spec?.schedule ?? '',
      o.spec?.timeZone ?? '<none>',
      o.spec?.suspend === true,
      (o.status?.active ?? []).length,
      o.status?.lastScheduleTime ? age(o.status.lastScheduleTime, now) : '<none>',
      age(o.metadata.creationTimestamp, now),
    ],
  },
  '/Service': {
    columns: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), col('Age'), col('Selector', 'string', 1)],
    cells: (o, now) => [
      o.metadata.name,
      o.spec?.type ?? 'ClusterIP',
      o.spec?.clusterIP || '<none>',
      externalIPs(o),
      servicePorts(o.spec ?? {}),
      age(o.metadata.creationTimestamp, now),
      mapSelector(o.spec?.selector),
    ],
  },
  '/Namespace': {
    columns: [NAME, col('Status'), col('Age')],
    cells: (o, now) => [o.metadata.name, o.status?.phase ?? 'Active', age(o.metadata.creationTimestamp, now)],
  },
  '/ConfigMap': {
    columns: [NAME, col('Data', 'integer'), col('Age')],
    cells: (o, now) => [o.metadata.name, Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, age(o.metadata.creationTimestamp, now)],
  },
  '/Secret': {
    columns: [NAME, col('Type'), col('Data', 'integer'), col('Age')],
    cells: (o, now) => [o.metadata.name, o.type ?? 'Opaque', Object.keys(o.data ?? {}).length, age(o.metadata.creationTimestamp, now)],
  },
  '/ServiceAccount': {
    columns: [NAME, col('Secrets', 'integer'), col('Age')],
    cells: (o, now) => [o.metadata.name, (o.secrets ?? []).length, age(o.metadata.creationTimestamp, now)],
  },
  '/Endpoints': {
    columns: [NAME, col('Endpoints'), col('Age')],
    cells: (o, now) => {
      const eps: string[] = [];
      for (const s of (o.subsets ?? []) as Obj[]) {
        for (const a of (s.addresses ?? []) as Obj[]) for (const p of (s.ports ?? []) as Obj[]) eps.push(`${a.ip}:${p.port}`);
      }
      return [o.metadata.name, eps.length ? eps.slice(0, 3).join(',') + (eps.length > 3 ? ` + ${eps.length - 3} more...` : '') : '<none>', age(o.metadata.creationTimestamp, now)];
    },
  },
  '/Node': {
    columns: [NAME, col('Status'), col('Roles'), col('Age'), col('Version'), col('Internal-IP', 'string', 1), col('External-IP', 'string', 1)],
    cells: (o, now) => {
      const ready = ((o.status?.conditions ?? []) as Obj[]).find(c => c.type === 'Ready');
      let status = 'Unknown';
      if (ready) status = ready.status === 'True' ? 'Ready' : 'NotReady';
      if (o.spec?.unschedulable) status += ',SchedulingDisabled';
      const roles = Object.keys(o.metadata.labels ?? {})
        .filter(k => k.startsWith('node-role.kubernetes.io/'))
        .map(k => k.slice('node-role.kubernetes.io/'.length));
      const addr = (t: string) => ((o.status?.addresses ?? []) as Obj[]).find(a => a.type === t)?.address ?? '<none>';
      return [o.metadata.name, status, roles.length ? roles.join(',') : '<none>', age(o.metadata.creationTimestamp, now), o.status?.nodeInfo?.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP')];
    },
  },
  '/Event': {
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message'), col('Name', 'string', 1, 'name')],
    cells: (o, now) => {
      const last = o.lastTimestamp ?? o.eventTime ?? o.firstTimestamp ?? o.metadata.creationTimestamp;
      const io: Obj = o.involvedObject ?? {};
      return [age(last, now), o.type ?? '', o.reason ?? '', `${String(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`, o.message ?? '', o.metadata.name];
    },
  },
  '/PersistentVolumeClaim': {
    columns: [NAME, col('Status'), col('Volume'), col('Capacity'), col('Access Modes'), col('StorageClass'), col('Age')],
    cells: (o, now) => [
      o.metadata.name,
      o.status?.phase ?? 'Pending',
      o.spec?.volumeName ?? '',
      o.status?.capacity?.storage ?? '',
      (o.status?.accessModes ?? []).map((m: string) => ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[m] ?? m).join(','),
      o.spec?.storageClassName ?? '<unset>',
      age(o.metadata.creationTimestamp, now),
    ],
  },
  'networking.k8s.io/Ingress': {
    columns: [NAME, col('Class'), col('Hosts'), col('Address'), col('Ports'), col('Age')],
    cells: (o, now) => {
      const hosts = ((o.spec?.rules ?? []) as Obj[]).map(r => r.host).filter(Boolean);
      const addrs = ((o.status?.loadBalancer?.ingress ?? []) as Obj[]).map(i => i.ip || i.hostname).filter(Boolean);
      return [o.metadata.name, o.spec?.ingressClassName ?? '<none>', hosts.length ? hosts.join(',') : '*', addrs.join(','), (o.spec?.tls ?? []).length ? '80, 443' : '80', age(o.metadata.creationTimestamp, now)];
    },
  },
  'autoscaling/HorizontalPodAutoscaler': {
    columns: [NAME, col('Reference'), col('Targets'), col('MinPods', 'integer'), col('MaxPods', 'integer'), col('Replicas', 'integer'), col('Age')],
    cells: (o, now) => {
      const ref: Obj = o.spec?.scaleTargetRef ?? {};
      const metrics: Obj[] = o.spec?.metrics ?? [];
      const current: Obj[] = o.status?.currentMetrics ?? [];
      const targets = metrics
        .map((m, i) => {
          const want = m.resource?.target?.averageUtilization;
          const have = current[i]?.resource?.current?.averageUtilization;
          return want === undefined ? '<unknown>' : `cpu: ${have === undefined ? '<unknown>' : `${have}%`}/${want}%`;
        })
        .join(', ');
      const tcpu = o.spec?.targetCPUUtilizationPercentage;
      return [
        o.metadata.name,
        `${ref.kind}/${ref.name}`,
        targets || (tcpu !== undefined ? `cpu: ${o.status?.currentCPUUtilizationPercentage ?? '<unknown>'}%/${tcpu}%` : '<none>'),
        o.spec?.minReplicas ?? 1,
        o.spec?.maxReplicas ?? 0,
        o.status?.currentReplicas ?? 0,
        age(o.metadata.creationTimestamp, now),
      ];
    },
  },
  'coordination.k8s.io/Lease': {
    columns: [NAME, col('Holder'), col('Age')],
    cells: (o, now) => [o.metadata.name, o.spec?.holderIdentity ?? '', age(o.metadata.creationTimestamp, now)],
  },
  'rbac.authorization.k8s.io/RoleBinding': {
    columns: [NAME, col('Role'), col('Age')],
    cells: (o, now) => [o.metadata.name, `${o.roleRef?.kind}/${o.roleRef?.name}`, age(o.metadata.creationTimestamp, now)],
  },
  'rbac.authorization.k8s.io/ClusterRoleBinding': {
    columns: [NAME, col('Role'), col('Age')],
    cells: (o, now) => [o.metadata.name, `${o.roleRef?.kind}/${o.roleRef?.name}`, age(o.metadata.creationTimestamp, now)],
  },
};

const CREATED_AT: Printer = {
  columns: [NAME, col('Created At', 'date')],
  cells: o => [o.metadata.name, o.metadata.creationTimestamp ?? ''],
};
for (const k of ['rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/ClusterRole', 'apiextensions.k8s.io/CustomResourceDefinition']) PRINTERS[k] = CREATED_AT;

const GENERIC: Printer = {
  columns: [NAME, col('Age')],
  cells: (o, now) => [o.metadata.name, age(o.metadata.creationTimestamp, now)],
};

/** Reads a simple JSONPath (`.status.sync.status`, `.spec.items[0].name`). */
function readPath(o: Obj, jsonPath: string): unknown {
  const tokens = jsonPath.replace(/^\{?\.?/, '').replace(/\}$/, '').split(/\.|\[(\d+)\]/).filter(t => t !== undefined && t !== '');
  let cur: unknown = o;
  for (const t of tokens) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? cur[Number(t)] : (cur as Obj)[t];
  }
  return cur;
}

function crdPrinter(columns: PrinterColumn[]): Printer {
  return {
    columns: [NAME, ...columns.map(c => col(c.name, c.type === 'date' ? 'date' : c.type, c.priority ?? 0, c.format ?? ''))],
    cells: (o, now) => [
      o.metadata.name,
      ...columns.map(c => {
        const v = readPath(o, c.jsonPath);
        if (v === undefined || v === null) return null;
        if (c.type === 'date' && typeof v === 'string') return age(v, now);
        if (c.type === 'integer' || c.type === 'number') return typeof v === 'number' ? v : Number(v);
        if (c.type === 'boolean') return v === true;
        return typeof v === 'object' ? JSON.stringify(v) : String(v);
      }),
    ],
  };
}

function printerFor(type: ResourceType, served: ServedVersion): Printer {
  if (type.custom) return served.printerColumns?.length ? crdPrinter(served.printerColumns) : GENERIC;
  return PRINTERS[`${type.group}/${type.kind}`] ?? GENERIC;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function rowObject(o: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export interface TableOptions {
  includeObject: IncludeObject;
  /** Whether to send columnDefinitions (watch sends them with the first event only). */
  columns: boolean;
  resourceVersion?: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export function toTable(type: ResourceType, served: ServedVersion, objects: KubeObject[], opts: TableOptions): Record<string, unknown> {
  const printer = printerFor(type, served);
  const now = Date.now();
  const metadata: Obj = {};
  if (opts.resourceVersion) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continueToken) metadata.continue = opts.continueToken;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.columns ? printer.columns : [],
    rows: objects.map(o => {
      const row: Obj = { cells: printer.cells(o as Obj, now) };
      const ro = rowObject(o, opts.includeObject);
      if (ro !== undefined) row.object = ro;
      return row;
    }),
  };
}
