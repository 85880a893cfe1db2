import type { EntityManager } from 'typeorm';
import { openRows } from '../encryption/sealed-rows.js';
import { queryRows } from '../sql.js';
import type { NotificationEvent, WeeklyDigest } from './notification-events.js';
import { raiseNotificationEvents } from './raise-events.js';

const DAY_MS = 86_400_000;

/** The last complete ISO week (Monday 00:00 UTC to Monday 00:00 UTC) before `now`, and its key (`2026-W48`). */
export function lastIsoWeek(now: Date): { start: Date; end: Date; key: string } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const end = new Date(today - ((now.getUTCDay() + 6) % 7) * DAY_MS);
  const start = new Date(end.getTime() - 7 * DAY_MS);
  // The ISO year is the one of the week's Thursday.
  const thursday = new Date(start.getTime() + 3 * DAY_MS);
  const firstThursday = Date.UTC(thursday.getUTCFullYear(), 0, 4);
  const firstMonday = firstThursday - ((new Date(firstThursday).getUTCDay() + 6) % 7) * DAY_MS;
  const week = Math.round((start.getTime() - firstMonday) / (7 * DAY_MS)) + 1;
  return { start, end, key: `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}` };
}

/** The smallest UUID v7 of `at` (ids are time-ordered): a week's tasks are one range of tasks_org_idx. */
export function uuidV7Floor(at: Date): string {
  const hex = at.getTime().toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/** The p95 of `values` (nearest rank). */
export function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * 0.95) - 1)] ?? 0;
}

export interface DigestOptions {
  /** Orgs per batch of queries. */
  batchSize: number;
  /** Newest attempts per org read for the slowest targets (their URLs are sealed: hosts are read in the process). */
  attemptSample: number;
  now?: Date;
}

const TOP = 5;

interface CountRow {
  org_id: string;
  created: string;
  delivered: string;
  dead_lettered: string;
  failed_attempts: string;
}

/**
 * The weekly digest (docs/decisions/0024), run by the scheduler's leader: one `digest.weekly` per
 * org per ISO week (dedupKey `digest:<week>`), for the orgs with an enabled channel subscribed to
 * it, over the last complete week. Orgs go in batches of `batchSize`, each batch a few statements
 * that read only the week's tasks of those orgs (a range of tasks_org_idx, ids being UUID v7) and
 * their attempts (attempts_task_number_uq). Returns how many digests were raised.
 */
export async function raiseWeeklyDigests(em: EntityManager, options: DigestOptions): Promise<number> {
  const week = lastIsoWeek(options.now ?? new Date());
  const dedupKey = `digest:${week.key}`;
  let raised = 0;
  for (let after = '00000000-0000-0000-0000-000000000000'; ;) {
    const orgs = await queryRows<{ org_id: string }>(
      em,
      `SELECT DISTINCT c.org_id FROM notification_channels c
         JOIN organizations o ON o.id = c.org_id AND o.deleted_at IS NULL
        WHERE 'digest.weekly' = ANY(c.events) AND c.disabled_at IS NULL AND c.org_id > $2
          AND NOT EXISTS (SELECT 1 FROM notification_events e WHERE e.org_id = c.org_id AND e.dedup_key = $1)
        ORDER BY c.org_id LIMIT $3`,
      [dedupKey, after, options.batchSize],
    );
    if (orgs.length === 0) return raised;
    const ids = orgs.map((o) => o.org_id);
    const digests = await digestsOf(em, ids, week, options.attemptSample);
    raised += await raiseNotificationEvents(
      em,
      ids.map((orgId) => digestEvent(orgId, dedupKey, week.key, digests.get(orgId)!)),
    );
    if (orgs.length < options.batchSize) return raised;
    after = ids[ids.length - 1]!;
  }
}

