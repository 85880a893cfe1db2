import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A replayed response is the first response, byte for byte: `json` keeps the text as written,
 * where `jsonb` reordered its keys. Rows stored before keep the reordered form until they expire (24 h).
 */
export class VerbatimIdempotentReplays1764900000000 implements MigrationInterface {
  name = 'VerbatimIdempotentReplays1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE idempotency_keys ALTER COLUMN response_body TYPE json USING response_body::json');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE idempotency_keys ALTER COLUMN response_body TYPE jsonb USING response_body::jsonb');
  }
}
