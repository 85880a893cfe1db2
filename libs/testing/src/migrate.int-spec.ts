import pg from 'pg';
import { migrate } from '@hourglass/migrations';
import { createTestDatabase, type TestDatabase } from './test-database.js';

describe('migrate', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('is a no-op on an up-to-date database, even when two run at once', async () => {
    const results = await Promise.all([migrate(db.url), migrate(db.url)]);
    expect(results.map((r) => r.applied)).toEqual([[], []]);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query(`SELECT name FROM pgboss.queue WHERE name = 'deliver'`);
    await client.end();
    expect(rows).toHaveLength(1);
  });
});
