/**
 * The type model behind server-side apply and strategic merge patch: which fields are
 * structs, maps or lists, and how each list merges (atomic, set, or associative by key).
 * This is the one merge-key table of the simulator: SSA list-map keys (`+listMapKey`) and
 * strategic-merge keys (`patchMergeKey`) for the built-in kinds live here, and CRD schemas
 * are translated to the same model.
 */

export type TypeNode = ScalarNode | StructNode | MapNode | ListNode | UntypedNode | LooseNode;

export interface ScalarNode {
  t: 'scalar';
}

export interface StructNode {
  t: 'struct';
  fields: Record<string, TypeNode>;
  /** Type of fields not declared (CRDs with x-kubernetes-preserve-unknown-fields). */
  rest?: TypeNode;
  /** Replaced whole (`+structType=atomic`, e.g. LabelSelector). */
  atomic?: boolean;
  /**
   * Fields that are non-pointer structs in the Go types: always serialized, so an
   * `Update` never "adds" them (no `.` entry in managedFields for them).
   */
  present?: readonly string[];
}

export interface MapNode {
  t: 'map';
  elem: TypeNode;
  atomic?: boolean;
}

export interface ListNode {
  t: 'list';
  elem: TypeNode;
  /** Server-side apply list type (`+listType`). */
  listType: 'atomic' | 'set' | 'map';
  /** `+listMapKey`s of an associative list. */
  keys?: readonly string[];
  /** Defaults for key fields an item may omit (ports' protocol). */
  keyDefaults?: Readonly<Record<string, unknown>>;
  /** Strategic merge: `patchStrategy:"merge"` (lists of maps need `smpKey`). */
  smpMerge?: boolean;
  /** Strategic merge: `patchMergeKey`. */
  smpKey?: string;
}

/** Schemaless data (CRD `x-kubernetes-preserve-unknown-fields`): maps own every key, lists are atomic. */
export interface UntypedNode {
  t: 'untyped';
}

/** Built-in fields this model does not spell out: maps behave as structs, lists are atomic. */
export interface LooseNode {
  t: 'loose';
}

export const SCALAR: ScalarNode = { t: 'scalar' };
export const UNTYPED: UntypedNode = { t: 'untyped' };
export const LOOSE: LooseNode = { t: 'loose' };

const struct = (fields: Record<string, TypeNode>, opts: Partial<StructNode> = {}): StructNode => ({
  t: 'struct',
  fields,
  ...opts,
});
const mapOf = (elem: TypeNode = SCALAR): MapNode => ({ t: 'map', elem });
const atomicList = (elem: TypeNode = LOOSE, smp?: { key?: string }): ListNode => ({
  t: 'list',
  listType: 'atomic',
  elem,
  ...(smp?.key ? { smpMerge: true, smpKey: smp.key } : {}),
});
const setList = (smpMerge = true): ListNode => ({ t: 'list', listType: 'set', elem: SCALAR, smpMerge });
const keyedList = (
  keys: string[],
  elem: TypeNode = LOOSE,
  opts: { smpKey?: string; keyDefaults?: Record<string, unknown>; smp?: boolean } = {},
): ListNode => ({
  t: 'list',
  listType: 'map',
  keys,
  elem,
  keyDefaults: opts.keyDefaults,
  smpMerge: opts.smp !== false,
  smpKey: opts.smpKey ?? keys[0],
});

const conditions = keyedList(['type']);

// ---- metadata ----------------------------------------------------------------------

export const OBJECT_META = struct({
  name: SCALAR,
  generateName: SCALAR,
  namespace: SCALAR,
  uid: SCALAR,
  resourceVersion: SCALAR,
  generation: SCALAR,
  creationTimestamp: SCALAR,
  deletionTimestamp: SCALAR,
  deletionGracePeriodSeconds: SCALAR,
  labels: mapOf(),
  annotations: mapOf(),
  finalizers: setList(),
  ownerReferences: keyedList(['uid'], struct({}), { smpKey: 'uid' }),
  managedFields: atomicList(),
  selfLink: SCALAR,
});

/** LabelSelector is `+structType=atomic`. */
const LABEL_SELECTOR = struct({ matchLabels: mapOf(), matchExpressions: atomicList() }, { atomic: true });

// ---- pods ----------------------------------------------------------------------------

