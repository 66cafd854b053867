/**
 * Common code of the GitOps suite: the argoproj.io resource shapes, the REST API's
 * request and response types, annotation names and permissions.
 *
 * @packageDocumentation
 */
export * from './kube';
export * from './argo';
export * from './api';
export * from './annotations';
export * from './permissions';
