/**
 * Deployment controller, following kube-controller-manager's behaviour: one ReplicaSet per
 * pod template (`<name>-<pod-template-hash>`, owned by the Deployment), revision annotations,
 * RollingUpdate within maxSurge/maxUnavailable, Recreate, paused Deployments, proportional
 * scaling, revisionHistoryLimit cleanup, and the status and conditions (Available,
 * Progressing with NewReplicaSetCreated / ReplicaSetUpdated / NewReplicaSetAvailable /
 * ProgressDeadlineExceeded / DeploymentPaused) that `kubectl rollout status` and Argo CD read.
 */
import type { KubeObject } from '../store/types';
import { kubeTime, parseKubeTime } from './clock';
import { OWNER, ownerKey, SimContext } from './context';
import * as du from './deploymentUtil';
import { computeHash } from './hash';
import type { DeploymentSpec, DeploymentStatus, ReplicaSetSpec, ReplicaSetStatus } from './kubeTypes';
import { byCreation, clone, deepEqual, intField, isPodFinished, omitZero, ownerRefTo } from './objects';
import { apiErrorCode, ReconcileResult } from './queue';
import type { ApiWriter } from './writer';

const COMPONENT = 'deployment-controller';
const ORIGIN = 'deployment';
const { POD_TEMPLATE_HASH, REVISION } = du;

/** A copy of a ReplicaSet whose annotations and spec may be changed (the rest is shared). */
function shallowRS(rs: KubeObject): KubeObject {
  return {
    ...rs,
    metadata: { ...rs.metadata, annotations: { ...(rs.metadata.annotations ?? {}) } },
    spec: { ...(rs.spec ?? {}) },
  };
}

function isActive(rs: KubeObject): boolean {
  return du.rsReplicas(rs) > 0;
}

/**
 * One reconcile pass over one Deployment; `d` always holds the latest written version.
 * Cached objects are shared and never mutated: changes build new objects.
 */
class DeploymentSync {
  private rsList: KubeObject[];
  private requeueAfter?: number;

  constructor(
    private readonly ctx: SimContext,
    private readonly writer: ApiWriter,
    private d: KubeObject,
  ) {
    this.rsList = ctx.informers.replicaSets
      .byIndex(OWNER, d.metadata.uid ?? '')
      .filter(rs => rs.metadata.namespace === d.metadata.namespace);
  }

  private get spec(): DeploymentSpec {
    return this.d.spec as DeploymentSpec;
  }

  private get status(): DeploymentStatus {
    return (this.d.status ?? {}) as DeploymentStatus;
  }

  private now(): string {
    return kubeTime(this.ctx.clock.now());
  }

