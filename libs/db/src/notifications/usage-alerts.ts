import type { EntityManager } from 'typeorm';
import { queryRows } from '../sql.js';
import type { TasksPerMonth } from '../task-writer/quota.js';
import type { NotificationEvent } from './notification-events.js';
import { raiseNotificationEvents } from './raise-events.js';

/** Percentages of the monthly task quota that raise `usage.threshold`, once each per month. */
export const USAGE_THRESHOLDS = [80, 100] as const;

export interface UsageRow {
  org_id: string;
  used: string | number;
  quota: string | number;
  plan: string;
  period: string;
}

/** The key that makes a threshold raised once per org, metric and month: a new month has new keys. */
export const usageDedupKey = (period: string, metric: string, threshold: number) =>
  `usage:${period}:${metric}:${threshold}`;

/** The events of the thresholds `row` has reached (all of them: a jump from 70 % to 100 % raises both). */
export function usageEvents(row: UsageRow): NotificationEvent[] {
  const used = Number(row.used);
  const quota = Number(row.quota);
  return USAGE_THRESHOLDS.filter((threshold) => used * 100 >= threshold * quota).map((threshold) => ({
    orgId: row.org_id,
    event: 'usage.threshold',
    subjectType: 'org',
    subjectId: row.org_id,
    notify: null,
    dedupKey: usageDedupKey(row.period, 'tasks', threshold),
    payload: {
      title: `${threshold} % of this month's tasks used`,
      summary:
        threshold >= 100
          ? `${used} of ${quota} tasks used in ${row.period}: new tasks are refused until the month ends.`
          : `${used} of ${quota} tasks used in ${row.period} (plan "${row.plan}").`,
      severity: threshold >= 100 ? 'critical' : 'warning',
      fields: { used, limit: quota, plan: row.plan, period: row.period },
      metric: 'tasks',
      threshold,
      period: row.period,
    },
  }));
}

/**
 * The usage alerts (docs/decisions/0024), run by the scheduler's leader every pass: orgs whose
 * counter this month (UTC) reached 80 % of their plan's quota and have not been told of the
 * highest threshold they reached. The task writer is untouched (no statement per creation);
 * the pass reads this month's counters (org_usage_month_idx) and skips orgs already told through
 * the dedup index, so an org past 100 % costs one index probe a pass. Returns how many were raised.
 */
export async function raiseUsageAlerts(em: EntityManager, tasksPerMonth: TasksPerMonth): Promise<number> {
  const rows = await queryRows<UsageRow>(
    em,
    `WITH usage AS (
       SELECT u.org_id, u.tasks_created AS used, o.plan, to_char(u.month, 'YYYY-MM') AS period,
              COALESCE(($1::jsonb ->> o.plan)::bigint, ($1::jsonb ->> 'free')::bigint) AS quota
         FROM org_usage u JOIN organizations o ON o.id = u.org_id AND o.deleted_at IS NULL
        WHERE u.month = date_trunc('month', now() AT TIME ZONE 'UTC')::date)
     SELECT * FROM usage u
      WHERE u.quota > 0 AND u.used * 100 >= $2 * u.quota
        AND NOT EXISTS (
          SELECT 1 FROM notification_events e
           WHERE e.org_id = u.org_id
             AND e.dedup_key = 'usage:' || u.period || ':tasks:' || CASE WHEN u.used >= u.quota THEN '100' ELSE '80' END)`,
    [JSON.stringify(tasksPerMonth), USAGE_THRESHOLDS[0]],
  );
  return raiseNotificationEvents(em, rows.flatMap(usageEvents));
}
