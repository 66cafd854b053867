/**
 * The CustomResourceDefinitions of the argoproj.io kinds the engines serve, installed into
 * the control cluster (Application, ApplicationSet, AppProject) and into every target
 * cluster (Rollout, AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun) when missing.
 * Names, short names, scopes and subresources are Argo's, so `kubectl get apps`,
 * `kubectl get ro` and existing tooling keep working. Schemas preserve unknown fields:
 * the engines validate specs themselves and report problems as conditions.
 */
import type { KubeObject } from '@gitops-suite/plugin-gitops-common';

interface CrdSpec {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Namespaced' | 'Cluster';
  status?: boolean;
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
  columns?: Array<{ name: string; type: string; jsonPath: string; priority?: number }>;
}

const age = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

const ARGO_CD: CrdSpec[] = [
  {
    kind: 'Application',
    plural: 'applications',
    singular: 'application',
    shortNames: ['app', 'apps'],
    scope: 'Namespaced',
    columns: [
      { name: 'Sync Status', type: 'string', jsonPath: '.status.sync.status' },
      { name: 'Health Status', type: 'string', jsonPath: '.status.health.status' },
      { name: 'Revision', type: 'string', jsonPath: '.status.sync.revision', priority: 10 },
      { name: 'Project', type: 'string', jsonPath: '.spec.project', priority: 10 },
      age,
    ],
  },
  {
    kind: 'ApplicationSet',
    plural: 'applicationsets',
    singular: 'applicationset',
    shortNames: ['appset', 'appsets'],
    scope: 'Namespaced',
    status: true,
    columns: [age],
  },
  {
    kind: 'AppProject',
    plural: 'appprojects',
    singular: 'appproject',
    shortNames: ['appproj', 'appprojs'],
    scope: 'Namespaced',
    columns: [age],
  },
];

const ARGO_ROLLOUTS: CrdSpec[] = [
  {
    kind: 'Rollout',
    plural: 'rollouts',
    singular: 'rollout',
    shortNames: ['ro'],
    scope: 'Namespaced',
    status: true,
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.HPAReplicas',
      labelSelectorPath: '.status.selector',
    },
    columns: [
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Current', type: 'integer', jsonPath: '.status.replicas' },
      { name: 'Up-to-date', type: 'integer', jsonPath: '.status.updatedReplicas' },
      { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas' },
      age,
    ],
  },
  {
    kind: 'AnalysisTemplate',
    plural: 'analysistemplates',
    singular: 'analysistemplate',
    shortNames: ['at'],
    scope: 'Namespaced',
    columns: [age],
  },
  {
    kind: 'ClusterAnalysisTemplate',
    plural: 'clusteranalysistemplates',
    singular: 'clusteranalysistemplate',
    shortNames: ['cat'],
    scope: 'Cluster',
    columns: [age],
  },
  {
    kind: 'AnalysisRun',
    plural: 'analysisruns',
    singular: 'analysisrun',
    shortNames: ['ar'],
    scope: 'Namespaced',
    status: true,
    columns: [
      { name: 'Status', type: 'string', jsonPath: '.status.phase' },
      age,
    ],
  },
];

function crd(spec: CrdSpec): KubeObject {
  const subresources: Record<string, unknown> = {};
  if (spec.status) subresources.status = {};
  if (spec.scale) subresources.scale = spec.scale;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${spec.plural}.argoproj.io`,
      labels: { 'app.kubernetes.io/part-of': 'gitops-suite' },
    },
    spec: {
      group: 'argoproj.io',
      scope: spec.scope,
      names: {
        kind: spec.kind,
        listKind: `${spec.kind}List`,
        plural: spec.plural,
        singular: spec.singular,
        shortNames: spec.shortNames,
        categories: ['argoproj', 'all'].filter(c => c !== 'all' || spec.kind === 'Rollout'),
      },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: Object.keys(subresources).length ? subresources : undefined,
          additionalPrinterColumns: spec.columns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: spec.kind === 'Application' || spec.kind === 'AppProject' ? ['metadata', 'spec'] : ['metadata'],
              'x-kubernetes-preserve-unknown-fields': true,
            },
          },
        },
      ],
    },
  };
}

/** CRDs of the control cluster (Argo CD's kinds). */
export function controlPlaneCrds(): KubeObject[] {
  return ARGO_CD.map(crd);
}

/** CRDs of every cluster the rollout engine serves (Argo Rollouts' kinds). */
export function rolloutCrds(): KubeObject[] {
  return ARGO_ROLLOUTS.map(crd);
}
