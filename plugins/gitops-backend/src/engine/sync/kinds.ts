/**
 * Argo CD's apply order of kinds within a sync wave: namespaces and policies first, then
 * config, storage, CRDs, RBAC, services, workloads and ingress; unknown kinds (custom
 * resources) come after all of them.
 */

export const KIND_ORDER: readonly string[] = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

const RANK = new Map(KIND_ORDER.map((kind, i) => [kind, i]));

/** The position of a kind in the apply order (unknown kinds last). */
export function kindRank(kind: string): number {
  return RANK.get(kind) ?? KIND_ORDER.length;
}
