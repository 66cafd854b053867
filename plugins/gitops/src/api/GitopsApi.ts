/**
 * The frontend's view of the gitops backend: one API ref, usable from both the
 * legacy (`@backstage/core-plugin-api`) and the new frontend system.
 */
import { createApiRef } from '@backstage/core-plugin-api';
import type { HealthResponse } from '@gitops-suite/plugin-gitops-common';

export interface GitopsApi {
  /** The engines' and clusters' status (`GET /api/gitops/health`). */
  getHealth(): Promise<HealthResponse>;
}

export const gitopsApiRef = createApiRef<GitopsApi>({
  id: 'plugin.gitops.service',
});
