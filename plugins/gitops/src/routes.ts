/** Route refs of the gitops frontend plugin. */
import { createRouteRef } from '@backstage/core-plugin-api';

export const rootRouteRef = createRouteRef({ id: 'gitops' });
