/**
 * Permissions of the GitOps suite, checked by the backend on every route and by the
 * frontend to disable buttons a user may not use.
 */
import {
  createPermission,
  type BasicPermission,
  type ResourcePermission,
} from '@backstage/plugin-permission-common';

/** Resource type of Applications; the resource ref is `<namespace>/<name>`. */
export const GITOPS_APPLICATION_RESOURCE_TYPE = 'gitops-application';
/** Resource type of Rollouts; the resource ref is `<cluster>/<namespace>/<name>`. */
export const GITOPS_ROLLOUT_RESOURCE_TYPE = 'gitops-rollout';

type AppPermission = ResourcePermission<typeof GITOPS_APPLICATION_RESOURCE_TYPE>;
type RolloutPermission = ResourcePermission<typeof GITOPS_ROLLOUT_RESOURCE_TYPE>;

const appPermission = (name: string, action: 'read' | 'update' | 'delete'): AppPermission =>
  createPermission({
    name,
    attributes: { action },
    resourceType: GITOPS_APPLICATION_RESOURCE_TYPE,
  });

const rolloutPermission = (name: string): RolloutPermission =>
  createPermission({
    name,
    attributes: { action: 'update' },
    resourceType: GITOPS_ROLLOUT_RESOURCE_TYPE,
  });

export const gitopsApplicationReadPermission = appPermission('gitops.application.read', 'read');
export const gitopsApplicationSyncPermission = appPermission('gitops.application.sync', 'update');
export const gitopsApplicationRefreshPermission = appPermission('gitops.application.refresh', 'update');
export const gitopsApplicationRollbackPermission = appPermission('gitops.application.rollback', 'update');
export const gitopsApplicationTerminatePermission = appPermission('gitops.application.terminate', 'update');

export const gitopsRolloutPromotePermission = rolloutPermission('gitops.rollout.promote');
export const gitopsRolloutAbortPermission = rolloutPermission('gitops.rollout.abort');
export const gitopsRolloutRetryPermission = rolloutPermission('gitops.rollout.retry');
export const gitopsRolloutUndoPermission = rolloutPermission('gitops.rollout.undo');
export const gitopsRolloutPausePermission = rolloutPermission('gitops.rollout.pause');
export const gitopsRolloutRestartPermission = rolloutPermission('gitops.rollout.restart');

/** Reading the fleet-wide audit log and cluster list on the admin page. */
export const gitopsAdminReadPermission: BasicPermission = createPermission({
  name: 'gitops.admin.read',
  attributes: { action: 'read' },
});

/** Writing to Git on a user's behalf: image tags and environment promotion. */
export const gitopsGitWritePermission: BasicPermission = createPermission({
  name: 'gitops.git.write',
  attributes: { action: 'update' },
});

/** Every permission the suite declares, for the permission integration router. */
export const gitopsPermissions = [
  gitopsApplicationReadPermission,
  gitopsApplicationSyncPermission,
  gitopsApplicationRefreshPermission,
  gitopsApplicationRollbackPermission,
  gitopsApplicationTerminatePermission,
  gitopsRolloutPromotePermission,
  gitopsRolloutAbortPermission,
  gitopsRolloutRetryPermission,
  gitopsRolloutUndoPermission,
  gitopsRolloutPausePermission,
  gitopsRolloutRestartPermission,
  gitopsAdminReadPermission,
  gitopsGitWritePermission,
];
