import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API-key lifecycle (docs/decisions/0015): a rotated key points at its replacement and works until
 * `grace_ends_at`; `created_by` names the key id (or "admin", the operator token) that minted it.
 * Expand only: services one version back read and write the table as before.
 */
export class ApiKeyLifecycle1765100000000 implements MigrationInterface {
  name = 'ApiKeyLifecycle1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE api_keys ADD COLUMN replaced_by uuid, ADD COLUMN grace_ends_at timestamptz, ADD COLUMN created_by text',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE api_keys DROP COLUMN replaced_by, DROP COLUMN grace_ends_at, DROP COLUMN created_by');
  }
}
