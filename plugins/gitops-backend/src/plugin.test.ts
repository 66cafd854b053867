import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import { gitopsPlugin } from './plugin';

describe('gitops backend plugin', () => {
  it('answers GET /api/gitops/health without a token, with the engines status', async () => {
    const { server } = await startTestBackend({
      features: [gitopsPlugin, mockServices.rootConfig.factory({ data: {} })],
    });
    const res = await request(server).get('/api/gitops/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      engines: { sync: { state: expect.any(String) }, rollouts: { state: expect.any(String) } },
      clusters: [],
    });
    expect(Date.parse(res.body.startedAt)).not.toBeNaN();
  });

  it('serves its OpenAPI document', async () => {
    const { server } = await startTestBackend({ features: [gitopsPlugin] });
    const res = await request(server).get('/api/gitops/openapi.json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toContain('/api/gitops/health');
  });
});
