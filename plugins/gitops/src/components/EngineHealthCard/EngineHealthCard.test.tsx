import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import type { HealthResponse } from '@gitops-suite/plugin-gitops-common';
import { gitopsApiRef, type GitopsApi } from '../../api';
import { EngineHealthCard } from './EngineHealthCard';

const health: HealthResponse = {
  status: 'ok',
  version: '1.2.3',
  startedAt: '2026-11-23T08:00:00.000Z',
  engines: {
    sync: { state: 'running', managed: 4 },
    rollouts: { state: 'disabled', message: 'no clusters are configured' },
  },
  clusters: [
    { name: 'in-cluster', server: 'https://127.0.0.1:6443', reachable: true, version: 'v1.31.0' },
    { name: 'edge', server: 'https://10.0.0.9', reachable: false, message: 'connect ECONNREFUSED' },
  ],
};

function renderWith(api: Partial<GitopsApi>) {
  return renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <EngineHealthCard />
    </TestApiProvider>,
  );
}

describe('EngineHealthCard', () => {
  it('shows the backend status, each engine and each cluster', async () => {
    await renderWith({ getHealth: async () => health });
    expect(await screen.findByTestId('gitops-health-status')).toHaveTextContent(
      'Backend status: ok (version 1.2.3',
    );
    expect(screen.getByText('running')).toBeInTheDocument();
    expect(screen.getByText(/no clusters are configured/)).toBeInTheDocument();
    expect(screen.getByText('in-cluster')).toBeInTheDocument();
    expect(screen.getByText('connect ECONNREFUSED')).toBeInTheDocument();
  });

  it('says how to add clusters when none are configured', async () => {
    await renderWith({ getHealth: async () => ({ ...health, clusters: [] }) });
    expect(await screen.findByText(/No clusters are configured/)).toBeInTheDocument();
  });

  it('shows a readable error instead of a blank card when the backend fails', async () => {
    await renderWith({
      getHealth: async () => {
        throw new Error('backend unreachable');
      },
    });
    expect((await screen.findAllByText(/backend unreachable/)).length).toBeGreaterThan(0);
    expect(screen.queryByTestId('gitops-health-status')).toBeNull();
  });
});
