import type { HealthResponse } from '@gitops-suite/plugin-gitops-common';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { gitopsApiRef } from '../../api';
import { GitopsAdminPage } from './GitopsAdminPage';

describe('GitopsAdminPage', () => {
  it('renders the page header and the engine health from the API', async () => {
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [
            gitopsApiRef,
            {
              getHealth: async (): Promise<HealthResponse> => ({
                status: 'degraded',
                version: '9.9.9',
                startedAt: new Date().toISOString(),
                engines: { sync: { state: 'failed', message: 'cluster unreachable' }, rollouts: { state: 'running' } },
                clusters: [],
              }),
            },
          ],
        ]}
      >
        <GitopsAdminPage />
      </TestApiProvider>,
    );
    expect(screen.getByText('GitOps')).toBeInTheDocument();
    expect(await screen.findByTestId('gitops-health-status')).toHaveTextContent('degraded');
    expect(screen.getByText(/cluster unreachable/)).toBeInTheDocument();
  });
});