  run(): ReconcileResult | void {
    const selector = this.spec.selector;
    if (!selector || (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length)) {
      this.ctx.recorder.record(this.d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.', COMPONENT);
      return undefined;
    }
    if (this.d.metadata.deletionTimestamp) {
      const [newRS, oldRSs] = this.getAllReplicaSets(false);
      this.syncDeploymentStatus([...oldRSs, newRS], newRS);
      return undefined;
    }
    this.checkPausedConditions();
    if (this.spec.paused) {
      this.sync();
      return undefined;
    }
    if (this.isScalingEvent()) {
      this.sync();
      return undefined;
    }
    if (du.isRollingUpdate(this.d)) this.rolloutRolling();
    else this.rolloutRecreate();
    return this.requeueAfter !== undefined ? { requeueAfterMs: this.requeueAfter } : undefined;
  }

  // ---- ReplicaSets -------------------------------------------------------------------------

  private findNewReplicaSet(): KubeObject | undefined {
    return [...this.rsList].sort(byCreation).find(rs => du.equalIgnoreHash((rs.spec as ReplicaSetSpec).template, this.spec.template));
  }

  /** [newRS, oldRSs], syncing revision annotations; creates the new RS if asked. */
  private getAllReplicaSets(create: boolean): [KubeObject | undefined, KubeObject[]] {
    const existing = this.findNewReplicaSet();
    const oldRSs = this.rsList.filter(rs => rs !== existing);
    const newRS = this.getNewReplicaSet(existing, oldRSs, create);
    return [newRS, this.rsList.filter(rs => rs !== newRS && rs.metadata.uid !== newRS?.metadata.uid)];
  }

  private getNewReplicaSet(existing: KubeObject | undefined, oldRSs: KubeObject[], create: boolean): KubeObject | undefined {
    const maxOldRevision = Math.max(0, ...oldRSs.map(du.revisionOf));
    const newRevision = String(maxOldRevision + 1);
    if (existing) {
      const rsCopy = shallowRS(existing);
      const annotationsUpdated = du.setNewReplicaSetAnnotations(this.d, rsCopy, newRevision, true);
      const minReady = intField(this.spec.minReadySeconds, 0);
      const rsSpec = rsCopy.spec as ReplicaSetSpec;
      if (annotationsUpdated || intField(rsSpec.minReadySeconds, 0) !== minReady) {
        rsSpec.minReadySeconds = minReady || undefined;
        return this.replaceRS(this.writer.update(rsCopy, 'kube-controller-manager'));
      }
      let needsUpdate = this.setDeploymentRevision(rsCopy.metadata.annotations?.[REVISION] ?? newRevision);
      if (du.hasProgressDeadline(this.d) && !du.getCondition(this.status, 'Progressing')) {
        const status = clone(this.status);
        du.setCondition(status, du.newCondition('Progressing', 'True', du.Reasons.foundNewReplicaSet, `Found new replica set "${rsCopy.metadata.name}"`, this.now()));
        this.d = { ...this.d, status };
        needsUpdate = true;
      }
      if (needsUpdate) this.writeStatus();
      return existing;
    }
    if (!create) return undefined;

    const template = clone(this.spec.template);
    const hash = computeHash(template, this.status.collisionCount);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
    const selector = clone(this.spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const rsSpec: ReplicaSetSpec = { replicas: 0, selector, template };
    if (this.spec.minReadySeconds) rsSpec.minReadySeconds = this.spec.minReadySeconds;
    const newRS: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${this.d.metadata.name}-${hash}`,
        namespace: this.d.metadata.namespace,
        labels: template.metadata.labels,
        ownerReferences: [ownerRefTo(this.d)],
      },
      spec: rsSpec,
    };
    rsSpec.replicas = du.newRSNewReplicas(this.d, [...oldRSs, newRS], newRS);
    du.setNewReplicaSetAnnotations(this.d, newRS, newRevision, false);
    let created: KubeObject;
    let alreadyExists = false;
    try {
      created = this.writer.create(newRS, 'kube-controller-manager');
    } catch (error) {
      if (apiErrorCode(error) !== 409) throw error;
      const found = this.ctx.client.get('apps/v1', 'ReplicaSet', this.d.metadata.namespace, newRS.metadata.name ?? '');
      const ours = found && found.metadata.ownerReferences?.some(r => r.uid === this.d.metadata.uid && r.controller);
      if (found && ours && du.equalIgnoreHash((found.spec as ReplicaSetSpec).template, this.spec.template)) {
        created = found;
        alreadyExists = true;
      } else {
        // A different template hashed to the same name: bump collisionCount and try again.
        const status = clone(this.status);
        status.collisionCount = (status.collisionCount ?? 0) + 1;
        this.d = { ...this.d, status };
        this.writeStatus();
        throw error;
      }
    }
    this.rsList.push(created);
    if (!alreadyExists && du.rsReplicas(created) > 0) {
      this.ctx.recorder.record(this.d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${du.rsReplicas(created)}`, COMPONENT);
    }
    let needsUpdate = this.setDeploymentRevision(newRevision);
    if (!alreadyExists && du.hasProgressDeadline(this.d)) {
      const status = clone(this.status);
      du.setCondition(status, du.newCondition('Progressing', 'True', du.Reasons.newReplicaSetCreated, `Created new replica set "${created.metadata.name}"`, this.now()));
      this.d = { ...this.d, status };
      needsUpdate = true;
    }
    if (needsUpdate) this.writeStatus();
    return created;
  }

