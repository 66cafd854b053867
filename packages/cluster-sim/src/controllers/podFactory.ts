/**
 * Builds Pods from pod templates the way the workload controllers do: labels and
 * annotations from the template, a controller ownerReference, and a node chosen up front
 * (the simulated scheduler binds at creation, so no pod spec update is needed later).
 */
import type { KubeObject } from '../store/types';
import type { SimContext } from './context';
import type { PodSpec, PodTemplateSpec } from './kubeTypes';
import { pickNode } from './nodes';
import { clone, ownerRefTo } from './objects';

export interface PodBuild {
  owner: KubeObject;
  template: PodTemplateSpec;
  name: string;
  extraLabels?: Record<string, string>;
  extraAnnotations?: Record<string, string>;
  /** Fixed node (DaemonSets); otherwise the least-loaded fitting node. */
  nodeName?: string;
  specPatch?: Partial<PodSpec>;
}

export function buildPod(ctx: SimContext, build: PodBuild): KubeObject {
  const template = clone(build.template);
  const spec: PodSpec = { ...(template.spec ?? { containers: [] }), ...(build.specPatch ?? {}) };
  const nodeName = build.nodeName ?? spec.nodeName ?? pickNode(ctx, spec);
  if (nodeName) spec.nodeName = nodeName;
  const annotations = { ...(template.metadata?.annotations ?? {}), ...(build.extraAnnotations ?? {}) };
  const metadata: KubeObject['metadata'] = {
    name: build.name,
    namespace: build.owner.metadata.namespace,
    labels: { ...(template.metadata?.labels ?? {}), ...(build.extraLabels ?? {}) },
    ownerReferences: [ownerRefTo(build.owner)],
  };
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec };
}
