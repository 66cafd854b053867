import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import type { Entity } from '@backstage/catalog-model';
import { screen } from '@testing-library/react';
import { gitopsApiRef } from '../../api';
import { EntityGitopsContent } from './EntityGitopsContent';

const api = {
  getHealth: async () => ({
    status: 'ok' as const,
    version: '0.1.0',
    startedAt: new Date().toISOString(),
    engines: { sync: { state: 'running' as const }, rollouts: { state: 'running' as const } },
    clusters: [],
  }),
};

function entity(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'order-service', annotations },
    spec: {},
  };
}

async function renderFor(e: Entity) {
  await renderInTestApp(
    <TestApiProvider apis={[[gitopsApiRef, api]]}>
      <EntityProvider entity={e}>
        <EntityGitopsContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('EntityGitopsContent', () => {
  it('names the Applications of argocd/app-name', async () => {
    await renderFor(entity({ 'argocd/app-name': 'a-staging, a-production' }));
    expect(await screen.findByTestId('gitops-entity-apps')).toHaveTextContent(
      'Applications: a-staging, a-production',
    );
    expect(await screen.findByTestId('gitops-health-status')).toBeInTheDocument();
  });

  it('shows the selector of argocd/app-selector', async () => {
    await renderFor(entity({ 'argocd/app-selector': 'app=payments' }));
    expect(await screen.findByTestId('gitops-entity-apps')).toHaveTextContent('app=payments');
  });

  it('tells what annotation to add when the entity has none', async () => {
    await renderFor(entity({}));
    expect(await screen.findByText('No Applications linked to this entity')).toBeInTheDocument();
    expect(screen.getByText(/argocd\/app-name: <application name>/)).toBeInTheDocument();
  });
});
