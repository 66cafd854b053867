import { GitopsClient } from './GitopsClient';

describe('GitopsClient', () => {
  const discoveryApi = { getBaseUrl: async (id: string) => `http://backend/api/${id}` };

  it('fetches the health answer from the discovered gitops base URL', async () => {
    const fetch = jest.fn(async () => new Response(JSON.stringify({ status: 'ok' }), { status: 200 }));
    const client = new GitopsClient({ discoveryApi, fetchApi: { fetch } });
    await expect(client.getHealth()).resolves.toEqual({ status: 'ok' });
    expect(fetch).toHaveBeenCalledWith('http://backend/api/gitops/health');
  });

  it('turns an error answer into a ResponseError carrying the backend message', async () => {
    const fetch = jest.fn(
      async () =>
        new Response(JSON.stringify({
            error: { name: 'NotAllowedError', message: 'not allowed' },
            request: { method: 'GET', url: '/api/gitops/health' },
            response: { statusCode: 403 },
          }), {
          status: 403,
          statusText: 'Forbidden',
          headers: { 'content-type': 'application/json' },
        }),
    );
    const client = new GitopsClient({ discoveryApi, fetchApi: { fetch } });
    const error = await client.getHealth().catch(e => e);
    expect(error.name).toBe('ResponseError');
    expect(error.cause.message).toBe('not allowed');
    expect(error.statusCode).toBe(403);
  });
});
