/**
 * The gitops frontend plugin: sync status, health, diffs, rollouts and the fleet view.
 * This entry point serves the legacy frontend system; `./alpha` serves the new one.
 *
 * @packageDocumentation
 */
export { gitopsPlugin, GitopsPage, EntityGitopsContent } from './plugin';
export { gitopsApiRef, GitopsClient, type GitopsApi } from './api';
export { isGitopsAvailable } from './isGitopsAvailable';
