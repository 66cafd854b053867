/**
 * All writes of the simulated controllers go through here: SimClient calls with the field
 * manager a real component would use, whose results are written through to the informer
 * caches. On 409/404 the cached copy is refreshed from the API before the error is rethrown,
 * so the work queue's retry reconciles against fresh state.
 */
import type { DeleteOptions, KubeObject, PatchType, SimClient } from '../store/types';
import { apiErrorCode } from './queue';
import type { InformerHub } from './informer';

/** Field managers, named after the components whose work they simulate. */
export type Manager =
  | 'kube-controller-manager'
  | 'kubelet'
  | 'kube-scheduler'
  | 'service-controller'
  | 'ingress-controller'
  | 'persistentvolume-controller'
  | 'cluster-sim';

export class ApiWriter {
  constructor(
    readonly client: SimClient,
    private readonly hub: InformerHub,
    /** The controller writing (see ChangeHandler's origin). */
    readonly origin?: string,
  ) {}

  /** The same writer, tagging its writes as the given controller's. */
  as(origin: string): ApiWriter {
    return new ApiWriter(this.client, this.hub, origin);
  }

  create(obj: KubeObject, manager: Manager): KubeObject {
    try {
      return this.cache(this.client.create(obj, { fieldManager: manager }));
    } catch (error) {
      if (apiErrorCode(error) === 409 && obj.metadata.name) {
        this.refresh(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
      }
      throw error;
    }
  }

  update(obj: KubeObject, manager: Manager): KubeObject {
    return this.guard(obj, () => this.client.update(obj, { fieldManager: manager }));
  }

  updateStatus(obj: KubeObject, manager: Manager): KubeObject {
    return this.guard(obj, () => this.client.updateStatus(obj, { fieldManager: manager, subresource: 'status' }));
  }

  patch(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    manager: Manager,
    subresource?: 'status',
  ): KubeObject {
    const ref = { apiVersion, kind, metadata: { namespace, name } } as KubeObject;
    return this.guard(ref, () =>
      this.client.patch(apiVersion, kind, namespace, name, type, patch, { fieldManager: manager, subresource }),
    );
  }

  /** Deletes; an object already gone counts as deleted. */
  delete(obj: KubeObject, options?: DeleteOptions): void {
    const { apiVersion, kind } = obj;
    const { namespace, name = '', uid } = obj.metadata;
    const informer = this.hub.forObject(apiVersion, kind);
    try {
      this.client.delete(apiVersion, kind, namespace, name, options);
    } catch (error) {
      const code = apiErrorCode(error);
      if (code === 404) {
        informer?.applyDelete(namespace, name, uid);
        return;
      }
      if (code === 409) this.refresh(apiVersion, kind, namespace, name);
      throw error;
    }
    // Finalizers or a grace period can keep the object around with a deletionTimestamp.
    const still = this.client.get(apiVersion, kind, namespace, name);
    if (still && (!uid || still.metadata.uid === uid)) informer?.applyWrite(still, this.origin);
    else informer?.applyDelete(namespace, name, uid);
  }

  private guard(ref: KubeObject, write: () => KubeObject): KubeObject {
    try {
      return this.cache(write());
    } catch (error) {
      const code = apiErrorCode(error);
      if ((code === 409 || code === 404) && ref.metadata.name) {
        this.refresh(ref.apiVersion, ref.kind, ref.metadata.namespace, ref.metadata.name);
      }
      throw error;
    }
  }

  private cache(obj: KubeObject): KubeObject {
    this.hub.forObject(obj.apiVersion, obj.kind)?.applyWrite(obj, this.origin);
    return obj;
  }

  /** Re-reads one object into its informer cache. */
  refresh(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const informer = this.hub.forObject(apiVersion, kind);
    const cached = informer?.get(namespace, name);
    const fresh = this.client.get(apiVersion, kind, namespace, name);
    if (fresh) informer?.applyWrite(fresh);
    else informer?.applyDelete(namespace, name, cached?.metadata.uid);
    return fresh;
  }
}
