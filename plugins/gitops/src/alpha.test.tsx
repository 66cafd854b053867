import type { HealthResponse } from '@gitops-suite/plugin-gitops-common';
import { screen } from '@testing-library/react';
import { createExtensionTester, renderInTestApp, TestApiProvider } from '@backstage/frontend-test-utils';
import gitopsPlugin from './alpha';
import { gitopsApiRef } from './api';

describe('gitops plugin (new frontend system)', () => {
  it('provides an API, a page at /gitops and an entity content tab', () => {
    expect(gitopsPlugin.getExtension('api:gitops')).toBeDefined();
    expect(gitopsPlugin.getExtension('page:gitops')).toBeDefined();
    expect(gitopsPlugin.getExtension('entity-content:gitops')).toBeDefined();
  });

  it('renders the admin page from its page extension', async () => {
    const page = gitopsPlugin.getExtension('page:gitops');
    const tester = createExtensionTester(page);
    renderInTestApp(
      <TestApiProvider
        apis={[
          [
            gitopsApiRef,
            {
              getHealth: async (): Promise<HealthResponse> => ({
                status: 'ok',
                version: '0.1.0',
                startedAt: new Date().toISOString(),
                engines: { sync: { state: 'running' }, rollouts: { state: 'running' } },
                clusters: [],
              }),
            },
          ],
        ]}
      >
        {tester.reactElement()}
      </TestApiProvider>,
    );
    expect(await screen.findByTestId('gitops-health-status')).toHaveTextContent('ok');
  });
});
