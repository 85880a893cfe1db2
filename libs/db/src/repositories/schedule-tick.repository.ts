import type { DataSource, EntityManager } from 'typeorm';
import {
  FINISHED_STATUSES,
  type HttpMethod,
  type MissedRunPolicy,
  type OverlapPolicy,
  TaskStatus,
} from '@hourglass/domain';
import { openRows } from '../encryption/sealed-rows.js';
import { queryRows } from '../sql.js';

/** A claimed schedule, with what the tick needs to plan it. */
export interface DueSchedule {
  id: string;
  orgId: string;
  cron: string | null;
  intervalMs: number | null;
  timezone: string;
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
  maxAttempts: number;
  labels: Record<string, string>;
  priority: number;
  missedRuns: MissedRunPolicy;
  overlap: OverlapPolicy;
  nextRunAt: Date;
  shortestIntervalMs: number;
  version: number;
  plan: string;
  /** The latest task's status (only looked up when overlap is not `allow`). */
  previousStatus: TaskStatus | null;
  previousFinishedAt: Date | null;
  /** The database's now() for this transaction: every "due" decision of the tick uses it. */
  dbNow: Date;
}

export interface OccurrenceTask {
  id: string;
  scheduleId: string;
  fireAt: Date;
}

export interface OccurrenceRow {
  id: string;
  scheduleId: string;
  orgId: string;
  fireAt: Date;
  outcome: 'fired' | 'skipped';
  reason: string | null;
  taskId: string | null;
  skippedCount: number;
}

export interface ScheduleAdvance {
  id: string;
  version: number;
  nextRunAt: Date | null;
  lastFireAt: Date | null;
}

export interface NextWake {
  /** Milliseconds until the earliest schedule that can fire is due (0 when overdue), null when none. */
  delayMs: number | null;
  /** Enabled schedules due now (including ones waiting for their previous run). */
  due: number;
  /** Some `queue`-overlap schedule is due and waits for its previous run: re-check soon. */
  waiting: boolean;
}

const LATEST_TASK = `SELECT t.status, t.finished_at FROM tasks t WHERE t.schedule_id = s.id ORDER BY t.fire_at DESC LIMIT 1`;
/** The latest run, looked up only for schedules whose overlap policy needs it (a one-time filter otherwise). */
const PREVIOUS_RUN = `SELECT t.status, t.finished_at FROM tasks t WHERE t.schedule_id = s.id AND s.overlap <> 'allow'
  ORDER BY t.fire_at DESC LIMIT 1`;
/** A `queue` schedule whose previous run is unfinished is not claimed: its due occurrence waits. */
const BLOCKED = `s.overlap = 'queue' AND EXISTS (SELECT 1 FROM (${LATEST_TASK}) p WHERE p.status <> ALL($1::text[]))`;

