import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API rate-limit counters shared by every api-gateway replica: one row per scope (an API key or an
 * org) and fixed window, counting the requests replicas have leased from its budget
 * (docs/decisions/0017-rate-limits.md). UNLOGGED: a counter lost in a crash costs at most one
 * window of limits, and its updates write no WAL on the request path.
 */
export class RateLimitWindows1765300000000 implements MigrationInterface {
  name = 'RateLimitWindows1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE rate_limit_windows (
        scope text NOT NULL,
        window_end bigint NOT NULL,
        used bigint NOT NULL,
        PRIMARY KEY (scope, window_end)
      ) WITH (fillfactor = 70)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rate_limit_windows');
  }
}
