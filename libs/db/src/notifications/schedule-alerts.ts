import type { EntityManager } from 'typeorm';
import { queryRows } from '../sql.js';
import type { NotificationEvent, NotifyOverride } from './notification-events.js';
import { raiseNotificationEvents } from './raise-events.js';

/** How one occurrence of a schedule ended: delivered, or failed (after its retries, or skipped late). */
export interface OccurrenceOutcome {
  scheduleId: string;
  fireAt: Date;
  failed: boolean;
  /** Why it failed, in words (`HTTP 500`, `skipped: fired late`). */
  cause?: string;
}

interface Transition {
  id: string;
  org_id: string;
  name: string;
  notify: NotifyOverride;
  failed: boolean;
  fire_at: Date;
  was_failing_since: Date | null;
}

/**
 * Every schedule is watched without setup (docs/decisions/0024): the first failed occurrence of a
 * healthy schedule raises `schedule.failed`, the first success of a failing one
 * `schedule.recovered`. `schedules.failing_since` is the flag, flipped by one guarded UPDATE (the
 * row lock serialises concurrent writers; the guard is re-checked on the latest row), so two
 * dispatchers settling occurrences of one schedule raise one event; the dedupKey of the occurrence
 * makes a repeat of the same write a no-op. Only an occurrence newer than the one that last flipped
 * the flag (`alert_fire_at`) flips it, so a failure settling after a newer success (dispatchers
 * settle out of order) does not re-open the streak; within one batch a success recovers only when
 * it is newer than every failure. Occurrences that change nothing (a success of a healthy schedule,
 * the common case) lock and write nothing.
 */
export async function raiseScheduleAlerts(em: EntityManager, outcomes: OccurrenceOutcome[]): Promise<number> {
  if (outcomes.length === 0) return 0;
  const transitions = await queryRows<Transition>(
    em,
    `WITH per AS (
       SELECT u.schedule_id, max(u.fire_at) FILTER (WHERE u.failed) AS failed_at,
              max(u.fire_at) FILTER (WHERE NOT u.failed) AS ok_at
         FROM unnest($1::uuid[], $2::boolean[], $3::timestamptz[]) AS u(schedule_id, failed, fire_at)
        GROUP BY u.schedule_id)
     UPDATE schedules s
        SET failing_since = CASE WHEN s.failing_since IS NULL THEN now() END,
            alert_fire_at = CASE WHEN s.failing_since IS NULL THEN p.failed_at ELSE p.ok_at END
       FROM per p, schedules o
      WHERE s.id = p.schedule_id AND o.id = s.id
        AND ((s.failing_since IS NULL AND p.failed_at > COALESCE(s.alert_fire_at, '-infinity'))
          OR (s.failing_since IS NOT NULL AND p.ok_at > s.alert_fire_at AND (p.failed_at IS NULL OR p.ok_at > p.failed_at)))
     RETURNING s.id, s.org_id, s.name, s.notify, s.failing_since IS NOT NULL AS failed, s.alert_fire_at AS fire_at,
               o.failing_since AS was_failing_since`,
    [outcomes.map((o) => o.scheduleId), outcomes.map((o) => o.failed), outcomes.map((o) => o.fireAt)],
  );
  if (transitions.length === 0) return 0;
  const causes = new Map(
    outcomes.filter((o) => o.failed).map((o) => [`${o.scheduleId}@${o.fireAt.getTime()}`, o.cause]),
  );
  return raiseNotificationEvents(
    em,
    transitions.map((t) => scheduleEvent(t, causes.get(`${t.id}@${new Date(t.fire_at).getTime()}`))),
  );
}

function scheduleEvent(t: Transition, cause: string | undefined): NotificationEvent {
  const occurrence = new Date(t.fire_at).toISOString();
  const base = { orgId: t.org_id, subjectType: 'schedule' as const, subjectId: t.id, notify: t.notify };
  if (t.failed)
    return {
      ...base,
      event: 'schedule.failed',
      dedupKey: `schedule.failed:${t.id}:${occurrence}`,
      payload: {
        title: `Schedule "${t.name}" failed`,
        summary: `Its occurrence of ${occurrence} failed: ${cause ?? 'failed'}.`,
        severity: 'critical',
        fields: { schedule: t.name, occurrence, cause: cause ?? 'failed' },
        scheduleId: t.id,
        occurrenceAt: occurrence,
        cause: cause ?? 'failed',
      },
    };
  const since = t.was_failing_since ? new Date(t.was_failing_since).toISOString() : null;
  return {
    ...base,
    event: 'schedule.recovered',
    dedupKey: `schedule.recovered:${t.id}:${occurrence}`,
    payload: {
      title: `Schedule "${t.name}" recovered`,
      summary: `Its occurrence of ${occurrence} succeeded${since ? `, failing since ${since}` : ''}.`,
      severity: 'ok',
      fields: { schedule: t.name, occurrence, ...(since ? { failingSince: since } : {}) },
      scheduleId: t.id,
      occurrenceAt: occurrence,
    },
  };
}