const CONTAINER = struct(
  {
    name: SCALAR,
    image: SCALAR,
    command: atomicList(SCALAR),
    args: atomicList(SCALAR),
    workingDir: SCALAR,
    ports: keyedList(['containerPort', 'protocol'], struct({}), {
      smpKey: 'containerPort',
      keyDefaults: { protocol: 'TCP' },
    }),
    envFrom: atomicList(),
    env: keyedList(['name'], struct({ name: SCALAR, value: SCALAR, valueFrom: LOOSE })),
    resources: struct({ limits: mapOf(), requests: mapOf(), claims: keyedList(['name']) }),
    resizePolicy: atomicList(),
    volumeMounts: keyedList(['mountPath']),
    volumeDevices: keyedList(['devicePath']),
    imagePullPolicy: SCALAR,
    terminationMessagePath: SCALAR,
    terminationMessagePolicy: SCALAR,
  },
  { present: ['resources'] },
);

const POD_SPEC = struct({
  volumes: keyedList(['name']),
  initContainers: keyedList(['name'], CONTAINER),
  containers: keyedList(['name'], CONTAINER),
  ephemeralContainers: keyedList(['name'], CONTAINER),
  imagePullSecrets: keyedList(['name']),
  hostAliases: keyedList(['ip']),
  tolerations: atomicList(),
  topologySpreadConstraints: keyedList(['topologyKey', 'whenUnsatisfiable'], LOOSE, { smpKey: 'topologyKey' }),
  readinessGates: atomicList(),
  schedulingGates: keyedList(['name']),
  resourceClaims: keyedList(['name']),
  nodeSelector: mapOf(),
  overhead: mapOf(),
});

const POD_TEMPLATE = struct({ metadata: OBJECT_META, spec: POD_SPEC }, { present: ['metadata', 'spec'] });

const POD_STATUS = struct({
  conditions,
  podIPs: keyedList(['ip']),
  hostIPs: keyedList(['ip']),
  containerStatuses: atomicList(),
  initContainerStatuses: atomicList(),
  ephemeralContainerStatuses: atomicList(),
});

// ---- roots -----------------------------------------------------------------------------

function root(fields: Record<string, TypeNode>, present: string[] = []): StructNode {
  return struct(
    { apiVersion: SCALAR, kind: SCALAR, metadata: OBJECT_META, ...fields },
    { present: ['metadata', ...present] },
  );
}

const WORKLOAD_STATUS = struct({ conditions });

const JOB_SPEC = struct({ selector: LABEL_SELECTOR, template: POD_TEMPLATE }, { present: ['template'] });

