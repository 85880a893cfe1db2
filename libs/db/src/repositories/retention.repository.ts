import type { DataSource } from 'typeorm';
import { FINISHED_STATUSES } from '@hourglass/domain';
import { JOB_TABLE_CONTRACT, Queue } from '../queues.js';
import { queryRows } from '../sql.js';

/** A task with a delivery job in one of pg-boss's live states is never deleted. */
const LIVE_JOB_STATES = `(${JOB_TABLE_CONTRACT.live.map((state) => `'${state}'`).join(', ')})`;
const JOB_TABLE = JOB_TABLE_CONTRACT.table;

/** The org's retention cutoff: its `retention_days` (the plan's, unless an operator set one) before now. */
const CUTOFF = `now() - make_interval(days => o.retention_days)`;

/**
 * The lowest UUID v7 of the millisecond of `ts` (a timestamptz expression): every id made before
 * `ts` by `newId()` sorts below it (uuid comparison is bytewise). Used only as an index bound next to
 * the real timestamp condition, so a row with some other kind of id is at worst kept, never deleted early.
 */
const v7Floor = (ts: string) => {
  const hex = `lpad(to_hex(floor(extract(epoch FROM ${ts}) * 1000)::bigint), 12, '0')`;
  return `(substr(${hex}, 1, 8) || '-' || substr(${hex}, 9, 4) || '-7000-8000-000000000000')::uuid`;
};

/**
 * Where a batch over the orgs starts: orgs are walked in id order, and a batch resumes at the org the last one ended
 * in.
 */
export const FIRST_ORG = '00000000-0000-0000-0000-000000000000';

/** One batch over the orgs: how many rows it chose, where the next batch resumes, and what it deleted. */
export interface RetentionBatch {
  /** Rows chosen (some may have been skipped as locked). Fewer than the batch size: the walk is done. */
  picked: number;
  /** The org the batch ended in; the next batch starts there (its remaining rows come first). */
  nextOrgId: string;
  deleted: number;
}

export interface TaskRetentionBatch extends RetentionBatch {
  /** Attempts deleted with their tasks (same statement). */
  attempts: number;
}

/**
 * The scheduler's retention statements, each one bounded batch (docs/architecture.md, "Retention").
 * Per org, rows older than the org's `retention_days` go: finished tasks with their attempts,
 * schedule occurrences, and schedule versions other than each schedule's current one; idempotency
 * keys go once expired (24 h). Every batch is one statement: it picks at most `batchSize` rows
 * through an index, locks them with FOR UPDATE SKIP LOCKED (a row another transaction holds is left
 * for the next pass, never waited for) and deletes them, so locks last one short statement.
 */
