import type pg from 'pg';
import { TaskLimits } from '@hourglass/domain';

export interface ScheduleGroup {
  prefix: string;
  count: number;
  /** A cron expression, or an interval in ms. */
  timing: { cron: string } | { intervalMs: number };
  /** Seconds from now (database clock, whole second) to the first fire time. */
  firstInSeconds: number;
  shortestIntervalMs: number;
}

/**
 * `count` schedules in one statement, all first due at the same whole second, then a NOTIFY so a
 * sleeping scheduler re-plans (as the API does on every change).
 */
export async function insertSchedules(
  client: pg.Client,
  orgId: string,
  target: string,
  group: ScheduleGroup,
): Promise<void> {
  const cron = 'cron' in group.timing ? group.timing.cron : null;
  const intervalMs = 'intervalMs' in group.timing ? group.timing.intervalMs : null;
  await client.query(
    `INSERT INTO schedules (id, org_id, name, cron, interval_ms, timezone, url, method, body, timeout_ms, max_attempts, priority,
                            next_run_at, shortest_interval_ms)
     SELECT gen_random_uuid(), $1, $2 || i, $3, $4, 'UTC', $5, 'POST', '{"n":1}', $6, $7, $8,
            date_trunc('second', now()) + $9 * interval '1 second', $10
       FROM generate_series(1, $11) AS i`,
    [
      orgId,
      group.prefix,
      cron,
      intervalMs,
      target,
      TaskLimits.defaultTimeoutMs,
      TaskLimits.defaultMaxAttempts,
      TaskLimits.defaultPriority,
      group.firstInSeconds,
      group.shortestIntervalMs,
      group.count,
    ],
  );
  await client.query(`SELECT pg_notify('hourglass_schedules_changed', $1)`, [group.prefix]);
}

export interface FiredTask {
  id: string;
  fireAt: number;
  latenessMs: number;
}

/** Fired occurrences of a group, with the enqueue lateness the scheduler logged. */
export async function firedTasks(client: pg.Client, prefix: string): Promise<FiredTask[]> {
  const { rows } = await client.query<{ id: string; fire_at: Date; lateness_ms: number }>(
    `SELECT o.task_id AS id, o.fire_at, o.lateness_ms FROM schedule_occurrences o JOIN schedules s ON s.id = o.schedule_id
      WHERE starts_with(s.name, $1) AND o.outcome = 'fired'`,
    [prefix],
  );
  return rows.map((r) => ({ id: r.id, fireAt: r.fire_at.getTime(), latenessMs: r.lateness_ms }));
}

/**
 * Occurrences unaccounted for (no task and no skipped row) and duplicates (an occurrence enqueued
 * more than once), per group: every fire time from the first to next_run_at must be covered once.
 */
export async function checkOccurrences(
  client: pg.Client,
  prefix: string,
  firstAt: Date,
): Promise<{ lost: number; duplicates: number }> {
  const { rows } = await client.query<{ lost: number; duplicates: number }>(
    `WITH g AS (SELECT id, next_run_at, coalesce(interval_ms, 1000) AS step FROM schedules WHERE starts_with(name, $1))
     SELECT coalesce(sum(greatest(0, (extract(epoch FROM g.next_run_at - $2::timestamptz) * 1000 / g.step)::int
              - (SELECT count(*) FROM tasks t WHERE t.schedule_id = g.id)
              - (SELECT coalesce(sum(skipped_count), 0) FROM schedule_occurrences o WHERE o.schedule_id = g.id AND o.outcome = 'skipped'))), 0)::int AS lost,
            (SELECT count(*) FROM (SELECT j.data->>'taskId' FROM pgboss.job j JOIN tasks t ON t.id = (j.data->>'taskId')::uuid
               JOIN g ON g.id = t.schedule_id WHERE j.name = 'deliver' GROUP BY 1 HAVING count(*) > 1) d)::int AS duplicates
       FROM g`,
    [prefix, firstAt],
  );
  return rows[0]!;
}
