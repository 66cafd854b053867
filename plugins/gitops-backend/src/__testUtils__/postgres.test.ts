import knexFactory from 'knex';
import { startPostgres, type TestPostgres } from './postgres';

describe('startPostgres (test utility)', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(() => pg?.stop());

  it('runs a real PostgreSQL server that answers queries', async () => {
    const knex = knexFactory({ client: 'pg', connection: pg.connection });
    const result = await knex.raw('select version() as v');
    expect(result.rows[0].v).toMatch(/^PostgreSQL \d+/);
    await knex.destroy();
  });
});