export class RetentionRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Finished tasks that still have a live delivery job (a cancelled task's pending job stays until
   * a dispatcher completes it): kept this pass. Found by payload, so also when `job_id` does not name
   * the job (rows written before the task writer recorded every job's id, decision 0012). One read
   * of the queue's live jobs per pass instead of one per batch.
   * A finished task cannot gain a job later in the pass without leaving the finished statuses
   * (replay sets it queued in the job's transaction), which each batch re-checks under its row lock.
   */
  async tasksWithLiveJobs(): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      this.db.manager,
      `SELECT DISTINCT t.id FROM ${JOB_TABLE} j JOIN tasks t ON t.id = (j.data->>'taskId')::uuid
        WHERE j.name = $1 AND j.state IN ${LIVE_JOB_STATES} AND t.status = ANY($2::text[])`,
      [Queue.Deliver, FINISHED_STATUSES],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Deletes up to `batchSize` tasks that finished (succeeded, failed, cancelled) before their org's
   * cutoff, with their attempts, from `fromOrgId` on. Skips `keep` (tasks with a live job) and any task
   * whose recorded job is live. Each org's candidates come from (org_id, status, id) below the cutoff's
   * id; the lock re-checks status and finish time, so a task replayed meanwhile stays.
   */
  async deleteTasks(batchSize: number, fromOrgId: string, keep: string[]): Promise<TaskRetentionBatch> {
    const [row] = await queryRows<{ picked: number; next_org_id: string | null; deleted: number; attempts: number }>(
      this.db.manager,
      `WITH picked AS (
         SELECT c.id, c.cutoff, o.id AS org_id
           FROM organizations o
           CROSS JOIN LATERAL (
             SELECT t.id, ${CUTOFF} AS cutoff FROM tasks t
              WHERE t.org_id = o.id AND t.status = ANY($1::text[])
                AND t.id < ${v7Floor(CUTOFF)} AND t.finished_at < ${CUTOFF}
                AND t.id <> ALL($4::uuid[])
                AND NOT EXISTS (SELECT 1 FROM ${JOB_TABLE} j
                                 WHERE j.name = $5 AND j.id = t.job_id AND j.state IN ${LIVE_JOB_STATES})
              LIMIT $2) c
          WHERE o.id >= $3::uuid
          ORDER BY o.id
          LIMIT $2
       ),
       locked AS (
         SELECT t.id FROM tasks t JOIN picked p ON p.id = t.id
          WHERE t.status = ANY($1::text[]) AND t.finished_at < p.cutoff
          FOR UPDATE OF t SKIP LOCKED
       ),
       gone AS (DELETE FROM tasks t USING locked l WHERE t.id = l.id RETURNING t.id),
       attempts_gone AS (DELETE FROM attempts a USING gone g WHERE a.task_id = g.id RETURNING 1)
       SELECT (SELECT count(*) FROM picked)::int AS picked,
              (SELECT org_id FROM picked ORDER BY org_id DESC LIMIT 1) AS next_org_id,
              (SELECT count(*) FROM gone)::int AS deleted,
              (SELECT count(*) FROM attempts_gone)::int AS attempts`,
      [FINISHED_STATUSES, batchSize, fromOrgId, keep, Queue.Deliver],
    );
    return {
      picked: row!.picked,
      nextOrgId: row!.next_org_id ?? fromOrgId,
      deleted: row!.deleted,
      attempts: row!.attempts,
    };
  }

  /**
   * Deletes up to `batchSize` occurrence log rows whose fire time is before their org's cutoff, from
   * `fromOrgId` on, through each schedule's (schedule_id, fire_at) index. A fired occurrence whose
   * task is still unfinished stays with it. Deleting old rows cannot fire them again: the scheduler
   * only fires from a schedule's next_run_at on, which is past them.
   */
  async deleteOccurrences(batchSize: number, fromOrgId: string): Promise<RetentionBatch> {
    return this.deleteWalk(
      'schedule_occurrences',
      `SELECT x.id FROM schedules s JOIN schedule_occurrences x ON x.schedule_id = s.id AND x.fire_at < ${CUTOFF}
        WHERE s.org_id = o.id
          AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = x.task_id AND t.status <> ALL($3::text[]))
        LIMIT $1`,
      batchSize,
      fromOrgId,
      [FINISHED_STATUSES],
    );
  }

  /**
   * Deletes up to `batchSize` schedule versions (the change history) made before their org's cutoff,
   * from `fromOrgId` on. A schedule's current version (`version = schedules.version`) always stays,
   * however old: it is what the schedule is now.
   */
  async deleteScheduleVersions(batchSize: number, fromOrgId: string): Promise<RetentionBatch> {
    return this.deleteWalk(
      'schedule_versions',
      `SELECT x.id FROM schedules s JOIN schedule_versions x ON x.schedule_id = s.id AND x.version < s.version
        WHERE s.org_id = o.id AND x.created_at < ${CUTOFF}
        LIMIT $1`,
      batchSize,
      fromOrgId,
      [],
    );
  }

  /**
   * Deletes up to `batchSize` audit log entries older than their org's plan's `auditRetentionDays`
   * (`days` by plan name; a plan not named gets `fallbackDays`), from `fromOrgId` on, through the
   * (org_id, at) index.
   */
  async deleteAuditLog(
    batchSize: number,
    fromOrgId: string,
    days: ReadonlyMap<string, number>,
    fallbackDays: number,
  ): Promise<RetentionBatch> {
    return this.deleteWalk(
      'audit_log',
      `SELECT x.id FROM audit_log x
        WHERE x.org_id = o.id AND x.at < now() - make_interval(days => COALESCE(
          (SELECT p.days FROM unnest($3::text[], $4::int[]) AS p(plan, days) WHERE p.plan = o.plan), $5::int))
        LIMIT $1`,
      batchSize,
      fromOrgId,
      [[...days.keys()], [...days.values()], fallbackDays],
    );
  }

  /**
   * Deletes up to `batchSize` inbound events received before their org's cutoff, from `fromOrgId`
   * on (their forward links go with them; the forward tasks are tasks, retained as tasks).
   */
  async deleteInboundEvents(batchSize: number, fromOrgId: string): Promise<RetentionBatch> {
    return this.deleteWalk(
      'inbound_events',
      `SELECT x.id FROM inbound_events x WHERE x.org_id = o.id AND x.received_at < ${CUTOFF} LIMIT $1`,
      batchSize,
      fromOrgId,
      [],
    );
  }

  /** Deletes up to `batchSize` monitor pings or checks from before their org's cutoff, from `fromOrgId` on. */
  async deleteMonitorHistory(
    table: 'monitor_pings' | 'monitor_checks',
    batchSize: number,
    fromOrgId: string,
  ): Promise<RetentionBatch> {
    const at = table === 'monitor_pings' ? 'received_at' : 'checked_at';
    return this.deleteWalk(
      table,
      `SELECT x.id FROM ${table} x WHERE x.org_id = o.id AND x.${at} < ${CUTOFF} LIMIT $1`,
      batchSize,
      fromOrgId,
      [],
    );
  }

  /** Deletes up to `batchSize` inbound dedup claims past their window (a new claim would take them over anyway). */
  async deleteExpiredDedupKeys(batchSize: number): Promise<number> {
    const rows = await queryRows(
      this.db.manager,
      `DELETE FROM inbound_dedup_keys WHERE ctid IN (
         SELECT ctid FROM inbound_dedup_keys WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING 1`,
      [batchSize],
    );
    return rows.length;
  }

  /** Orgs deleted (crypto-shredded) whose rows are still to purge, a bounded page of them. */
  async deletedOrgs(limit: number): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      this.db.manager,
      'SELECT id FROM organizations WHERE deleted_at IS NOT NULL ORDER BY deleted_at, id LIMIT $1',
      [limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * One batch of a deleted org's purge, whatever the rows' age or status: its tasks with their
   * attempts, then its schedules' occurrences and versions, its schedules, its idempotency keys, its audit log,
   * its notifications, notification events and channels, its monitors' pings, checks and incidents and its monitors;
   * once none is left, the org row itself (its keys, secrets, queues and counters go with it by
   * cascade). Their delivery jobs stay (ids only): a dispatcher completes one whose task is gone.
   * Returns how many rows it deleted; 0 when the org is gone.
   */
  async purgeDeletedOrg(orgId: string, batchSize: number): Promise<number> {
    const steps = [
      `WITH gone AS (DELETE FROM tasks WHERE id IN (
         SELECT id FROM tasks WHERE org_id = $1 LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING id),
       attempts_gone AS (DELETE FROM attempts a USING gone g WHERE a.task_id = g.id RETURNING 1)
       SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM attempts_gone) AS n`,
      ...['schedule_occurrences', 'schedule_versions'].map(
        (table) => `WITH gone AS (DELETE FROM ${table} WHERE id IN (
           SELECT x.id FROM schedules s JOIN ${table} x ON x.schedule_id = s.id WHERE s.org_id = $1 LIMIT $2
              FOR UPDATE OF x SKIP LOCKED) RETURNING 1)
         SELECT count(*) AS n FROM gone`,
      ),
      `WITH gone AS (DELETE FROM schedules WHERE id IN (
         SELECT id FROM schedules WHERE org_id = $1 LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      `WITH gone AS (DELETE FROM idempotency_keys WHERE ctid IN (
         SELECT ctid FROM idempotency_keys WHERE scope = $1::text LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      `WITH gone AS (DELETE FROM audit_log WHERE id IN (
         SELECT id FROM audit_log WHERE org_id = $1 LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      // Notifications: the outbox, the events, then the channels (the outbox rows reference them); monitors' rows.
      ...['notifications', 'notification_events', 'notification_channels', 'monitor_pings', 'monitor_checks'].map(
        (table) => `WITH gone AS (DELETE FROM ${table} WHERE id IN (
           SELECT id FROM ${table} WHERE org_id = $1 LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING 1)
         SELECT count(*) AS n FROM gone`,
      ),
      `WITH gone AS (DELETE FROM monitor_incidents WHERE id IN (
         SELECT x.id FROM monitors m JOIN monitor_incidents x ON x.monitor_id = m.id WHERE m.org_id = $1 LIMIT $2
            FOR UPDATE OF x SKIP LOCKED) RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      `WITH gone AS (DELETE FROM monitors WHERE id IN (
         SELECT id FROM monitors WHERE org_id = $1 LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      `WITH gone AS (DELETE FROM organizations WHERE id = $1 AND deleted_at IS NOT NULL AND $2::int > 0
         AND NOT EXISTS (SELECT 1 FROM tasks WHERE org_id = $1) AND NOT EXISTS (SELECT 1 FROM schedules WHERE org_id = $1)
         AND NOT EXISTS (SELECT 1 FROM audit_log WHERE org_id = $1) AND NOT EXISTS (SELECT 1 FROM monitors WHERE org_id = $1)
       RETURNING 1)
       SELECT count(*) AS n FROM gone`,
    ];
    for (const sql of steps) {
      const [row] = await queryRows<{ n: string }>(this.db.manager, sql, [orgId, batchSize]);
      const deleted = Number(row!.n);
      if (deleted > 0) return deleted;
    }
    return 0;
  }

  /** Deletes up to `batchSize` idempotency keys past their expiry (24 h after the first request). */
  async deleteIdempotencyKeys(batchSize: number): Promise<number> {
    const rows = await queryRows(
      this.db.manager,
      `DELETE FROM idempotency_keys WHERE ctid IN (
         SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING 1`,
      [batchSize],
    );
    return rows.length;
  }

  /**
   * One batch of `table` rows chosen per org by `perOrg`, which sees the org as `o`, the limit as `$1` and `extra` from
   * `$3` on.
   */
  private async deleteWalk(
    table: string,
    perOrg: string,
    batchSize: number,
    fromOrgId: string,
    extra: unknown[],
  ): Promise<RetentionBatch> {
    const [row] = await queryRows<{ picked: number; next_org_id: string | null; deleted: number }>(
      this.db.manager,
      `WITH picked AS (
         SELECT c.id, o.id AS org_id
           FROM organizations o CROSS JOIN LATERAL (${perOrg}) c
          WHERE o.id >= $2::uuid
          ORDER BY o.id
          LIMIT $1
       ),
       locked AS (SELECT x.id FROM ${table} x WHERE x.id IN (SELECT id FROM picked) FOR UPDATE SKIP LOCKED),
       gone AS (DELETE FROM ${table} x USING locked l WHERE x.id = l.id RETURNING 1)
       SELECT (SELECT count(*) FROM picked)::int AS picked,
              (SELECT org_id FROM picked ORDER BY org_id DESC LIMIT 1) AS next_org_id,
              (SELECT count(*) FROM gone)::int AS deleted`,
      [batchSize, fromOrgId, ...extra],
    );
    return { picked: row!.picked, nextOrgId: row!.next_org_id ?? fromOrgId, deleted: row!.deleted };
  }
}
