/**
 * The gitops plugin for the new frontend system (`@backstage/frontend-plugin-api`): the
 * API, the admin page at `/gitops` and the entity content tab at `/gitops`.
 */
import {
  ApiBlueprint,
  PageBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { compatWrapper } from '@backstage/core-compat-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import SyncIcon from '@material-ui/icons/Sync';
import { GitopsClient, gitopsApiRef } from './api';
import { isGitopsAvailable } from './isGitopsAvailable';
import { rootRouteRef } from './routes';

const gitopsApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: gitopsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new GitopsClient({ discoveryApi, fetchApi }),
    }),
});

const gitopsPage = PageBlueprint.make({
  params: {
    path: '/gitops',
    title: 'GitOps',
    icon: <SyncIcon />,
    routeRef: rootRouteRef,
    loader: () =>
      import('./components/GitopsAdminPage').then(m =>
        compatWrapper(<m.GitopsAdminPage />),
      ),
  },
});

const gitopsEntityContent = EntityContentBlueprint.make({
  params: {
    path: 'gitops',
    title: 'GitOps',
    filter: isGitopsAvailable,
    loader: () =>
      import('./components/EntityGitopsContent').then(m =>
        compatWrapper(<m.EntityGitopsContent />),
      ),
  },
});

export default createFrontendPlugin({
  pluginId: 'gitops',
  info: { packageJson: () => import('../package.json') },
  routes: { root: rootRouteRef },
  extensions: [gitopsApi, gitopsPage, gitopsEntityContent],
});
