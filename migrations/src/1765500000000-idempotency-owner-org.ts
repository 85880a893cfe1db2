import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The org an operator's (admin-token) idempotent reply is about: deleting the org deletes those
 * replies with it (they may hold its new API key or signing secret; docs/decisions/0014).
 */
export class IdempotencyOwnerOrg1765500000000 implements MigrationInterface {
  name = 'IdempotencyOwnerOrg1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE idempotency_keys ADD COLUMN org_id uuid');
    await q.query('CREATE INDEX idempotency_keys_org_idx ON idempotency_keys (org_id) WHERE org_id IS NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX idempotency_keys_org_idx');
    await q.query('ALTER TABLE idempotency_keys DROP COLUMN org_id');
  }
}
