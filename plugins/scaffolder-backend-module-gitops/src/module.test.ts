import request from 'supertest';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { scaffolderModuleGitops } from './module';
import { createGitopsActions } from './actions';

describe('scaffolder-backend-module-gitops', () => {
  it('registers the suite actions with the scaffolder extension point', async () => {
    const added: string[] = [];
    const logger = mockServices.logger.mock();
    await startTestBackend({
      extensionPoints: [
        [scaffolderActionsExtensionPoint, { addActions: (...a: { id: string }[]) => added.push(...a.map(x => x.id)) }],
      ],
      features: [scaffolderModuleGitops, logger.factory],
    });
    expect(added).toEqual(createGitopsActions().map(a => a.id));
    expect(logger.info).toHaveBeenCalledWith(
      `registered ${added.length} gitops scaffolder actions`,
    );
  });

  it('loads into the real scaffolder backend, whose action list then holds the suite actions', async () => {
    const { server } = await startTestBackend({
      features: [
        require('@backstage/plugin-scaffolder-backend').default,
        scaffolderModuleGitops,
      ],
    });
    const res = await request(server).get('/api/scaffolder/v2/actions');
    expect(res.status).toBe(200);
    const ids = res.body.map((a: { id: string }) => a.id);
    expect(ids).toContain('fetch:template');
    expect(ids).toEqual(expect.arrayContaining(createGitopsActions().map(a => a.id)));
  });
});
