import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddIdempotencyKeys1764200000000 implements MigrationInterface {
  name = 'AddIdempotencyKeys1764200000000';

  async up(q: QueryRunner): Promise<void> {
    // scope is the org id, or 'admin' for operator routes; keys are kept 24 h (expires_at).
    await q.query(`
      CREATE TABLE idempotency_keys (
        scope text NOT NULL,
        key text NOT NULL,
        request_hash bytea NOT NULL,
        state text NOT NULL CHECK (state IN ('in_flight','done')),
        response_status int,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL DEFAULT now() + interval '24 hours',
        PRIMARY KEY (scope, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE idempotency_keys');
  }
}
