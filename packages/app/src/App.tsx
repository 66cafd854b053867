/**
 * The Backstage app of the GitOps suite, on the new frontend system. Plugins installed
 * as dependencies of this package (the gitops plugin among them) are discovered through
 * `app.packages: all` in app-config.yaml.
 */
import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import { navModule } from './modules/nav';
import { homeModule } from './modules/home';

export default createApp({
  features: [catalogPlugin, navModule, homeModule],
});
