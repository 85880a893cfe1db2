import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Named queues (docs/decisions/0006). A task naming a queue is created without a delivery job and
 * waits until a dispatcher admits it (`queue_admitted_at`), which is when its job is enqueued.
 * Expand-only: tasks without a queue are untouched, so the previous services keep working.
 */
export class NamedQueues1764500000000 implements MigrationInterface {
  name = 'NamedQueues1764500000000';

  async up(q: QueryRunner): Promise<void> {
    // recent_starts: the admission times inside the rate window (at most rate_count of them), a
    // sliding log updated under the row lock by the statement that admits tasks.
    await q.query(`
      CREATE TABLE queues (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL,
        parallelism int NOT NULL CHECK (parallelism BETWEEN 1 AND 1000),
        rate_count int CHECK (rate_count BETWEEN 1 AND 1000),
        rate_per_ms int CHECK (rate_per_ms IN (1000, 60000)),
        paused boolean NOT NULL DEFAULT false,
        recent_starts timestamptz[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT queues_org_name_uq UNIQUE (org_id, name),
        CONSTRAINT queues_rate_ck CHECK ((rate_count IS NULL) = (rate_per_ms IS NULL))
      )`);
    await q.query(`ALTER TABLE tasks ADD COLUMN queue_admitted_at timestamptz`);
    // A task cannot name a missing queue (insert fails), and deleting a queue clears the name on
    // the finished tasks that keep referring to it. NOT VALID: existing rows are not scanned.
    await q.query(`
      ALTER TABLE tasks ADD CONSTRAINT tasks_queue_fk FOREIGN KEY (org_id, queue)
        REFERENCES queues (org_id, name) ON DELETE SET NULL (queue) NOT VALID`);
    // Stats, the slot count and the foreign key's lookups; partial, so unqueued tasks never enter it.
    await q.query(`CREATE INDEX tasks_queue_idx ON tasks (org_id, queue, status, finished_at) WHERE queue IS NOT NULL`);
    // The waiting line of each queue in creation order (UUID v7 ids).
    await q.query(`
      CREATE INDEX tasks_queue_waiting_idx ON tasks (org_id, queue, id)
        WHERE queue IS NOT NULL AND queue_admitted_at IS NULL AND status IN ('scheduled', 'queued')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX tasks_queue_waiting_idx');
    await q.query('DROP INDEX tasks_queue_idx');
    await q.query('ALTER TABLE tasks DROP CONSTRAINT tasks_queue_fk');
    await q.query('ALTER TABLE tasks DROP COLUMN queue_admitted_at');
    await q.query('DROP TABLE queues');
  }
}
