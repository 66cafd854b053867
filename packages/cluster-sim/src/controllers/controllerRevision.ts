/**
 * ControllerRevisions for StatefulSets and DaemonSets: one per distinct pod template,
 * named `<owner>-<hash>`, numbered, owned by the workload, with the template stored the way
 * the real controllers store it (`data.spec.template` with `$patch: replace`); old unused
 * revisions are pruned to revisionHistoryLimit.
 */
import type { KubeObject } from '../store/types';
import { OWNER, SimContext } from './context';
import { computeHash } from './hash';
import type { PodTemplateSpec } from './kubeTypes';
import { clone, deepEqual, intField, ownerRefTo } from './objects';
import { apiErrorCode } from './queue';

export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

export interface Revisions {
  update: KubeObject;
  current: KubeObject;
  all: KubeObject[];
  collisionCount: number;
}

function revisionData(template: PodTemplateSpec): Record<string, unknown> {
  return { spec: { template: { ...clone(template), $patch: 'replace' } } };
}

/** The pod template a revision stores. */
export function templateOf(revision: KubeObject): PodTemplateSpec {
  const t = clone((revision.data as { spec?: { template?: PodTemplateSpec & { $patch?: string } } } | undefined)?.spec?.template);
  if (!t) return { spec: { containers: [] } };
  delete t.$patch;
  return t;
}

export function revisionNumber(r: KubeObject): number {
  return intField(r.revision, 0);
}

/** Finds or creates the revision of the owner's current template; picks the current revision. */
export function syncRevisions(ctx: SimContext, owner: KubeObject, currentName: string | undefined, startCollisionCount: number): Revisions {
  let collisionCount = startCollisionCount;
  const template = (owner.spec as { template: PodTemplateSpec }).template;
  const data = revisionData(template);
  let all = ctx.informers.controllerRevisions
    .byIndex(OWNER, owner.metadata.uid ?? '')
    .filter(r => r.metadata.namespace === owner.metadata.namespace)
    .sort((a, b) => revisionNumber(a) - revisionNumber(b));
  const maxRevision = all.reduce((m, r) => Math.max(m, revisionNumber(r)), 0);
  const equal = all.filter(r => deepEqual(r.data, data));
  let update: KubeObject;
  if (equal.length) {
    update = equal[equal.length - 1];
    if (revisionNumber(update) !== maxRevision) {
      // Rolling back to an earlier template makes its revision the newest again.
      update = ctx.writer.update({ ...clone(update), revision: maxRevision + 1 }, 'kube-controller-manager');
    }
  } else {
    for (;;) {
      const hash = computeHash(data, collisionCount);
      const revision: KubeObject = {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: {
          name: `${owner.metadata.name}-${hash}`,
          namespace: owner.metadata.namespace,
          labels: { ...(template.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
          ownerReferences: [ownerRefTo(owner)],
        },
        data,
        revision: maxRevision + 1,
      };
      try {
        update = ctx.writer.create(revision, 'kube-controller-manager');
        break;
      } catch (error) {
        if (apiErrorCode(error) !== 409) throw error;
        const existing = ctx.client.get('apps/v1', 'ControllerRevision', owner.metadata.namespace, revision.metadata.name ?? '');
        if (existing && deepEqual(existing.data, data) && existing.metadata.ownerReferences?.some(r => r.uid === owner.metadata.uid)) {
          update = existing;
          break;
        }
        collisionCount++;
      }
    }
  }
  all = ctx.informers.controllerRevisions
    .byIndex(OWNER, owner.metadata.uid ?? '')
    .filter(r => r.metadata.namespace === owner.metadata.namespace)
    .sort((a, b) => revisionNumber(a) - revisionNumber(b));
  const current = all.find(r => r.metadata.name === currentName) ?? update;
  return { update, current, all, collisionCount };
}

/** Deletes the oldest revisions not in use beyond the history limit. */
export function pruneRevisions(ctx: SimContext, revisions: KubeObject[], live: Set<string>, limit: number | undefined): void {
  const unused = revisions.filter(r => !live.has(r.metadata.name ?? ''));
  const excess = unused.length - intField(limit, 10);
  for (const r of unused.slice(0, Math.max(0, excess))) ctx.writer.delete(r);
}