/** Schemas of the built-in kinds, keyed `group/Kind` (core group is empty). */
export const BUILTIN_SCHEMAS: Record<string, StructNode> = {
  '/Pod': root({ spec: POD_SPEC, status: POD_STATUS }, ['spec', 'status']),
  '/Namespace': root({ spec: struct({ finalizers: atomicList(SCALAR) }), status: struct({ conditions }) }, ['spec', 'status']),
  '/Node': root(
    {
      spec: struct({ taints: atomicList(), podCIDRs: setList(false) }),
      status: struct({ conditions, addresses: keyedList(['type']), images: atomicList() }),
    },
    ['spec', 'status'],
  ),
  '/ConfigMap': root({ data: mapOf(), binaryData: mapOf() }),
  '/Secret': root({ data: mapOf(), stringData: mapOf() }),
  '/Service': root(
    {
      spec: struct({
        ports: keyedList(['port', 'protocol'], struct({}), { smpKey: 'port', keyDefaults: { protocol: 'TCP' } }),
        selector: mapOf(),
        clusterIPs: atomicList(SCALAR),
        externalIPs: atomicList(SCALAR),
        ipFamilies: atomicList(SCALAR),
        loadBalancerSourceRanges: atomicList(SCALAR),
      }),
      status: struct({ conditions, loadBalancer: LOOSE }, { present: ['loadBalancer'] }),
    },
    ['spec', 'status'],
  ),
  '/Endpoints': root({ subsets: atomicList() }),
  '/ServiceAccount': root({ secrets: keyedList(['name'], LOOSE, { smp: true }), imagePullSecrets: atomicList() }),
  '/PersistentVolumeClaim': root(
    {
      spec: struct({ accessModes: atomicList(SCALAR), resources: LOOSE }, { present: ['resources'] }),
      status: struct({ conditions, accessModes: atomicList(SCALAR), capacity: mapOf() }),
    },
    ['spec', 'status'],
  ),
  '/PersistentVolume': root({ spec: struct({ accessModes: atomicList(SCALAR), capacity: mapOf() }) }, ['spec', 'status']),
  '/LimitRange': root({ spec: struct({ limits: atomicList() }) }, ['spec']),
  '/ResourceQuota': root({ spec: struct({ hard: mapOf(), scopes: atomicList(SCALAR) }), status: struct({ hard: mapOf(), used: mapOf() }) }, ['spec', 'status']),
  '/Event': root({}),
  'events.k8s.io/Event': root({}),
  'apps/Deployment': root(
    {
      spec: struct(
        { selector: LABEL_SELECTOR, template: POD_TEMPLATE, strategy: struct({ type: SCALAR, rollingUpdate: LOOSE }) },
        { present: ['template', 'strategy'] },
      ),
      status: WORKLOAD_STATUS,
    },
    ['spec', 'status'],
  ),
  'apps/ReplicaSet': root(
    { spec: struct({ selector: LABEL_SELECTOR, template: POD_TEMPLATE }, { present: ['template'] }), status: WORKLOAD_STATUS },
    ['spec', 'status'],
  ),
  'apps/StatefulSet': root(
    {
      spec: struct(
        { selector: LABEL_SELECTOR, template: POD_TEMPLATE, volumeClaimTemplates: atomicList(), updateStrategy: LOOSE },
        { present: ['template', 'updateStrategy'] },
      ),
      status: WORKLOAD_STATUS,
    },
    ['spec', 'status'],
  ),
  'apps/DaemonSet': root(
    {
      spec: struct(
        { selector: LABEL_SELECTOR, template: POD_TEMPLATE, updateStrategy: LOOSE },
        { present: ['template', 'updateStrategy'] },
      ),
      status: WORKLOAD_STATUS,
    },
    ['spec', 'status'],
  ),
  'apps/ControllerRevision': root({ data: UNTYPED }),
  'batch/Job': root({ spec: JOB_SPEC, status: struct({ conditions: atomicList(LOOSE, { key: 'type' }) }) }, ['spec', 'status']),
  'batch/CronJob': root(
    {
      spec: struct({ jobTemplate: struct({ metadata: OBJECT_META, spec: JOB_SPEC }, { present: ['metadata', 'spec'] }) }, { present: ['jobTemplate'] }),
      status: struct({ active: atomicList() }),
    },
    ['spec', 'status'],
  ),
  'networking.k8s.io/Ingress': root(
    { spec: struct({ rules: atomicList(), tls: atomicList() }), status: struct({ loadBalancer: LOOSE }, { present: ['loadBalancer'] }) },
    ['spec', 'status'],
  ),
  'networking.k8s.io/IngressClass': root({ spec: LOOSE }, ['spec']),
  'networking.k8s.io/NetworkPolicy': root(
    { spec: struct({ podSelector: LABEL_SELECTOR, ingress: atomicList(), egress: atomicList(), policyTypes: atomicList(SCALAR) }) },
    ['spec'],
  ),
  'autoscaling/HorizontalPodAutoscaler': root(
    {
      spec: struct({ scaleTargetRef: LOOSE, metrics: atomicList() }, { present: ['scaleTargetRef'] }),
      status: struct({ conditions, currentMetrics: atomicList() }),
    },
    ['spec', 'status'],
  ),
  'policy/PodDisruptionBudget': root({ spec: struct({ selector: LABEL_SELECTOR }), status: struct({ conditions, disruptedPods: mapOf() }) }, ['spec', 'status']),
  'rbac.authorization.k8s.io/Role': root({ rules: atomicList() }),
  'rbac.authorization.k8s.io/ClusterRole': root({ rules: atomicList(), aggregationRule: LOOSE }),
  'rbac.authorization.k8s.io/RoleBinding': root({ subjects: atomicList(), roleRef: LOOSE }, ['roleRef']),
  'rbac.authorization.k8s.io/ClusterRoleBinding': root({ subjects: atomicList(), roleRef: LOOSE }, ['roleRef']),
  'storage.k8s.io/StorageClass': root({ parameters: mapOf(), mountOptions: atomicList(SCALAR), allowedTopologies: atomicList() }),
  'coordination.k8s.io/Lease': root({ spec: LOOSE }, ['spec']),
  'apiextensions.k8s.io/CustomResourceDefinition': root(
    {
      spec: struct(
        {
          versions: atomicList(),
          names: struct({ shortNames: atomicList(SCALAR), categories: atomicList(SCALAR) }),
        },
        { present: ['names'] },
      ),
      status: struct(
        { conditions, storedVersions: atomicList(SCALAR), acceptedNames: struct({ shortNames: atomicList(SCALAR), categories: atomicList(SCALAR) }) },
        { present: ['acceptedNames'] },
      ),
    },
    ['spec', 'status'],
  ),
};