/** The scheduler's queries: claim due schedules, log their occurrences, advance them (tasks: the task writer). */
export class ScheduleTickRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Locks up to `limit` due schedules (`next_run_at <= now()`, decided by the database's clock)
   * with FOR UPDATE SKIP LOCKED: concurrent ticks (two leaders during a failover) take disjoint
   * rows, and a schedule's row stays locked until its occurrences and new next_run_at commit.
   * `overlap: allow` schedules are claimed up to `lookaheadMs` early, so their occurrences are
   * prepared before the fire time (the others need the previous run's state at fire time).
   */
  async claimDue(em: EntityManager, limit: number, lookaheadMs = 0): Promise<DueSchedule[]> {
    const rows = await queryRows<DueSchedule>(
      em,
      `SELECT s.id, s.org_id AS "orgId", s.cron, s.interval_ms::float8 AS "intervalMs", s.timezone, s.url, s.method, s.headers,
              s.body, s.timeout_ms AS "timeoutMs", s.max_attempts AS "maxAttempts", s.labels, s.priority,
              s.missed_runs AS "missedRuns", s.overlap, s.next_run_at AS "nextRunAt",
              s.shortest_interval_ms::float8 AS "shortestIntervalMs", s.version, o.plan,
              prev.status AS "previousStatus", prev.finished_at AS "previousFinishedAt", now() AS "dbNow"
         FROM schedules s
         JOIN organizations o ON o.id = s.org_id AND o.deleted_at IS NULL
         LEFT JOIN LATERAL (${PREVIOUS_RUN}) prev ON true
        WHERE s.enabled AND s.next_run_at <= now() + $3 * interval '1 millisecond'
          AND (s.overlap = 'allow' OR s.next_run_at <= now()) AND NOT (${BLOCKED})
        ORDER BY s.next_run_at
        LIMIT $2
        FOR UPDATE OF s SKIP LOCKED`,
      [FINISHED_STATUSES, limit, lookaheadMs],
    );
    return openRows(em, 'schedules', rows);
  }

  /**
   * The occurrence log; (schedule_id, fire_at) is unique and ON CONFLICT DO NOTHING keeps the first
   * record. `lateness_ms` of a fired row is clock_timestamp() (not now(), frozen at BEGIN) minus
   * fire_at, taken after its task and job were written.
   */
  insertOccurrences(
    em: EntityManager,
    rows: OccurrenceRow[],
  ): Promise<{ outcome: string; reason: string | null; skippedCount: number; latenessMs: number | null }[]> {
    if (rows.length === 0) return Promise.resolve([]);
    const col = <T>(pick: (r: OccurrenceRow) => T) => rows.map(pick);
    return queryRows(
      em,
      `INSERT INTO schedule_occurrences (id, schedule_id, org_id, fire_at, outcome, reason, task_id, skipped_count, lateness_ms)
       SELECT u.id, u.schedule_id, u.org_id, u.fire_at, u.outcome, u.reason, u.task_id, u.skipped_count,
              CASE WHEN u.outcome = 'fired' THEN round(EXTRACT(EPOCH FROM clock_timestamp() - u.fire_at) * 1000)::int END
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::text[], $6::text[], $7::uuid[], $8::int[])
              AS u(id, schedule_id, org_id, fire_at, outcome, reason, task_id, skipped_count)
       ON CONFLICT (schedule_id, fire_at) WHERE schedule_id IS NOT NULL DO NOTHING
       RETURNING outcome, reason, skipped_count AS "skippedCount", lateness_ms AS "latenessMs"`,
      [
        col((r) => r.id),
        col((r) => r.scheduleId),
        col((r) => r.orgId),
        col((r) => r.fireAt),
        col((r) => r.outcome),
        col((r) => r.reason),
        col((r) => r.taskId),
        col((r) => r.skippedCount),
      ],
    );
  }

  /**
   * Moves next_run_at on. Guarded by `version`: a schedule changed (PATCH, pause) since the claim
   * keeps what its writer set. The claim's row lock makes that rare; the guard keeps it safe anyway.
   */
  async advance(em: EntityManager, rows: ScheduleAdvance[]): Promise<void> {
    if (rows.length === 0) return;
    await queryRows(
      em,
      `UPDATE schedules s
          SET next_run_at = u.next_run_at,
              last_fire_at = GREATEST(s.last_fire_at, u.last_fire_at)
         FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::timestamptz[]) AS u(id, version, next_run_at, last_fire_at)
        WHERE s.id = u.id AND s.version = u.version
        RETURNING s.id`,
      [rows.map((r) => r.id), rows.map((r) => r.version), rows.map((r) => r.nextRunAt), rows.map((r) => r.lastFireAt)],
    );
  }

  /**
   * When to tick next, by the database's clock; walks the due index from its first entry. An
   * `overlap: allow` schedule is due `lookaheadMs` early (its occurrences are prepared ahead).
   */
  async nextWake(lookaheadMs = 0): Promise<NextWake> {
    const [row] = await queryRows<{ delay_ms: number | null; due: string; waiting: boolean }>(
      this.db.manager,
      `SELECT (SELECT CASE WHEN m IS NULL THEN NULL ELSE GREATEST(0, m) END FROM (SELECT LEAST(
                (SELECT EXTRACT(EPOCH FROM (s.next_run_at - now())) * 1000 - $2 FROM schedules s
                  WHERE s.enabled AND s.next_run_at IS NOT NULL AND s.overlap = 'allow'
                  ORDER BY s.next_run_at LIMIT 1),
                (SELECT EXTRACT(EPOCH FROM (s.next_run_at - now())) * 1000 FROM schedules s
                  WHERE s.enabled AND s.next_run_at IS NOT NULL AND s.overlap <> 'allow' AND NOT (s.next_run_at <= now() AND ${BLOCKED})
                  ORDER BY s.next_run_at LIMIT 1)) AS m) w)::float8 AS delay_ms,
              (SELECT count(*) FROM schedules s WHERE s.enabled AND s.next_run_at <= now()) AS due,
              EXISTS (SELECT 1 FROM schedules s WHERE s.enabled AND s.next_run_at <= now() AND ${BLOCKED}) AS waiting`,
      [FINISHED_STATUSES, lookaheadMs],
    );
    return { delayMs: row!.delay_ms, due: Number(row!.due), waiting: row!.waiting };
  }
}
