/**
 * The suite's scaffolder actions. Repository creation, Kustomize overlays, Application
 * manifests, image tags and promotion join this list as they are built; each lives in
 * its own module here and is registered by `createGitopsActions`.
 */
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';

export interface GitopsActionsOptions {
  /** Where the embedded (file://) repositories live when no SCM provider is used. */
  localRepositoriesDir?: string;
}

export function createGitopsActions(
  _options: GitopsActionsOptions = {},
): TemplateAction<any, any, any>[] {
  return [];
}
