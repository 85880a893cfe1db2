import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Expand step for signing-secret rotation and task callbacks.
 * - `org_signing_secrets` becomes the source of truth for an org's secrets. `organizations.signing_secrets`
 *   stays (N-1 services read and write it): the insert trigger copies the secrets of every org created
 *   from now on, whoever creates it, and rotation keeps the array equal to the active secrets.
 *   A later contract migration drops the trigger and the array.
 * - Tasks gain `kind` ('task' | 'callback'), `parent_task_id` and `failure_callback_url`.
 */
export class SigningRotationAndCallbacks1764400000000 implements MigrationInterface {
  name = 'SigningRotationAndCallbacks1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE org_signing_secrets (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX org_signing_secrets_org_idx ON org_signing_secrets (org_id, created_at DESC)`);
    // The array is newest first: its first element keeps the org's creation time, older ones sort below it.
    await q.query(`
      INSERT INTO org_signing_secrets (id, org_id, sealed, created_at)
      SELECT gen_random_uuid(), o.id, s.sealed, o.created_at - (s.ord - 1) * interval '1 second'
        FROM organizations o CROSS JOIN LATERAL unnest(o.signing_secrets) WITH ORDINALITY AS s(sealed, ord)`);
    await q.query(`
      CREATE FUNCTION org_signing_secrets_copy() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO org_signing_secrets (id, org_id, sealed, created_at)
        SELECT gen_random_uuid(), NEW.id, s.sealed, now() - (s.ord - 1) * interval '1 second'
          FROM unnest(NEW.signing_secrets) WITH ORDINALITY AS s(sealed, ord);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER organizations_signing_secrets_copy AFTER INSERT ON organizations
        FOR EACH ROW EXECUTE FUNCTION org_signing_secrets_copy()`);

    await q.query(`
      ALTER TABLE tasks
        ADD COLUMN kind text NOT NULL DEFAULT 'task' CHECK (kind IN ('task', 'callback')),
        ADD COLUMN parent_task_id uuid,
        ADD COLUMN failure_callback_url text`);
    await q.query(`CREATE INDEX tasks_parent_idx ON tasks (parent_task_id) WHERE parent_task_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX tasks_parent_idx');
    await q.query('ALTER TABLE tasks DROP COLUMN failure_callback_url, DROP COLUMN parent_task_id, DROP COLUMN kind');
    await q.query('DROP TRIGGER organizations_signing_secrets_copy ON organizations');
    await q.query('DROP FUNCTION org_signing_secrets_copy()');
    // The array already holds the active secrets (rotation keeps it in step), so only the table goes.
    await q.query('DROP TABLE org_signing_secrets');
  }
}
