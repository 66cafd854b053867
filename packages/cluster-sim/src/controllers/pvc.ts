/**
 * Volume provisioning: every PersistentVolumeClaim gets a PersistentVolume `pvc-<uid>`
 * (capacity, access modes, storage class, claimRef, reclaim policy Delete) and both become
 * Bound, as with a dynamic provisioner. Deleting the claim deletes its volume.
 */
import type { KubeObject } from '../store/types';
import type { SimContext } from './context';
import { clone } from './objects';
import { apiErrorCode } from './queue';
import type { ApiWriter } from './writer';

const PROVISIONER = 'sim.gitops-suite.io/hostpath';

interface PvcSpec {
  accessModes?: string[];
  resources?: { requests?: { storage?: string } };
  storageClassName?: string;
  volumeName?: string;
  volumeMode?: string;
}

export class PvcController {
  private readonly writer: ApiWriter;

  constructor(private readonly ctx: SimContext) {
    this.writer = ctx.writer.as('pvc');
    const queue = ctx.scheduler.queue('pvc', key => this.reconcile(key));
    ctx.informers.pvcs.onChange((type, obj) => {
      if (type === 'DELETED') this.release(obj);
      else queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
    });
  }

  private reconcile(key: string): void {
    const pvc = this.ctx.informers.pvcs.getByKey(key);
    if (!pvc || pvc.metadata.deletionTimestamp) return;
    if ((pvc.status as { phase?: string } | undefined)?.phase === 'Bound') return;
    const spec = (pvc.spec ?? {}) as PvcSpec;
    const uid = pvc.metadata.uid ?? '';
    const pvName = spec.volumeName || `pvc-${uid}`;
    const storage = spec.resources?.requests?.storage ?? '1Gi';
    const accessModes = spec.accessModes ?? ['ReadWriteOnce'];
    let pv = this.ctx.client.get('v1', 'PersistentVolume', undefined, pvName);
    if (!pv) {
      if (spec.volumeName) return; // pre-bound to a volume that does not exist: stays Pending
      try {
        pv = this.ctx.client.create(
          {
            apiVersion: 'v1',
            kind: 'PersistentVolume',
            metadata: { name: pvName, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER } },
            spec: {
              capacity: { storage },
              accessModes,
              persistentVolumeReclaimPolicy: 'Delete',
              storageClassName: spec.storageClassName ?? 'standard',
              volumeMode: spec.volumeMode ?? 'Filesystem',
              hostPath: { path: `/var/lib/cluster-sim/volumes/${pvName}`, type: '' },
              claimRef: {
                apiVersion: 'v1',
                kind: 'PersistentVolumeClaim',
                name: pvc.metadata.name,
                namespace: pvc.metadata.namespace,
                uid,
                resourceVersion: pvc.metadata.resourceVersion,
              },
            },
          },
          { fieldManager: 'persistentvolume-controller' },
        );
      } catch (error) {
        if (apiErrorCode(error) !== 409) throw error;
        pv = this.ctx.client.get('v1', 'PersistentVolume', undefined, pvName);
        if (!pv) throw error;
      }
      this.ctx.client.updateStatus({ ...pv, status: { phase: 'Bound' } }, { fieldManager: 'persistentvolume-controller', subresource: 'status' });
      this.ctx.recorder.record(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`, PROVISIONER);
    }
    let current = pvc;
    if (spec.volumeName !== pvName || current.metadata.annotations?.['pv.kubernetes.io/bind-completed'] !== 'yes') {
      const next = clone(current);
      (next.spec as PvcSpec).volumeName = pvName;
      next.metadata.annotations = {
        ...(next.metadata.annotations ?? {}),
        'pv.kubernetes.io/bind-completed': 'yes',
        'pv.kubernetes.io/bound-by-controller': 'yes',
        'volume.kubernetes.io/storage-provisioner': PROVISIONER,
      };
      current = this.writer.update(next, 'persistentvolume-controller');
    }
    const capacity = ((pv.spec as { capacity?: { storage?: string } } | undefined)?.capacity?.storage) ?? storage;
    this.writer.updateStatus(
      { ...current, status: { phase: 'Bound', accessModes, capacity: { storage: capacity } } },
      'persistentvolume-controller',
    );
  }

  private release(pvc: KubeObject): void {
    const name = (pvc.spec as PvcSpec | undefined)?.volumeName || `pvc-${pvc.metadata.uid}`;
    try {
      const pv = this.ctx.client.get('v1', 'PersistentVolume', undefined, name);
      const ref = (pv?.spec as { claimRef?: { uid?: string }; persistentVolumeReclaimPolicy?: string } | undefined);
      if (pv && ref?.claimRef?.uid === pvc.metadata.uid && (ref?.persistentVolumeReclaimPolicy ?? 'Delete') === 'Delete') {
        this.ctx.client.delete('v1', 'PersistentVolume', undefined, name);
      }
    } catch (error) {
      if (apiErrorCode(error) !== 404) this.ctx.logger.warn(`cannot release volume ${name}: ${(error as Error).message}`);
    }
  }
}
