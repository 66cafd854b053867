/**
 * Conversions between API versions that share one stored object: core/v1 Event and
 * events.k8s.io/v1 Event, autoscaling/v2 and autoscaling/v1 HorizontalPodAutoscaler.
 * Custom resources convert by rewriting apiVersion only (conversion strategy None).
 */
import type { KubeObject } from './types';

type Obj = Record<string, any>;

function pick(src: Obj, map: Array<[string, string]>, dst: Obj): void {
  for (const [from, to] of map) if (src[from] !== undefined) dst[to] = src[from];
}

const EVENT_FIELDS: Array<[string, string]> = [
  ['involvedObject', 'regarding'],
  ['related', 'related'],
  ['reason', 'reason'],
  ['message', 'note'],
  ['type', 'type'],
  ['action', 'action'],
  ['eventTime', 'eventTime'],
  ['series', 'series'],
  ['reportingComponent', 'reportingController'],
  ['reportingInstance', 'reportingInstance'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];

/** core/v1 Event → events.k8s.io/v1 Event. */
export function eventToEventsV1(obj: KubeObject): KubeObject {
  const out: Obj = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: obj.metadata };
  pick(obj, EVENT_FIELDS, out);
  return out as KubeObject;
}

/** events.k8s.io/v1 Event → core/v1 Event. */
export function eventsV1ToEvent(obj: KubeObject): KubeObject {
  const out: Obj = { apiVersion: 'v1', kind: 'Event', metadata: obj.metadata };
  pick(
    obj,
    EVENT_FIELDS.map(([a, b]) => [b, a] as [string, string]),
    out,
  );
  if (out.source === undefined && typeof obj.reportingController === 'string') {
    out.source = { component: obj.reportingController };
  }
  return out as KubeObject;
}

/** autoscaling/v2 → autoscaling/v1: only the CPU utilization target survives. */
export function hpaV2ToV1(obj: KubeObject): KubeObject {
  const spec: Obj = obj.spec ?? {};
  const status: Obj = obj.status ?? {};
  const outSpec: Obj = {};
  pick(spec, [['scaleTargetRef', 'scaleTargetRef'], ['minReplicas', 'minReplicas'], ['maxReplicas', 'maxReplicas']], outSpec);
  for (const m of (spec.metrics as Obj[] | undefined) ?? []) {
    if (m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.type === 'Utilization') {
      outSpec.targetCPUUtilizationPercentage = m.resource.target.averageUtilization;
    }
  }
  const outStatus: Obj = {};
  pick(
    status,
    [
      ['observedGeneration', 'observedGeneration'],
      ['lastScaleTime', 'lastScaleTime'],
      ['currentReplicas', 'currentReplicas'],
      ['desiredReplicas', 'desiredReplicas'],
    ],
    outStatus,
  );
  for (const m of (status.currentMetrics as Obj[] | undefined) ?? []) {
    if (m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.current?.averageUtilization !== undefined) {
      outStatus.currentCPUUtilizationPercentage = m.resource.current.averageUtilization;
    }
  }
  if (outStatus.currentReplicas === undefined) outStatus.currentReplicas = 0;
  if (outStatus.desiredReplicas === undefined) outStatus.desiredReplicas = 0;
  return { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: obj.metadata, spec: outSpec, status: outStatus } as KubeObject;
}

/** autoscaling/v1 → autoscaling/v2. */
export function hpaV1ToV2(obj: KubeObject): KubeObject {
  const spec: Obj = obj.spec ?? {};
  const status: Obj = obj.status ?? {};
  const outSpec: Obj = {};
  pick(spec, [['scaleTargetRef', 'scaleTargetRef'], ['minReplicas', 'minReplicas'], ['maxReplicas', 'maxReplicas']], outSpec);
  if (spec.targetCPUUtilizationPercentage !== undefined) {
    outSpec.metrics = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } },
    ];
  }
  const outStatus: Obj = {};
  pick(
    status,
    [
      ['observedGeneration', 'observedGeneration'],
      ['lastScaleTime', 'lastScaleTime'],
      ['currentReplicas', 'currentReplicas'],
      ['desiredReplicas', 'desiredReplicas'],
    ],
    outStatus,
  );
  if (status.currentCPUUtilizationPercentage !== undefined) {
    outStatus.currentMetrics = [
      { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } },
    ];
  }
  const out: Obj = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: obj.metadata, spec: outSpec };
  if (obj.status !== undefined) out.status = outStatus;
  return out as KubeObject;
}