  private replaceRS(rs: KubeObject): KubeObject {
    this.rsList = this.rsList.map(r => (r.metadata.uid === rs.metadata.uid ? rs : r));
    return rs;
  }

  private setDeploymentRevision(revision: string): boolean {
    const a = this.d.metadata.annotations ?? {};
    if (a[REVISION] === revision) return false;
    this.d = { ...this.d, metadata: { ...this.d.metadata, annotations: { ...a, [REVISION]: revision } } };
    return true;
  }

  /**
   * Writes status (and the revision annotation, which the real controller sends with its
   * status writes). If the store keeps metadata out of status writes, patch it separately.
   */
  private writeStatus(): void {
    const wantRevision = this.d.metadata.annotations?.[REVISION];
    let written = this.writer.updateStatus(this.d, 'kube-controller-manager');
    if (wantRevision !== undefined && written.metadata.annotations?.[REVISION] !== wantRevision) {
      written = this.writer.patch(
        'apps/v1',
        'Deployment',
        this.d.metadata.namespace,
        this.d.metadata.name ?? '',
        'merge',
        { metadata: { annotations: { [REVISION]: wantRevision } } },
        'kube-controller-manager',
      );
    }
    this.d = written;
  }

  private scaleReplicaSetAndRecordEvent(rs: KubeObject, newScale: number): [boolean, KubeObject] {
    if (du.rsReplicas(rs) === newScale) return [false, rs];
    const op = du.rsReplicas(rs) < newScale ? 'up' : 'down';
    return this.scaleReplicaSet(rs, newScale, op);
  }

