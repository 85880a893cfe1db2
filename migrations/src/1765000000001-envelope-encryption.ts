import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Customer-data columns that become sealed bytea (docs/decisions/0014); jsonb ones keep their JSON text. */
const SEALED = {
  tasks: { text: ['url', 'body', 'callback_url', 'failure_callback_url'], json: ['headers'] },
  attempts: { text: ['response_body', 'error'], json: [] },
  schedules: { text: ['url', 'body'], json: ['headers'] },
  schedule_versions: { text: [], json: ['snapshot'] },
} as const;

/**
 * Envelope encryption (docs/decisions/0014):
 * - `org_data_keys`: each org's data keys, versioned, wrapped by the master key ring;
 * - `organizations.deleted_at`: a deleted org's row stays as its tombstone (no data key is ever
 *   made for it again) until the scheduler has purged its rows;
 * - the sealed columns become bytea. Existing values are kept as their UTF-8 bytes: readers take a
 *   value without the seal marker (a 0x00 first byte, which text never has) as legacy plaintext.
 */
export class EnvelopeEncryption1765000000001 implements MigrationInterface {
  name = 'EnvelopeEncryption1765000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE org_data_keys (
        org_id uuid NOT NULL,
        version int NOT NULL CHECK (version BETWEEN 1 AND 65535),
        master_version text NOT NULL,
        wrapped bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, version)
      )`);
    await q.query('CREATE INDEX org_data_keys_master_version_idx ON org_data_keys (master_version)');
    await q.query('ALTER TABLE organizations ADD COLUMN deleted_at timestamptz');
    await q.query('CREATE INDEX organizations_deleted_idx ON organizations (deleted_at) WHERE deleted_at IS NOT NULL');
    for (const [table, columns] of Object.entries(SEALED)) {
      const changes = [
        ...columns.text.map((c) => `ALTER COLUMN ${c} TYPE bytea USING convert_to(${c}, 'UTF8')`),
        ...columns.json.flatMap((c) => [
          `ALTER COLUMN ${c} DROP DEFAULT`,
          `ALTER COLUMN ${c} TYPE bytea USING convert_to(${c}::text, 'UTF8')`,
        ]),
        // An empty map as legacy plaintext, for rows written without headers.
        ...(table === 'tasks' || table === 'schedules'
          ? [`ALTER COLUMN headers SET DEFAULT convert_to('{}', 'UTF8')`]
          : []),
      ];
      await q.query(`ALTER TABLE ${table} ${changes.join(', ')}`);
    }
  }

  /** Only before anything was sealed: a sealed value is not UTF-8 and the conversion fails. */
  async down(q: QueryRunner): Promise<void> {
    for (const [table, columns] of Object.entries(SEALED)) {
      const changes = [
        ...columns.text.map((c) => `ALTER COLUMN ${c} TYPE text USING convert_from(${c}, 'UTF8')`),
        ...columns.json.flatMap((c) => [
          `ALTER COLUMN ${c} DROP DEFAULT`,
          `ALTER COLUMN ${c} TYPE jsonb USING convert_from(${c}, 'UTF8')::jsonb`,
        ]),
      ];
      await q.query(`ALTER TABLE ${table} ${changes.join(', ')}`);
    }
    await q.query(`ALTER TABLE tasks ALTER COLUMN headers SET DEFAULT '{}'`);
    await q.query(`ALTER TABLE schedules ALTER COLUMN headers SET DEFAULT '{}'`);
    await q.query('DROP INDEX organizations_deleted_idx');
    await q.query('ALTER TABLE organizations DROP COLUMN deleted_at');
    await q.query('DROP TABLE org_data_keys');
  }
}