/** Root of a kind with no specific model: metadata typed, the rest loose. */
export const GENERIC_ROOT = root({});

// ---- CRD schemas ------------------------------------------------------------------------

type OpenApiSchema = Record<string, unknown>;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Translates a CRD `openAPIV3Schema` node to the type model (no validation, only structure). */
export function fromOpenApi(s: unknown): TypeNode {
  if (!isObj(s)) return UNTYPED;
  if (s['x-kubernetes-int-or-string'] === true) return SCALAR;
  const type = s.type;
  const props = isObj(s.properties) ? s.properties : undefined;
  const addl = s.additionalProperties;
  if (type === 'array') {
    const lt = s['x-kubernetes-list-type'];
    const elem = fromOpenApi(s.items);
    if (lt === 'map' && Array.isArray(s['x-kubernetes-list-map-keys'])) {
      return {
        t: 'list',
        listType: 'map',
        keys: (s['x-kubernetes-list-map-keys'] as unknown[]).map(String),
        elem,
      };
    }
    if (lt === 'set') return { t: 'list', listType: 'set', elem: SCALAR };
    return { t: 'list', listType: 'atomic', elem };
  }
  if (type === 'object' || props || addl !== undefined || s['x-kubernetes-preserve-unknown-fields'] === true) {
    const atomic = s['x-kubernetes-map-type'] === 'atomic';
    if (props) {
      const fields: Record<string, TypeNode> = {};
      for (const [k, v] of Object.entries(props)) fields[k] = fromOpenApi(v);
      const rest = isObj(addl) ? fromOpenApi(addl) : UNTYPED;
      return { t: 'struct', fields, rest, atomic };
    }
    if (isObj(addl)) return { t: 'map', elem: fromOpenApi(addl), atomic };
    return atomic ? { t: 'map', elem: UNTYPED, atomic } : UNTYPED;
  }
  if (type === undefined && !props) return UNTYPED;
  return SCALAR;
}

/** Root schema of a custom resource version. */
export function customResourceRoot(openAPIV3Schema: unknown): StructNode {
  const node = fromOpenApi(openAPIV3Schema as OpenApiSchema);
  const fields: Record<string, TypeNode> = {};
  let rest: TypeNode = UNTYPED;
  if (node.t === 'struct') {
    Object.assign(fields, node.fields);
    rest = node.rest ?? UNTYPED;
  }
  fields.apiVersion = SCALAR;
  fields.kind = SCALAR;
  fields.metadata = OBJECT_META;
  return { t: 'struct', fields, rest };
}

// ---- navigation helpers -----------------------------------------------------------------

/** Type of a map/struct member. */
export function childType(node: TypeNode, key: string): TypeNode {
  switch (node.t) {
    case 'struct':
      return node.fields[key] ?? node.rest ?? LOOSE;
    case 'map':
      return node.elem;
    case 'untyped':
      return UNTYPED;
    default:
      return LOOSE;
  }
}

/** Whether `key` is a named field of a struct (SSA: named fields are not set members by themselves). */
export function isNamedField(node: TypeNode, key: string): boolean {
  if (node.t === 'struct') return key in node.fields || node.rest === undefined;
  return node.t === 'loose';
}

/** List semantics of a node holding an array. */
export function listOf(node: TypeNode): ListNode {
  if (node.t === 'list') return node;
  return { t: 'list', listType: 'atomic', elem: node.t === 'untyped' ? UNTYPED : LOOSE };
}

export function isAtomicContainer(node: TypeNode): boolean {
  return (node.t === 'struct' || node.t === 'map') && node.atomic === true;
}

export function presentFields(node: TypeNode): readonly string[] | undefined {
  return node.t === 'struct' ? node.present : undefined;
}
