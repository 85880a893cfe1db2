import type { DataSource, EntityManager } from 'typeorm';
import type { TaskEntity } from '../entities/task.entity.js';
import { queryRows } from '../sql.js';
import { QUEUE_SLOT_STATUSES } from './queue.repository.js';

/**
 * Added to every rate window. The limit is exact for admissions (database clock); a request leaves
 * a few to some tens of milliseconds after its admission, and that delay varies, so without a
 * margin a target could see count + 1 requests within one window. Costs 5 % of a per-second rate.
 */
export const RATE_WINDOW_MARGIN_MS = 50;

/** A task a dispatcher just admitted from its named queue: the task writer enqueues its delivery job now. */
export type AdmittedTask = Pick<
  TaskEntity,
  'id' | 'orgId' | 'status' | 'runAt' | 'timeoutMs' | 'queue' | 'queueAdmittedAt'
>;

/**
 * Admission of named-queue tasks. Only this path gives such a task its delivery job, and it runs
 * as two statements in one transaction: `lockReady` locks the queue rows, then `admit` (a new
 * statement, hence a snapshot taken after the lock was granted) counts the slots and the rate
 * window and admits. Every admitter of a queue is thereby serialised on its row, across processes.
 */
export class QueueAdmissionRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Locks up to `limit` unpaused queues that have due, unadmitted tasks. FOR NO KEY UPDATE does
   * not conflict with the KEY SHARE lock of task inserts (their foreign key check), so creating
   * tasks never holds admission up; SKIP LOCKED leaves a queue another dispatcher is admitting to it.
   * Held until `em`'s transaction ends.
   */
  async lockReady(em: EntityManager, limit: number): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      em,
      `SELECT q.id FROM queues q
        WHERE NOT q.paused
          AND EXISTS (SELECT 1 FROM tasks t
                       WHERE t.org_id = q.org_id AND t.queue = q.name AND t.queue_admitted_at IS NULL
                         AND t.status IN ('scheduled', 'queued') AND t.run_at <= now())
        ORDER BY q.updated_at
        LIMIT $1
        FOR NO KEY UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Admits, per locked queue, the oldest due waiting tasks (UUID v7 id order) that fit: free slots
   * (`parallelism` minus admitted tasks not yet final, retrying included) and, with a rate limit,
   * free places in the sliding window (`recent_starts` within `rate_per_ms` + RATE_WINDOW_MARGIN_MS of now). Records
   * the
   * admissions in `recent_starts` in the same statement. The clock is `clock_timestamp()` read
   * once, after the lock was granted, not the transaction's start (`now()`): a transaction that
   * waited would otherwise record its admissions as earlier than they were and open the window early. Call only with
   * ids `lockReady` locked in `em`.
   */
  async admit(em: EntityManager, queueIds: string[], maxPerQueue: number): Promise<AdmittedTask[]> {
    if (queueIds.length === 0) return [];
    return queryRows<AdmittedTask>(
      em,
      `WITH clock AS MATERIALIZED (SELECT clock_timestamp() AS now), q AS (
         SELECT q.id, q.org_id, q.name, q.parallelism, q.rate_count,
                ARRAY(SELECT s FROM unnest(q.recent_starts) AS s WHERE s > (SELECT now FROM clock) - (q.rate_per_ms + $4) * interval '1 millisecond') AS kept,
                (SELECT count(*) FROM tasks a
                  WHERE a.org_id = q.org_id AND a.queue = q.name AND a.queue_admitted_at IS NOT NULL
                    AND a.status = ANY($3::text[]))::int AS active
           FROM queues q
          WHERE q.id = ANY($1::uuid[]) AND NOT q.paused
       ), room AS (
         SELECT q.*, GREATEST(0, LEAST(q.parallelism - q.active, COALESCE(q.rate_count - cardinality(q.kept), $2), $2)) AS n FROM q
       ), picked AS (
         SELECT w.id, r.id AS queue_id
           FROM room r
           CROSS JOIN LATERAL (
             SELECT t.id FROM tasks t
              WHERE t.org_id = r.org_id AND t.queue = r.name AND t.queue_admitted_at IS NULL
                AND t.status IN ('scheduled', 'queued') AND t.run_at <= (SELECT now FROM clock)
              ORDER BY t.id LIMIT r.n) AS w
       ), admitted AS (
         UPDATE tasks t SET queue_admitted_at = (SELECT now FROM clock)
           FROM picked p
          WHERE t.id = p.id AND t.queue_admitted_at IS NULL AND t.status IN ('scheduled', 'queued')
         RETURNING t.id, t.org_id, t.status, t.run_at, t.timeout_ms, t.queue, t.queue_admitted_at, p.queue_id
       ), recorded AS (
         UPDATE queues u
            SET recent_starts = r.kept || array_fill((SELECT now FROM clock), ARRAY[(SELECT count(*) FROM admitted a WHERE a.queue_id = u.id)::int])
           FROM room r
          WHERE u.id = r.id AND r.rate_count IS NOT NULL
       )
       SELECT id, org_id AS "orgId", status, run_at AS "runAt", timeout_ms AS "timeoutMs", queue,
              queue_admitted_at AS "queueAdmittedAt"
         FROM admitted ORDER BY id`,
      [queueIds, maxPerQueue, QUEUE_SLOT_STATUSES, RATE_WINDOW_MARGIN_MS],
    );
  }
}
