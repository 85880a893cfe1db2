import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every status change of a task is a non-HOT update (status is indexed), so each new row version
 * is inserted into every index. Two indexes held an entry for every task while serving only some:
 * the labels GIN index (most tasks have no labels) and the schedule-occurrence key (one-off tasks
 * have no schedule). Both become partial, so a plain task version writes 3 index entries, not 5.
 */
export class LeanTaskIndexes1764800000000 implements MigrationInterface {
  name = 'LeanTaskIndexes1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX tasks_labels_idx');
    // Queries filtering on labels add `labels <> '{}'` so the planner can use it.
    await q.query(
      `CREATE INDEX tasks_labels_idx ON tasks USING gin (labels jsonb_path_ops) WHERE labels <> '{}'::jsonb`,
    );
    // The scheduler's ON CONFLICT names the same predicate to use it as the arbiter.
    await q.query('ALTER TABLE tasks DROP CONSTRAINT tasks_schedule_occurrence_uq');
    await q.query(
      'CREATE UNIQUE INDEX tasks_schedule_occurrence_uq ON tasks (schedule_id, fire_at) WHERE schedule_id IS NOT NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX tasks_schedule_occurrence_uq');
    await q.query('ALTER TABLE tasks ADD CONSTRAINT tasks_schedule_occurrence_uq UNIQUE (schedule_id, fire_at)');
    await q.query('DROP INDEX tasks_labels_idx');
    await q.query('CREATE INDEX tasks_labels_idx ON tasks USING gin (labels jsonb_path_ops)');
  }
}
