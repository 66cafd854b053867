/**
 * Scaffolder backend module `gitops`: registers the suite's template actions with the
 * scaffolder through its actions extension point.
 */
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createGitopsActions } from './actions';

export const scaffolderModuleGitops = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'gitops',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ scaffolder, config, logger }) {
        const actions = createGitopsActions({
          localRepositoriesDir: config.getOptionalString(
            'gitops.scaffolder.localRepositoriesDir',
          ),
        });
        scaffolder.addActions(...actions);
        logger.info(`registered ${actions.length} gitops scaffolder actions`);
      },
    });
  },
});
