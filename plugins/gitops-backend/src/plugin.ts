/**
 * The gitops backend plugin (id `gitops`): composes the engines, their stores and the
 * REST router on Backstage's core services.
 */
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { gitopsPermissions } from '@gitops-suite/plugin-gitops-common';
import type { HealthResponse } from '@gitops-suite/plugin-gitops-common';
import { createRouter } from './service/router';
import { version } from '../package.json';

export const gitopsPlugin = createBackendPlugin({
  pluginId: 'gitops',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        permissionsRegistry: coreServices.permissionsRegistry,
      },
      async init({ logger, httpRouter, permissionsRegistry }) {
        const startedAt = new Date().toISOString();
        permissionsRegistry.addPermissions(gitopsPermissions);

        const health = async (): Promise<HealthResponse> => ({
          status: 'ok',
          version,
          startedAt,
          engines: {
            sync: { state: 'disabled', message: 'no clusters are configured' },
            rollouts: { state: 'disabled', message: 'no clusters are configured' },
          },
          clusters: [],
        });

        httpRouter.use(await createRouter({ logger, health }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