async function digestsOf(
  em: EntityManager,
  orgIds: string[],
  week: { start: Date; end: Date },
  attemptSample: number,
): Promise<Map<string, WeeklyDigest>> {
  const range = [orgIds, uuidV7Floor(week.start), uuidV7Floor(week.end)];
  const weekTasks = `SELECT t.id, t.org_id, t.status, t.schedule_id, t.queue, t.attempt_count FROM tasks t
     WHERE t.org_id = ANY($1::uuid[]) AND t.id >= $2::uuid AND t.id < $3::uuid AND t.kind = 'task'`;
  const counts = await queryRows<CountRow>(
    em,
    // An attempt that failed is every attempt of the week's tasks but each delivered task's last:
    // counted from tasks.attempt_count, without reading the attempts.
    `WITH w AS (${weekTasks})
     SELECT w.org_id, count(*) AS created, count(*) FILTER (WHERE w.status = 'succeeded') AS delivered,
            count(*) FILTER (WHERE w.status = 'failed') AS dead_lettered,
            sum(w.attempt_count) - count(*) FILTER (WHERE w.status = 'succeeded') AS failed_attempts
       FROM w GROUP BY w.org_id`,
    range,
  );
  const failures = await queryRows<{ org_id: string; name: string; count: string }>(
    em,
    `WITH w AS (${weekTasks}),
     named AS (
       SELECT w.org_id, COALESCE('schedule ' || s.name, 'queue ' || w.queue, 'one-off tasks') AS name, count(*) AS count
         FROM w LEFT JOIN schedules s ON s.id = w.schedule_id
        WHERE w.status = 'failed' GROUP BY 1, 2),
     ranked AS (SELECT *, row_number() OVER (PARTITION BY org_id ORDER BY count DESC, name) AS rank FROM named)
     SELECT org_id, name, count FROM ranked WHERE rank <= ${TOP}`,
    range,
  );
  const sampled = await queryRows<{ id: string; orgId: string; url: Buffer | string; duration_ms: number }>(
    em,
    // Per org, its newest tasks of the week backwards along tasks_org_idx, each joined to its attempts.
    `SELECT s.* FROM unnest($1::uuid[]) AS o(org_id) CROSS JOIN LATERAL (
       SELECT t.id, t.org_id AS "orgId", t.url, a.duration_ms FROM tasks t JOIN attempts a ON a.task_id = t.id
        WHERE t.org_id = o.org_id AND t.id >= $2::uuid AND t.id < $3::uuid AND t.kind = 'task'
        ORDER BY t.id DESC LIMIT $4) s`,
    [...range, attemptSample],
  );
  const opened = await openRows(em, 'tasks', sampled as { id: string; orgId: string; url: string }[]);
  const durations = new Map<string, Map<string, number[]>>();
  opened.forEach((row, i) => {
    const host = targetHost(row.url);
    const byHost = durations.get(row.orgId) ?? new Map<string, number[]>();
    durations.set(row.orgId, byHost);
    byHost.set(host, [...(byHost.get(host) ?? []), sampled[i]!.duration_ms]);
  });
  const digests = new Map<string, WeeklyDigest>();
  for (const orgId of orgIds) {
    const c = counts.find((row) => row.org_id === orgId);
    digests.set(orgId, {
      periodStart: week.start.toISOString(),
      periodEnd: week.end.toISOString(),
      counts: {
        created: Number(c?.created ?? 0),
        delivered: Number(c?.delivered ?? 0),
        failed: Number(c?.failed_attempts ?? 0),
        deadLettered: Number(c?.dead_lettered ?? 0),
      },
      failures: failures.filter((f) => f.org_id === orgId).map((f) => ({ name: f.name, count: Number(f.count) })),
      slowestTargets: [...(durations.get(orgId) ?? new Map<string, number[]>())]
        .map(([host, ms]) => ({ host, p95Ms: p95(ms), count: ms.length }))
        .sort((a, b) => b.p95Ms - a.p95Ms || a.host.localeCompare(b.host))
        .slice(0, TOP),
    });
  }
  return digests;
}

/** A target URL's host, for messages: never its path or query (they may hold a credential). */
export function targetHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

function digestEvent(orgId: string, dedupKey: string, week: string, digest: WeeklyDigest): NotificationEvent {
  const { created, delivered, deadLettered } = digest.counts;
  return {
    orgId,
    event: 'digest.weekly',
    subjectType: 'org',
    subjectId: orgId,
    notify: null,
    dedupKey,
    payload: {
      title: `Your week on Hourglass (${week})`,
      summary: `${created} tasks created, ${delivered} delivered, ${deadLettered} dead-lettered.`,
      severity: 'info',
      fields: { week, ...digest.counts },
      digest,
    },
  };
}
