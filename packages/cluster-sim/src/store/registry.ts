/**
 * The resource types the simulated API server serves: the built-in kinds (with their
 * discovery facts: plural, short names, categories, scope, subresources) and the kinds
 * that CustomResourceDefinitions add at run time. One `ResourceType` is one stored kind;
 * it may be served under several group/versions (Events, HPAs, multi-version CRDs).
 */
import { BUILTIN_SCHEMAS, GENERIC_ROOT, StructNode, customResourceRoot } from './schema';
import { eventToEventsV1, eventsV1ToEvent, hpaV1ToV2, hpaV2ToV1 } from './conversions';
import type { KubeObject } from './types';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface ServedVersion {
  group: string;
  version: string;
  /** `v1` or `apps/v1`. */
  apiVersion: string;
  kind: string;
  schema: StructNode;
  /** Storage shape → this version's shape (absent: only apiVersion changes). */
  fromStorage?: (obj: KubeObject) => KubeObject;
  /** This version's shape → storage shape. */
  toStorage?: (obj: KubeObject) => KubeObject;
  printerColumns?: PrinterColumn[];
}

export type GenerationRule = 'none' | 'spec' | 'spec+annotations' | 'nonstatus' | 'nonmeta';

export interface ScaleSpec {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface ResourceType {
  /** Storage identity: `group/plural`. */
  id: string;
  group: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  storage: ServedVersion;
  versions: ServedVersion[];
  statusSubresource: boolean;
  scale?: ScaleSpec;
  log?: boolean;
  generation: GenerationRule;
  gcDefault: 'Background' | 'Orphan';
  nameRule: 'subdomain' | 'label' | 'dns1035' | 'path' | 'crd';
  returnDeleted: boolean;
  allowCreateOnUpdate: boolean;
  fieldSelectors: string[];
  /** Values a selectable field has when absent (`spec.hostNetwork` is "false"). */
  fieldDefaults?: Record<string, string>;
  custom: boolean;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface BuiltinDef {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced?: boolean;
  shortNames?: string[];
  all?: boolean;
  status?: boolean;
  scale?: boolean;
  log?: boolean;
  generation?: GenerationRule;
  gcDefault?: 'Background' | 'Orphan';
  nameRule?: ResourceType['nameRule'];
  returnDeleted?: boolean;
  allowCreateOnUpdate?: boolean;
  fieldSelectors?: string[];
  fieldDefaults?: Record<string, string>;
  verbs?: string[];
  extraVersions?: Array<Omit<ServedVersion, 'schema' | 'apiVersion'>>;
}

const BUILTINS: BuiltinDef[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'], status: true, nameRule: 'label', returnDeleted: true, fieldSelectors: ['status.phase'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false, shortNames: ['no'], status: true, returnDeleted: true, fieldSelectors: ['spec.unschedulable'], fieldDefaults: { 'spec.unschedulable': 'false' } },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', fieldSelectors: ['type'] },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', shortNames: ['svc'], all: true, status: true, nameRule: 'dns1035', returnDeleted: true },
  { group: '', version: 'v1', plural: 'endpoints', kind: 'Endpoints', shortNames: ['ep'], allowCreateOnUpdate: true },
  { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', shortNames: ['sa'] },
  {
    group: '', version: 'v1', plural: 'pods', kind: 'Pod', shortNames: ['po'], all: true, status: true, log: true, returnDeleted: true,
    fieldSelectors: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
    fieldDefaults: { 'spec.hostNetwork': 'false' },
  },
  {
    group: '', version: 'v1', plural: 'events', kind: 'Event', shortNames: ['ev'],
    fieldSelectors: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
    extraVersions: [{ group: 'events.k8s.io', version: 'v1', kind: 'Event', fromStorage: eventToEventsV1, toStorage: eventsV1ToEvent }],
  },
  { group: '', version: 'v1', plural: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', shortNames: ['pvc'], status: true },
  { group: '', version: 'v1', plural: 'persistentvolumes', kind: 'PersistentVolume', namespaced: false, shortNames: ['pv'], status: true },
  { group: '', version: 'v1', plural: 'limitranges', kind: 'LimitRange', shortNames: ['limits'] },
  { group: '', version: 'v1', plural: 'resourcequotas', kind: 'ResourceQuota', shortNames: ['quota'], status: true },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', shortNames: ['deploy'], all: true, status: true, scale: true, generation: 'spec+annotations' },
  { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', shortNames: ['rs'], all: true, status: true, scale: true, generation: 'spec', fieldSelectors: ['status.replicas'] },
  { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', shortNames: ['sts'], all: true, status: true, scale: true, generation: 'spec' },
  { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', shortNames: ['ds'], all: true, status: true, generation: 'spec' },
  { group: 'apps', version: 'v1', plural: 'controllerrevisions', kind: 'ControllerRevision' },
  { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', all: true, status: true, generation: 'spec', gcDefault: 'Orphan', fieldSelectors: ['status.successful'] },
  { group: 'batch', version: 'v1', plural: 'cronjobs', kind: 'CronJob', shortNames: ['cj'], all: true, status: true, generation: 'spec' },
  { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress', shortNames: ['ing'], status: true, generation: 'spec' },
  { group: 'networking.k8s.io', version: 'v1', plural: 'ingressclasses', kind: 'IngressClass', namespaced: false, generation: 'spec' },
  { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', shortNames: ['netpol'], generation: 'spec' },
  {
    group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', shortNames: ['hpa'], all: true, status: true, generation: 'spec',
    extraVersions: [{ group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler', fromStorage: hpaV2ToV1, toStorage: hpaV1ToV2 }],
  },
  { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', shortNames: ['pdb'], status: true, generation: 'spec' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', nameRule: 'path' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', nameRule: 'path' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false, nameRule: 'path' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false, nameRule: 'path' },
  { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false, shortNames: ['crd', 'crds'], status: true, generation: 'spec', nameRule: 'crd', returnDeleted: true },
  { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses', kind: 'StorageClass', namespaced: false, shortNames: ['sc'] },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', allowCreateOnUpdate: true },
];

function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

function schemaFor(group: string, kind: string): StructNode {
  return BUILTIN_SCHEMAS[`${group}/${kind}`] ?? GENERIC_ROOT;
}

function builtinType(d: BuiltinDef): ResourceType {
  const storage: ServedVersion = {
    group: d.group,
    version: d.version,
    apiVersion: apiVersionOf(d.group, d.version),
    kind: d.kind,
    schema: schemaFor(d.group, d.kind),
  };
  const versions = [storage];
  for (const v of d.extraVersions ?? []) {
    versions.push({ ...v, apiVersion: apiVersionOf(v.group, v.version), schema: schemaFor(v.group, v.kind) });
  }
  return {
    id: `${d.group}/${d.plural}`,
    group: d.group,
    plural: d.plural,
    singular: d.kind.toLowerCase(),
    kind: d.kind,
    listKind: `${d.kind}List`,
    namespaced: d.namespaced !== false,
    shortNames: d.shortNames ?? [],
    categories: d.all ? ['all'] : [],
    verbs: d.verbs ?? VERBS,
    storage,
    versions,
    statusSubresource: d.status === true,
    scale: d.scale ? { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } : undefined,
    log: d.log,
    generation: d.generation ?? 'none',
    gcDefault: d.gcDefault ?? 'Background',
    nameRule: d.nameRule ?? 'subdomain',
    returnDeleted: d.returnDeleted === true,
    allowCreateOnUpdate: d.allowCreateOnUpdate === true,
    fieldSelectors: ['metadata.name', 'metadata.namespace', ...(d.fieldSelectors ?? [])],
    fieldDefaults: d.fieldDefaults,
    custom: false,
  };
}

type Obj = Record<string, any>;

/** Builds the served type of a CustomResourceDefinition (storage: the `storage: true` version). */
export function typeFromCrd(crd: KubeObject): ResourceType {
  const spec: Obj = crd.spec ?? {};
  const names: Obj = spec.names ?? {};
  const group = String(spec.group);
  const allVersions: Obj[] = Array.isArray(spec.versions) ? spec.versions : [];
  const served = allVersions.filter(v => v.served !== false);
  const storageDef = allVersions.find(v => v.storage === true) ?? allVersions[0];
  const mk = (v: Obj): ServedVersion => ({
    group,
    version: String(v.name),
    apiVersion: `${group}/${v.name}`,
    kind: String(names.kind),
    schema: customResourceRoot(v.schema?.openAPIV3Schema),
    printerColumns: Array.isArray(v.additionalPrinterColumns) ? (v.additionalPrinterColumns as PrinterColumn[]) : undefined,
  });
  const storage = mk(storageDef);
  const versions = served.map(v => (v === storageDef ? storage : mk(v)));
  const statusSub = storageDef?.subresources?.status !== undefined && storageDef?.subresources?.status !== null;
  const scaleDef = storageDef?.subresources?.scale as Obj | undefined;
  return {
    id: `${group}/${names.plural}`,
    group,
    plural: String(names.plural),
    singular: String(names.singular || String(names.kind).toLowerCase()),
    kind: String(names.kind),
    listKind: String(names.listKind || `${names.kind}List`),
    namespaced: spec.scope !== 'Cluster',
    shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
    categories: Array.isArray(names.categories) ? names.categories.map(String) : [],
    verbs: VERBS,
    storage,
    versions,
    statusSubresource: statusSub,
    scale: scaleDef
      ? {
          specReplicasPath: String(scaleDef.specReplicasPath),
          statusReplicasPath: String(scaleDef.statusReplicasPath),
          labelSelectorPath: scaleDef.labelSelectorPath ? String(scaleDef.labelSelectorPath) : undefined,
        }
      : undefined,
    generation: statusSub ? 'nonstatus' : 'nonmeta',
    gcDefault: 'Background',
    nameRule: 'subdomain',
    returnDeleted: true,
    allowCreateOnUpdate: false,
    fieldSelectors: ['metadata.name', 'metadata.namespace', ...selectableFields(storageDef)],
    custom: true,
  };
}

function selectableFields(v: Obj | undefined): string[] {
  const list = v?.selectableFields;
  if (!Array.isArray(list)) return [];
  return list.map((f: Obj) => String(f.jsonPath ?? '').replace(/^\./, '')).filter(Boolean);
}

export interface Resolved {
  type: ResourceType;
  served: ServedVersion;
}

/** Lookup tables over the served types; rebuilt when CRDs come and go. */
export class Registry {
  private readonly types = new Map<string, ResourceType>();
  private byGVR = new Map<string, Resolved>();
  private byGVK = new Map<string, Resolved>();
  /** Bumped on every change, so discovery caches know when to rebuild. */
  generation = 0;

  constructor() {
    for (const d of BUILTINS) this.add(builtinType(d));
  }

  add(type: ResourceType): void {
    this.types.set(type.id, type);
    this.reindex();
  }

  remove(id: string): void {
    this.types.delete(id);
    this.reindex();
  }

  get(id: string): ResourceType | undefined {
    return this.types.get(id);
  }

  all(): ResourceType[] {
    return [...this.types.values()];
  }

  private reindex(): void {
    this.byGVR = new Map();
    this.byGVK = new Map();
    for (const type of this.types.values()) {
      for (const served of type.versions) {
        this.byGVR.set(`${served.group}/${served.version}/${type.plural}`, { type, served });
        this.byGVK.set(`${served.apiVersion}/${served.kind}`, { type, served });
      }
    }
    this.generation++;
  }

  byResource(group: string, version: string, plural: string): Resolved | undefined {
    return this.byGVR.get(`${group}/${version}/${plural}`);
  }

  byKind(apiVersion: string, kind: string): Resolved | undefined {
    return this.byGVK.get(`${apiVersion}/${kind}`);
  }

  /** Served group/versions with their resources, for discovery. */
  groups(): Map<string, Map<string, Resolved[]>> {
    const out = new Map<string, Map<string, Resolved[]>>();
    for (const r of this.byGVR.values()) {
      const g = out.get(r.served.group) ?? new Map<string, Resolved[]>();
      const list = g.get(r.served.version) ?? [];
      list.push(r);
      g.set(r.served.version, list);
      out.set(r.served.group, g);
    }
    return out;
  }
}

/** Converts a stored object to a served version's shape. */
export function toServed(obj: KubeObject, served: ServedVersion, type: ResourceType): KubeObject {
  if (served === type.storage) return obj;
  if (served.fromStorage) return served.fromStorage(obj);
  return { ...obj, apiVersion: served.apiVersion, kind: served.kind };
}

/** Converts an object in a served version's shape to the storage shape. */
export function toStorage(obj: KubeObject, served: ServedVersion, type: ResourceType): KubeObject {
  if (served === type.storage) return obj;
  if (served.toStorage) return served.toStorage(obj);
  return { ...obj, apiVersion: type.storage.apiVersion, kind: type.storage.kind };
}
