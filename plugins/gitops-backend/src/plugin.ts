/**
 * The gitops backend plugin (id `gitops`): composes the engines, their stores and the
 * REST router on Backstage's core services.
 */
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import {
  gitopsPermissions,
  GITOPS_APPLICATION_RESOURCE_TYPE,
  type HealthResponse,
} from '@gitops-suite/plugin-gitops-common';
import { GitopsEngine } from './GitopsEngine';
import { createRouter } from './service/router';
import { applicationResourceRef, applicationRules } from './service/permissionRules';
import { version } from '../package.json';

export const gitopsPlugin = createBackendPlugin({
  pluginId: 'gitops',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
      },
      async init(deps) {
        const { logger, httpRouter, permissionsRegistry, lifecycle } = deps;
        const startedAt = new Date().toISOString();
        const engine = await GitopsEngine.create(deps);

        permissionsRegistry.addResourceType({
          resourceRef: applicationResourceRef,
          permissions: gitopsPermissions.filter(
            p => p.type === 'resource' && p.resourceType === GITOPS_APPLICATION_RESOURCE_TYPE,
          ),
          rules: Object.values(applicationRules),
          getResources: async refs =>
            refs.map(ref => engine.controller?.application(ref.split('/').pop() ?? '')),
        });
        permissionsRegistry.addPermissions(
          gitopsPermissions.filter(p => p.type !== 'resource' || p.resourceType !== GITOPS_APPLICATION_RESOURCE_TYPE),
        );

        // The engine connects to its clusters in the background: Backstage starts meanwhile.
        lifecycle.addStartupHook(() => {
          engine.start().catch(() => undefined);
        });
        lifecycle.addShutdownHook(() => engine.stop());

        const health = async (): Promise<HealthResponse> => {
          const sync = engine.syncStatus();
          const clusters = engine.registry?.status() ?? [];
          return {
            status: sync.state === 'failed' || clusters.some(c => !c.reachable) ? 'degraded' : 'ok',
            version,
            startedAt,
            engines: {
              sync,
              rollouts: { state: 'disabled', message: 'the rollout engine is not part of this release yet' },
            },
            clusters,
          };
        };

        httpRouter.use(
          await createRouter({
            logger,
            health,
            engine,
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            permissionsRegistry,
            auditor: deps.auditor,
            catalog: deps.catalog,
            validateResponses: deps.config.getOptionalBoolean('gitops.api.validateResponses') ?? false,
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        // Webhooks authenticate with their shared secret (checked by the handler).
        httpRouter.addAuthPolicy({ path: '/webhook', allow: 'unauthenticated' });
      },
    });
  },
});
