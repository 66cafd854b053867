import { isResourcePermission } from '@backstage/plugin-permission-common';
import {
  GITOPS_APPLICATION_RESOURCE_TYPE,
  gitopsApplicationSyncPermission,
  gitopsPermissions,
} from './permissions';

describe('permissions', () => {
  it('declares unique names', () => {
    const names = gitopsPermissions.map(p => p.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('makes Application actions resource permissions, so policies can decide per Application', () => {
    expect(isResourcePermission(gitopsApplicationSyncPermission, GITOPS_APPLICATION_RESOURCE_TYPE)).toBe(true);
    expect(gitopsApplicationSyncPermission.attributes.action).toBe('update');
  });
});
