/**
 * The gitops plugin for the legacy frontend system (`@backstage/core-plugin-api`), which
 * most existing Backstage apps still run: a page and an entity content tab.
 */
import {
  createApiFactory,
  createPlugin,
  createRoutableExtension,
  createComponentExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { GitopsClient, gitopsApiRef } from './api';
import { rootRouteRef } from './routes';

export const gitopsPlugin = createPlugin({
  id: 'gitops',
  apis: [
    createApiFactory({
      api: gitopsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new GitopsClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: rootRouteRef },
});

/** The admin page; mount it with `<Route path="/gitops" element={<GitopsPage />} />`. */
export const GitopsPage = gitopsPlugin.provide(
  createRoutableExtension({
    name: 'GitopsPage',
    component: () =>
      import('./components/GitopsAdminPage').then(m => m.GitopsAdminPage),
    mountPoint: rootRouteRef,
  }),
);

/** The entity tab; put it in an `EntityLayout.Route path="/gitops"`. */
export const EntityGitopsContent = gitopsPlugin.provide(
  createComponentExtension({
    name: 'EntityGitopsContent',
    component: {
      lazy: () =>
        import('./components/EntityGitopsContent').then(
          m => m.EntityGitopsContent,
        ),
    },
  }),
);
