/**
 * The gitops backend plugin: an Application sync engine (Git → rendered manifests →
 * clusters) and a rollout engine, with their REST API at /api/gitops.
 *
 * @packageDocumentation
 */
export { gitopsPlugin as default } from './plugin';
