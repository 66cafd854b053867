/**
 * Scaffolder actions of the GitOps suite, as a backend module for the scaffolder.
 *
 * @packageDocumentation
 */
export { scaffolderModuleGitops as default } from './module';
export { createGitopsActions, type GitopsActionsOptions } from './actions';
