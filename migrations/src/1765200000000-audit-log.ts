import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log (docs/decisions/0016): one row per mutation by an API key or the admin token,
 * written in the mutation's transaction. `changes` is sealed with the org's data key. No foreign
 * key to organizations: the task writer inserts rows at group-commit rate, and a deleted org's rows
 * are purged in batches by the scheduler like its tasks.
 */
export class AuditLog1765200000000 implements MigrationInterface {
  name = 'AuditLog1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        actor_type text NOT NULL CHECK (actor_type IN ('api_key', 'admin')),
        actor_id text NOT NULL,
        action text NOT NULL,
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        changes bytea
      )`);
    // The list (newest first, every filter is a residual on it) and retention's per-org cutoff.
    await q.query('CREATE INDEX audit_log_org_at_idx ON audit_log (org_id, at DESC, id DESC)');
    // "What happened to this resource" and "what did this key do", the two lookups an audit is read by.
    await q.query(
      'CREATE INDEX audit_log_resource_idx ON audit_log (org_id, resource_type, resource_id, at DESC, id DESC)',
    );
    await q.query('CREATE INDEX audit_log_actor_idx ON audit_log (org_id, actor_id, at DESC, id DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_log');
  }
}
