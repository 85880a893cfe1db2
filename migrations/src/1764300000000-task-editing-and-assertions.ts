import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Expand step for task editing, response assertions, retryOn4xx and replays. Every column is
 * nullable or has a constant default (no table rewrite), so N-1 services keep working:
 * - `version`: bumped by every edit, checked by `If-Match`.
 * - `job_id`: the task's current pending delivery job, so an edit moves it by primary key. NULL
 *   (tasks written by N-1 code or by a writer that does not set it) falls back to a lookup by payload.
 * - `attempt_offset`: `attempt_count` when the task was last replayed; the retry budget and backoff
 *   count from there while attempt numbers keep going up.
 * Dead letters and bulk actions filter on (org_id, status, id DESC): tasks_org_status_idx already serves them.
 */
export class TaskEditingAndAssertions1764300000000 implements MigrationInterface {
  name = 'TaskEditingAndAssertions1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tasks
        ADD COLUMN version int NOT NULL DEFAULT 1,
        ADD COLUMN job_id uuid,
        ADD COLUMN expected_status_codes smallint[],
        ADD COLUMN expected_body_pattern text,
        ADD COLUMN retry_on_4xx boolean NOT NULL DEFAULT false,
        ADD COLUMN attempt_offset int NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tasks DROP COLUMN attempt_offset, DROP COLUMN retry_on_4xx, DROP COLUMN expected_body_pattern,
        DROP COLUMN expected_status_codes, DROP COLUMN job_id, DROP COLUMN version`);
  }
}
