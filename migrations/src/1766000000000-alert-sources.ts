import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alert sources (docs/decisions/0024): a task's and a schedule's own `notify` override (null: the
 * org's default channels), and when a schedule started failing (null: healthy) with the fire time
 * of the occurrence that last flipped that (`alert_fire_at`), so its first failure raises
 * `schedule.failed` once, its next success `schedule.recovered` once, and an older occurrence
 * settling late flips nothing. Expand only: nullable columns without defaults are a catalog
 * change, no table rewrite, and no index on tasks (the hot table pays nothing on its writes);
 * org_usage gets an index on month for the leader's usage check.
 */
export class AlertSources1766000000000 implements MigrationInterface {
  name = 'AlertSources1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks ADD COLUMN notify jsonb`);
    await q.query(
      `ALTER TABLE schedules ADD COLUMN notify jsonb, ADD COLUMN failing_since timestamptz, ADD COLUMN alert_fire_at timestamptz`,
    );
    // The leader's usage check reads this month's counters only. tasks_created is not indexed, so
    // the writer's counter updates stay HOT (no index entry written per task creation).
    await q.query(`CREATE INDEX org_usage_month_idx ON org_usage (month)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX org_usage_month_idx`);
    await q.query(`ALTER TABLE schedules DROP COLUMN alert_fire_at, DROP COLUMN failing_since, DROP COLUMN notify`);
    await q.query(`ALTER TABLE tasks DROP COLUMN notify`);
  }
}
