import type { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '../sql.js';

/** A named queue: at most `parallelism` unfinished admitted tasks, at most `rateCount` admissions per `ratePerMs`. */
export interface QueueRow {
  id: string;
  orgId: string;
  name: string;
  parallelism: number;
  rateCount: number | null;
  ratePerMs: number | null;
  paused: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface QueueStats {
  /** Waiting for admission, or admitted and not yet started. */
  queued: number;
  running: number;
  retrying: number;
  succeededLastHour: number;
  failedLastHour: number;
}

export type NewQueue = Pick<QueueRow, 'id' | 'orgId' | 'name' | 'parallelism' | 'rateCount' | 'ratePerMs'>;
export type QueuePatch = Partial<Pick<QueueRow, 'parallelism' | 'rateCount' | 'ratePerMs' | 'paused'>>;

const COLUMNS = `id, org_id AS "orgId", name, parallelism, rate_count AS "rateCount", rate_per_ms AS "ratePerMs", paused,
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Statuses in which an admitted task still holds its queue's slot (it has not reached a final state). */
export const QUEUE_SLOT_STATUSES = ['scheduled', 'queued', 'running', 'retrying'] as const;

export class QueueRepository {
  constructor(private readonly db: DataSource) {}

  /** Tasks of every org waiting for a slot in their named queue (the waiting-line index, all orgs). */
  async waitingTotal(): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      this.db.manager,
      `SELECT count(*)::int AS n FROM tasks
        WHERE queue IS NOT NULL AND queue_admitted_at IS NULL AND status IN ('scheduled', 'queued')`,
    );
    return row!.n;
  }

  /** Null when the org already has a queue of that name. */
  async insert(row: NewQueue, em: EntityManager = this.db.manager): Promise<QueueRow | null> {
    const rows = await queryRows<QueueRow>(
      em,
      `INSERT INTO queues (id, org_id, name, parallelism, rate_count, rate_per_ms) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id, name) DO NOTHING RETURNING ${COLUMNS}`,
      [row.id, row.orgId, row.name, row.parallelism, row.rateCount, row.ratePerMs],
    );
    return rows[0] ?? null;
  }

  async find(orgId: string, name: string, em: EntityManager = this.db.manager): Promise<QueueRow | null> {
    const rows = await queryRows<QueueRow>(em, `SELECT ${COLUMNS} FROM queues WHERE org_id = $1 AND name = $2`, [
      orgId,
      name,
    ]);
    return rows[0] ?? null;
  }

  listForOrg(orgId: string): Promise<QueueRow[]> {
    return queryRows<QueueRow>(
      this.db.manager,
      `SELECT ${COLUMNS} FROM queues WHERE org_id = $1 ORDER BY name LIMIT 1000`,
      [orgId],
    );
  }

  /** Only the fields given change; a rate limit is replaced or removed as a whole (both columns). */
  async update(
    orgId: string,
    name: string,
    patch: QueuePatch,
    em: EntityManager = this.db.manager,
  ): Promise<QueueRow | null> {
    const rateGiven = 'rateCount' in patch;
    const rows = await queryRows<QueueRow>(
      em,
      `UPDATE queues SET parallelism = COALESCE($3, parallelism), paused = COALESCE($4, paused),
              rate_count = CASE WHEN $5 THEN $6 ELSE rate_count END,
              rate_per_ms = CASE WHEN $5 THEN $7 ELSE rate_per_ms END,
              updated_at = now()
        WHERE org_id = $1 AND name = $2 RETURNING ${COLUMNS}`,
      [
        orgId,
        name,
        patch.parallelism ?? null,
        patch.paused ?? null,
        rateGiven,
        patch.rateCount ?? null,
        patch.ratePerMs ?? null,
      ],
    );
    return rows[0] ?? null;
  }

  /**
   * Deletes the queue unless it still has unfinished tasks. Locks the row FOR UPDATE first: that
   * waits for transactions inserting tasks into the queue (their foreign key check holds KEY SHARE)
   * and blocks new ones until this commits, so the check below, a new statement with a new
   * snapshot, sees every task that will ever name this queue; inserts queued behind the lock then
   * fail their foreign key check. Finished tasks lose their queue name (ON DELETE SET NULL).
   * `deleted` runs in the same transaction once the queue is gone (the audit entry).
   */
  async deleteIfEmpty(
    orgId: string,
    name: string,
    deleted: (em: EntityManager, queueId: string) => Promise<void> = async () => undefined,
  ): Promise<'deleted' | 'missing' | 'not_empty'> {
    return this.db.transaction(async (em) => {
      const locked = await queryRows<{ id: string }>(
        em,
        `SELECT id FROM queues WHERE org_id = $1 AND name = $2 FOR UPDATE`,
        [orgId, name],
      );
      if (locked.length === 0) return 'missing';
      const busy = await queryRows<{ busy: boolean }>(
        em,
        `SELECT EXISTS (SELECT 1 FROM tasks WHERE org_id = $1 AND queue = $2 AND status = ANY($3::text[])) AS busy`,
        [orgId, name, QUEUE_SLOT_STATUSES],
      );
      if (busy[0]!.busy) return 'not_empty';
      await em.query(`DELETE FROM queues WHERE id = $1`, [locked[0]!.id]);
      await deleted(em, locked[0]!.id);
      return 'deleted';
    });
  }

  async stats(orgId: string, name: string): Promise<QueueStats> {
    const rows = await queryRows<QueueStats>(
      this.db.manager,
      `SELECT count(*) FILTER (WHERE status IN ('scheduled', 'queued'))::int AS queued,
              count(*) FILTER (WHERE status = 'running')::int AS running,
              count(*) FILTER (WHERE status = 'retrying')::int AS retrying,
              count(*) FILTER (WHERE status = 'succeeded' AND finished_at > now() - interval '1 hour')::int AS "succeededLastHour",
              count(*) FILTER (WHERE status = 'failed' AND finished_at > now() - interval '1 hour')::int AS "failedLastHour"
         FROM tasks
        WHERE org_id = $1 AND queue = $2
          AND (status = ANY($3::text[]) OR (status IN ('succeeded', 'failed') AND finished_at > now() - interval '1 hour'))`,
      [orgId, name, QUEUE_SLOT_STATUSES],
    );
    return rows[0]!;
  }
}
