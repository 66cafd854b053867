/**
 * The in-process contract between the simulated API server's object store and the
 * simulated controllers (Deployment, ReplicaSet, Pod…, traffic). Controllers see the
 * same semantics an HTTP client would (resourceVersion, generation, status subresource,
 * admission, garbage collection, watch order), without the HTTP hop.
 */

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
      blockOwnerDeletion?: boolean;
    }>;
    finalizers?: string[];
    managedFields?: unknown[];
    [key: string]: unknown;
  };
  [key: string]: any;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface ListOptions {
  namespace?: string;
  /** Kubernetes label selector syntax: `a=b,c in (d,e),!f`. */
  labelSelector?: string;
  /** Kubernetes field selector syntax: `metadata.name=x,status.phase!=Running`. */
  fieldSelector?: string;
}

export interface WriteOptions {
  fieldManager?: string;
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
  /** Write to the status subresource. */
  subresource?: 'status';
  dryRun?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  dryRun?: boolean;
}

/**
 * In-process API of the simulated cluster. Errors are thrown as `SimApiError`
 * (`code`, `reason`, `message`), the same Status the HTTP API answers with.
 * Watch handlers are called asynchronously, in commit order.
 */
export interface SimClient {
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(apiVersion: string, kind: string, options?: ListOptions): KubeObject[];
  create(obj: KubeObject, options?: WriteOptions): KubeObject;
  /** Replace; a set `metadata.resourceVersion` must match (409 otherwise). */
  update(obj: KubeObject, options?: WriteOptions): KubeObject;
  /** Replace the status subresource only. */
  updateStatus(obj: KubeObject, options?: WriteOptions): KubeObject;
  patch(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options?: WriteOptions,
  ): KubeObject;
  delete(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): KubeObject | undefined;
  /** Watch one kind (all namespaces unless given). Returns a function that stops the watch. */
  watch(
    apiVersion: string,
    kind: string,
    handler: (event: WatchEvent) => void,
    options?: { namespace?: string },
  ): () => void;
}
