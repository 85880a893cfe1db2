import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notification outbox's delivery (docs/decisions/0022), expand-only:
 * - tasks may be of kind `notification` (a notification's delivery through the one task writer);
 * - a notification held for its channel's grouping window waits until `send_after`, without a task;
 * - the platform itself (`system`) may be an audit actor (a channel disabled after a 404/410).
 */
export class NotificationOutbox1765800000000 implements MigrationInterface {
  name = 'NotificationOutbox1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks DROP CONSTRAINT IF EXISTS tasks_kind_check`);
    await q.query(
      `ALTER TABLE tasks ADD CONSTRAINT tasks_kind_check CHECK (kind IN ('task', 'callback', 'notification'))`,
    );
    await q.query(`ALTER TABLE notifications ADD COLUMN send_after timestamptz`);
    await q.query(`CREATE INDEX notifications_held_idx ON notifications (send_after) WHERE status = 'held'`);
    await q.query(`CREATE INDEX notifications_channel_open_idx ON notifications (channel_id) WHERE status = 'held'`);
    await q.query(`ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_type_check`);
    await q.query(`ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_type_check
      CHECK (actor_type IN ('api_key', 'admin', 'endpoint', 'system'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM audit_log WHERE actor_type = 'system'`);
    await q.query(`ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_type_check`);
    await q.query(`ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_type_check
      CHECK (actor_type IN ('api_key', 'admin', 'endpoint'))`);
    await q.query(`DROP INDEX notifications_channel_open_idx`);
    await q.query(`DROP INDEX notifications_held_idx`);
    await q.query(`ALTER TABLE notifications DROP COLUMN send_after`);
    await q.query(`DELETE FROM tasks WHERE kind = 'notification'`);
    await q.query(`ALTER TABLE tasks DROP CONSTRAINT tasks_kind_check`);
    await q.query(`ALTER TABLE tasks ADD CONSTRAINT tasks_kind_check CHECK (kind IN ('task', 'callback'))`);
  }
}