  private scaleReplicaSet(rs: KubeObject, newScale: number, op: string): [boolean, KubeObject] {
    const oldScale = du.rsReplicas(rs);
    const sizeNeedsUpdate = oldScale !== newScale;
    const desired = du.replicasOf(this.d);
    const max = desired + du.maxSurge(this.d);
    if (!sizeNeedsUpdate && !du.replicasAnnotationsNeedUpdate(rs, desired, max)) return [false, rs];
    const copy = shallowRS(rs);
    (copy.spec as ReplicaSetSpec).replicas = newScale;
    du.setReplicasAnnotations(copy, desired, max);
    const updated = this.replaceRS(this.writer.update(copy, 'kube-controller-manager'));
    if (sizeNeedsUpdate) {
      this.ctx.recorder.record(this.d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata.name} from ${oldScale} to ${newScale}`, COMPONENT);
    }
    return [sizeNeedsUpdate, updated];
  }

  private current(rs: KubeObject | undefined): KubeObject | undefined {
    return rs && this.rsList.find(r => r.metadata.uid === rs.metadata.uid);
  }

  // ---- Strategies --------------------------------------------------------------------------

  private rolloutRolling(): void {
    let [newRS, oldRSs] = this.getAllReplicaSets(true);
    if (!newRS) return;
    if (this.reconcileNewReplicaSet(newRS)) {
      [newRS, oldRSs] = this.refreshSets(newRS);
      this.syncRolloutStatus([...oldRSs, newRS], newRS);
      return;
    }
    if (this.reconcileOldReplicaSets(oldRSs.filter(isActive), newRS)) {
      [newRS, oldRSs] = this.refreshSets(newRS);
      this.syncRolloutStatus([...oldRSs, newRS], newRS);
      return;
    }
    if (du.deploymentComplete(this.d, this.status)) this.cleanup(oldRSs);
    this.syncRolloutStatus([...oldRSs, newRS], newRS);
    // The status just written may complete the rollout: clean up now rather than on our own event.
    if (du.deploymentComplete(this.d, this.status)) this.cleanup(this.rsList.filter(rs => rs.metadata.uid !== newRS?.metadata.uid));
  }

  private refreshSets(newRS: KubeObject): [KubeObject, KubeObject[]] {
    const n = this.current(newRS) ?? newRS;
    return [n, this.rsList.filter(rs => rs.metadata.uid !== n.metadata.uid)];
  }

  private reconcileNewReplicaSet(newRS: KubeObject): boolean {
    const desired = du.replicasOf(this.d);
    if (du.rsReplicas(newRS) === desired) return false;
    if (du.rsReplicas(newRS) > desired) return this.scaleReplicaSetAndRecordEvent(newRS, desired)[0];
    const count = du.newRSNewReplicas(this.d, this.rsList, newRS);
    return this.scaleReplicaSetAndRecordEvent(newRS, count)[0];
  }

  private reconcileOldReplicaSets(oldRSs: KubeObject[], newRS: KubeObject): boolean {
    if (du.specReplicaCount(oldRSs) === 0) return false;
    const allPods = du.specReplicaCount(this.rsList);
    const minAvailable = du.replicasOf(this.d) - du.maxUnavailable(this.d);
    const newUnavailable = du.rsReplicas(newRS) - (((newRS.status ?? {}) as Partial<ReplicaSetStatus>).availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // Unhealthy old replicas go first, so they cannot block the rollout.
    const cleaned = this.cleanupUnhealthyReplicas(oldRSs, maxScaledDown);
    const current = oldRSs.map(rs => this.current(rs) ?? rs);
    const scaledDown = this.scaleDownOldReplicaSetsForRollingUpdate(current);
    return cleaned + scaledDown > 0;
  }

  private cleanupUnhealthyReplicas(oldRSs: KubeObject[], maxCleanup: number): number {
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (total >= maxCleanup) break;
      const replicas = du.rsReplicas(rs);
      const available = ((rs.status ?? {}) as Partial<ReplicaSetStatus>).availableReplicas ?? 0;
      if (replicas === 0 || replicas === available) continue;
      const count = Math.min(maxCleanup - total, replicas - available);
      this.scaleReplicaSetAndRecordEvent(rs, replicas - count);
      total += count;
    }
    return total;
  }

  private scaleDownOldReplicaSetsForRollingUpdate(oldRSs: KubeObject[]): number {
    const minAvailable = du.replicasOf(this.d) - du.maxUnavailable(this.d);
    const available = du.availableReplicaCount(this.rsList);
    if (available <= minAvailable) return 0;
    const totalToScaleDown = available - minAvailable;
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (total >= totalToScaleDown) break;
      if (du.rsReplicas(rs) === 0) continue;
      const count = Math.min(du.rsReplicas(rs), totalToScaleDown - total);
      this.scaleReplicaSetAndRecordEvent(rs, du.rsReplicas(rs) - count);
      total += count;
    }
    return total;
  }

  private rolloutRecreate(): void {
    let [newRS, oldRSs] = this.getAllReplicaSets(false);
    let scaledDown = false;
    for (const rs of oldRSs.filter(isActive)) {
      if (this.scaleReplicaSetAndRecordEvent(rs, 0)[0]) scaledDown = true;
    }
    oldRSs = oldRSs.map(rs => this.current(rs) ?? rs);
    if (scaledDown) {
      this.syncRolloutStatus([...oldRSs, newRS], newRS);
      return;
    }
    if (this.oldPodsRunning(newRS, oldRSs)) {
      this.syncRolloutStatus([...oldRSs, newRS], newRS);
      return;
    }
    if (!newRS) [newRS, oldRSs] = this.getAllReplicaSets(true);
    if (newRS) {
      this.scaleReplicaSetAndRecordEvent(newRS, du.replicasOf(this.d));
      newRS = this.current(newRS) ?? newRS;
    }
    if (du.deploymentComplete(this.d, this.status)) this.cleanup(oldRSs);
    this.syncRolloutStatus([...oldRSs, newRS], newRS);
    if (du.deploymentComplete(this.d, this.status)) this.cleanup(this.rsList.filter(rs => rs.metadata.uid !== newRS?.metadata.uid));
  }

  private oldPodsRunning(newRS: KubeObject | undefined, oldRSs: KubeObject[]): boolean {
    if (du.actualReplicaCount(oldRSs) > 0) return true;
    for (const rs of oldRSs) {
      if (rs.metadata.uid === newRS?.metadata.uid) continue;
      const pods = this.ctx.informers.pods.byIndex(OWNER, rs.metadata.uid ?? '');
      if (pods.some(p => !isPodFinished(p))) return true;
    }
    return false;
  }

  // ---- Scaling and pause ------------------------------------------------------------------

  private checkPausedConditions(): void {
    if (!du.hasProgressDeadline(this.d)) return;
    const cond = du.getCondition(this.status, 'Progressing');
    if (cond?.reason === du.Reasons.timedOut) return;
    const pausedExists = cond?.reason === du.Reasons.paused;
    const status = clone(this.status);
    if (this.spec.paused && !pausedExists) {
      du.setCondition(status, du.newCondition('Progressing', 'Unknown', du.Reasons.paused, 'Deployment is paused', this.now()));
    } else if (!this.spec.paused && pausedExists) {
      du.setCondition(status, du.newCondition('Progressing', 'Unknown', du.Reasons.resumed, 'Deployment is resumed', this.now()));
    } else return;
    this.d = { ...this.d, status };
    this.writeStatus();
  }

  private isScalingEvent(): boolean {
    const [newRS, oldRSs] = this.getAllReplicaSets(false);
    const desired = du.replicasOf(this.d);
    for (const rs of [...oldRSs, newRS]) {
      if (!rs || !isActive(rs)) continue;
      const annotated = rs.metadata.annotations?.[du.DESIRED_REPLICAS];
      if (annotated !== undefined && Number(annotated) !== desired) return true;
    }
    return false;
  }

  private sync(): void {
    let [newRS, oldRSs] = this.getAllReplicaSets(false);
    this.scale(newRS, oldRSs);
    newRS = this.current(newRS);
    oldRSs = oldRSs.map(rs => this.current(rs) ?? rs);
    if (this.spec.paused) this.cleanup(oldRSs);
    this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  private scale(newRS: KubeObject | undefined, oldRSs: KubeObject[]): void {
    const desired = du.replicasOf(this.d);
    const active = [...oldRSs, newRS].filter((rs): rs is KubeObject => Boolean(rs) && isActive(rs!));
    // One active (or only the newest) ReplicaSet takes the whole count.
    let activeOrLatest: KubeObject | undefined;
    if (active.length === 1) activeOrLatest = active[0];
    else if (active.length === 0) activeOrLatest = newRS ?? [...oldRSs].sort(byCreation).pop();
    if (activeOrLatest) {
      if (du.rsReplicas(activeOrLatest) !== desired) this.scaleReplicaSetAndRecordEvent(activeOrLatest, desired);
      return;
    }
    // A saturated new ReplicaSet: the old ones go to zero.
    const saturated =
      newRS &&
      du.rsReplicas(newRS) === desired &&
      Number(newRS.metadata.annotations?.[du.DESIRED_REPLICAS]) === desired &&
      (((newRS.status ?? {}) as Partial<ReplicaSetStatus>).availableReplicas ?? 0) === desired;
    if (saturated) {
      for (const rs of oldRSs.filter(isActive)) this.scaleReplicaSetAndRecordEvent(rs, 0);
      return;
    }
    if (!du.isRollingUpdate(this.d)) return;
    const allowed = desired > 0 ? desired + du.maxSurge(this.d) : 0;
    const toAdd = allowed - du.specReplicaCount(active);
    const sorted = [...active];
    if (toAdd > 0) {
      // Larger first; newer first among equals.
      sorted.sort((a, b) => du.rsReplicas(b) - du.rsReplicas(a) || byCreation(b, a));
    } else if (toAdd < 0) {
      // Larger first; older first among equals.
      sorted.sort((a, b) => du.rsReplicas(b) - du.rsReplicas(a) || byCreation(a, b));
    }
    const op = toAdd > 0 ? 'up' : 'down';
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of sorted) {
      if (toAdd !== 0) {
        const p = du.proportion(rs, this.d, toAdd, added);
        sizes.set(rs.metadata.uid ?? '', du.rsReplicas(rs) + p);
        added += p;
      } else sizes.set(rs.metadata.uid ?? '', du.rsReplicas(rs));
    }
    sorted.forEach((rs, i) => {
      const uid = rs.metadata.uid ?? '';
      let size = sizes.get(uid) ?? 0;
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      this.scaleReplicaSet(this.current(rs) ?? rs, size, op);
    });
  }

  private cleanup(oldRSs: KubeObject[]): void {
    const limit = intField(this.spec.revisionHistoryLimit, 10);
    const cleanable = oldRSs.filter(rs => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => du.revisionOf(a) - du.revisionOf(b) || byCreation(a, b));
    for (const rs of cleanable.slice(0, diff)) {
      const st = (rs.status ?? {}) as Partial<ReplicaSetStatus>;
      if ((st.replicas ?? 0) !== 0 || du.rsReplicas(rs) !== 0) continue;
      if ((rs.metadata.generation ?? 0) > (st.observedGeneration ?? 0)) continue;
      this.writer.delete(rs);
      this.rsList = this.rsList.filter(r => r.metadata.uid !== rs.metadata.uid);
    }
  }

  // ---- Status ------------------------------------------------------------------------------

  private calculateStatus(allRSs: Array<KubeObject | undefined>, newRS: KubeObject | undefined): DeploymentStatus {
    const available = du.availableReplicaCount(allRSs);
    const total = du.specReplicaCount(allRSs);
    const status: DeploymentStatus = omitZero({
      observedGeneration: this.d.metadata.generation,
      replicas: du.actualReplicaCount(allRSs),
      updatedReplicas: du.actualReplicaCount([newRS]),
      readyReplicas: du.readyReplicaCount(allRSs),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
      collisionCount: this.status.collisionCount,
    });
    if (this.status.conditions) status.conditions = clone(this.status.conditions);
    const now = this.now();
    if (available >= du.replicasOf(this.d) - du.maxUnavailable(this.d)) {
      du.setCondition(status, du.newCondition('Available', 'True', du.Reasons.minimumReplicasAvailable, 'Deployment has minimum availability.', now));
    } else {
      du.setCondition(status, du.newCondition('Available', 'False', du.Reasons.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
    }
    return status;
  }

  private syncDeploymentStatus(allRSs: Array<KubeObject | undefined>, newRS: KubeObject | undefined): void {
    const status = this.calculateStatus(allRSs.map(rs => this.current(rs) ?? rs), this.current(newRS) ?? newRS);
    if (deepEqual(status, this.d.status ?? {})) return;
    this.d = { ...this.d, status };
    this.writeStatus();
  }

  private syncRolloutStatus(allRSsIn: Array<KubeObject | undefined>, newRSIn: KubeObject | undefined): void {
    const allRSs = allRSsIn.map(rs => this.current(rs) ?? rs);
    const newRS = this.current(newRSIn) ?? newRSIn;
    const status = this.calculateStatus(allRSs, newRS);
    const now = this.now();
    if (!du.hasProgressDeadline(this.d)) du.removeCondition(status, 'Progressing');
    const currentCond = du.getCondition(this.status, 'Progressing');
    const complete =
      (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && currentCond?.reason === du.Reasons.newReplicaSetAvailable;
    if (du.hasProgressDeadline(this.d) && !complete) {
      const name = newRS?.metadata.name;
      if (du.deploymentComplete(this.d, status)) {
        const msg = name ? `ReplicaSet "${name}" has successfully progressed.` : `Deployment "${this.d.metadata.name}" has successfully progressed.`;
        du.setCondition(status, du.newCondition('Progressing', 'True', du.Reasons.newReplicaSetAvailable, msg, now));
      } else if (du.deploymentProgressing(this.d, status)) {
        const msg = name ? `ReplicaSet "${name}" is progressing.` : `Deployment "${this.d.metadata.name}" is progressing.`;
        const cond = du.newCondition('Progressing', 'True', du.Reasons.replicaSetUpdated, msg, now);
        // Progress refreshes lastUpdateTime even when the reason is unchanged.
        if (currentCond) {
          if (currentCond.status === 'True') cond.lastTransitionTime = currentCond.lastTransitionTime;
          du.removeCondition(status, 'Progressing');
        }
        du.setCondition(status, cond);
      } else if (this.timedOut(status)) {
        const msg = name ? `ReplicaSet "${name}" has timed out progressing.` : `Deployment "${this.d.metadata.name}" has timed out progressing.`;
        du.setCondition(status, du.newCondition('Progressing', 'False', du.Reasons.timedOut, msg, now));
        this.ctx.recorder.record(this.d, 'Warning', 'ProgressDeadlineExceeded', msg, COMPONENT);
      }
    }
    this.scheduleDeadlineCheck(status);
    if (deepEqual(status, this.d.status ?? {})) return;
    this.d = { ...this.d, status };
    this.writeStatus();
  }

  private timedOut(status: DeploymentStatus): boolean {
    const cond = du.getCondition(status, 'Progressing');
    if (!cond || cond.reason === du.Reasons.newReplicaSetAvailable) return false;
    if (cond.reason === du.Reasons.timedOut) return true;
    const from = parseKubeTime(cond.lastUpdateTime) ?? 0;
    return from + du.progressDeadlineSeconds(this.d) * 1000 < this.ctx.clock.now();
  }

  /** Wakes up when the progress deadline would pass without progress (requeueStuckDeployment). */
  private scheduleDeadlineCheck(status: DeploymentStatus): void {
    const cond = du.getCondition(status, 'Progressing');
    if (!du.hasProgressDeadline(this.d) || !cond) return;
    if (cond.reason === du.Reasons.newReplicaSetAvailable || cond.reason === du.Reasons.timedOut) return;
    if (du.deploymentComplete(this.d, status)) return;
    const from = parseKubeTime(cond.lastUpdateTime) ?? this.ctx.clock.now();
    const after = from + du.progressDeadlineSeconds(this.d) * 1000 - this.ctx.clock.now() + 1;
    this.requeueAfter = Math.max(1, after);
  }
}

export class DeploymentController {
  private readonly queue;

  private readonly writer: ApiWriter;

  constructor(private readonly ctx: SimContext) {
    this.writer = ctx.writer.as(ORIGIN);
    this.queue = ctx.scheduler.queue('deployment', key => this.reconcile(key));
    // Our own writes come back as events; what they contain was already acted on.
    ctx.informers.deployments.onChange((_t, obj, _old, origin) => {
      if (origin !== ORIGIN) this.queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
    });
    ctx.informers.replicaSets.onChange((_t, obj, _old, origin) => {
      if (origin === ORIGIN) return;
      const k = ownerKey(obj, 'Deployment');
      if (k) this.queue.add(k);
    });
    // Recreate waits for old pods to be gone: their deletion wakes the Deployment.
    ctx.informers.pods.onChange((type, obj) => {
      if (type !== 'DELETED') return;
      const rsKey = ownerKey(obj, 'ReplicaSet');
      const rs = rsKey ? ctx.informers.replicaSets.getByKey(rsKey) : undefined;
      const k = rs && ownerKey(rs, 'Deployment');
      if (k) this.queue.add(k);
    });
  }

  private reconcile(key: string): ReconcileResult | void {
    const cached = this.ctx.informers.deployments.getByKey(key);
    if (!cached) return undefined;
    return new DeploymentSync(this.ctx, this.writer, cached).run();
  }
}
