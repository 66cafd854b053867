/**
 * HorizontalPodAutoscaler status, as far as health checks read it. There are no real
 * metrics, so every metric is taken to sit exactly at its target: the HPA keeps the target's
 * replica count, only moving it into [minReplicas, maxReplicas] (as the real HPA would), and
 * reports currentReplicas, desiredReplicas, currentMetrics and the AbleToScale, ScalingActive
 * and ScalingLimited conditions (autoscaling/v1 objects get them in the conditions annotation).
 */
import { kubeTime } from './clock';
import { HPA_TARGET, SimContext } from './context';
import type { Condition } from './kubeTypes';
import { clone, deepEqual, intField, upsertCondition } from './objects';
import type { ReconcileResult } from './queue';
import type { ApiWriter } from './writer';

const V1_CONDITIONS = 'autoscaling.alpha.kubernetes.io/conditions';

interface MetricSpec {
  type: string;
  resource?: { name: string; target?: { type?: string; averageUtilization?: number; averageValue?: string; value?: string } };
}

interface HpaSpec {
  scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string };
  minReplicas?: number;
  maxReplicas?: number;
  metrics?: MetricSpec[];
  targetCPUUtilizationPercentage?: number;
}

export class HpaController {
  private readonly queue;

  private readonly writer: ApiWriter;

  constructor(private readonly ctx: SimContext) {
    this.writer = ctx.writer.as('hpa');
    this.queue = ctx.scheduler.queue('hpa', key => this.reconcile(key));
    ctx.informers.hpas.onChange((type, obj) => {
      if (type !== 'DELETED') this.queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
    });
    for (const inf of [ctx.informers.deployments, ctx.informers.statefulSets, ctx.informers.replicaSets]) {
      inf.onChange((_t, obj) => {
        for (const hpa of ctx.informers.hpas.byIndex(HPA_TARGET, `${obj.metadata.namespace}/${obj.kind}/${obj.metadata.name}`)) {
          this.queue.add(`${hpa.metadata.namespace}/${hpa.metadata.name}`);
        }
      });
    }
  }

  private reconcile(key: string): ReconcileResult | void {
    const hpa = this.ctx.informers.hpas.getByKey(key);
    if (!hpa) return undefined;
    const v1 = hpa.apiVersion === 'autoscaling/v1';
    const spec = (hpa.spec ?? {}) as HpaSpec;
    const ref = spec.scaleTargetRef ?? {};
    const now = kubeTime(this.ctx.clock.now());
    const old = (hpa.status ?? {}) as Record<string, unknown>;
    let conditions: Condition[] = clone(
      v1 ? safeParse(hpa.metadata.annotations?.[V1_CONDITIONS]) : ((old.conditions as Condition[] | undefined) ?? []),
    );
    const cond = (type: string, value: boolean, reason: string, message: string) => {
      conditions = upsertCondition(conditions, type, value ? 'True' : 'False', now, { reason, message });
    };
    const status: Record<string, unknown> = {};
    if (old.lastScaleTime) status.lastScaleTime = old.lastScaleTime;
    const target = ref.kind && ref.name
      ? this.ctx.client.get(ref.apiVersion ?? 'apps/v1', ref.kind, hpa.metadata.namespace, ref.name)
      : undefined;
    if (!target) {
      const resource = `${(ref.kind ?? '').toLowerCase()}s`;
      const group = (ref.apiVersion ?? 'apps/v1').split('/').length === 2 ? (ref.apiVersion ?? 'apps/v1').split('/')[0] : '';
      cond('AbleToScale', false, 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${resource}${group ? `.${group}` : ''} "${ref.name}" not found`);
      status.currentReplicas = 0;
      status.desiredReplicas = 0;
    } else {
      const specReplicas = intField((target.spec as { replicas?: number } | undefined)?.replicas, 1);
      const current = intField((target.status as { replicas?: number } | undefined)?.replicas, specReplicas);
      const min = intField(spec.minReplicas, 1);
      const max = intField(spec.maxReplicas, Math.max(min, specReplicas));
      if (specReplicas === 0 && min > 0) {
        cond('AbleToScale', true, 'SucceededGetScale', 'the HPA controller was able to get the target\'s current scale');
        cond('ScalingActive', false, 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
        status.currentReplicas = current;
        status.desiredReplicas = 0;
      } else {
        const desired = Math.min(max, Math.max(min, specReplicas));
        if (desired !== specReplicas) {
          this.writer.patch(target.apiVersion, target.kind, target.metadata.namespace, target.metadata.name ?? '', 'merge', { spec: { replicas: desired } }, 'kube-controller-manager');
          const reason = desired > specReplicas ? 'Current number of replicas below Spec.MinReplicas' : 'Current number of replicas above Spec.MaxReplicas';
          this.ctx.recorder.record(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`, 'horizontal-pod-autoscaler');
          cond('AbleToScale', true, 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
          status.lastScaleTime = now;
        } else {
          cond('AbleToScale', true, 'ReadyForNewScale', 'recommended size matches current size');
        }
        const metrics = this.metricsOf(spec);
        const first = metrics[0];
        const what = first?.resource ? `${first.resource.name} resource utilization (percentage of request)` : 'its metrics';
        cond('ScalingActive', true, 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${what}`);
        if (specReplicas < min) cond('ScalingLimited', true, 'TooFewReplicas', 'the desired replica count is less than the minimum replica count');
        else if (specReplicas > max) cond('ScalingLimited', true, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count');
        else cond('ScalingLimited', false, 'DesiredWithinRange', 'the desired count is within the acceptable range');
        status.currentReplicas = current;
        status.desiredReplicas = desired;
        if (v1) {
          const cpu = spec.targetCPUUtilizationPercentage;
          if (cpu !== undefined) status.currentCPUUtilizationPercentage = cpu;
        } else {
          status.currentMetrics = metrics
            .filter(m => m.type === 'Resource' && m.resource)
            .map(m => ({
              type: 'Resource',
              resource: {
                name: m.resource!.name,
                current: m.resource!.target?.averageUtilization !== undefined
                  ? { averageUtilization: m.resource!.target.averageUtilization, averageValue: '0' }
                  : { averageValue: m.resource!.target?.averageValue ?? m.resource!.target?.value ?? '0' },
              },
            }));
        }
      }
    }
    if (v1) {
      const annotation = JSON.stringify(conditions);
      if (hpa.metadata.annotations?.[V1_CONDITIONS] !== annotation) {
        this.writer.patch(hpa.apiVersion, hpa.kind, hpa.metadata.namespace, hpa.metadata.name ?? '', 'merge', { metadata: { annotations: { [V1_CONDITIONS]: annotation } } }, 'kube-controller-manager');
      }
    } else {
      status.conditions = conditions;
    }
    const latest = this.ctx.informers.hpas.getByKey(key) ?? hpa;
    if (!deepEqual(status, latest.status ?? {})) this.writer.updateStatus({ ...latest, status }, 'kube-controller-manager');
    return { requeueAfterMs: this.ctx.options.hpaSyncMs };
  }

  private metricsOf(spec: HpaSpec): MetricSpec[] {
    if (spec.metrics?.length) return spec.metrics;
    const cpu = spec.targetCPUUtilizationPercentage ?? 80;
    return [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } } }];
  }
}

function safeParse(text: string | undefined): Condition[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? (v as Condition[]) : [];
  } catch {
    return [];
  }
}
