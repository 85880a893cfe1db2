import type { EntityManager } from 'typeorm';
import {
  raiseNotificationEvents,
  raiseScheduleAlerts,
  targetHost,
  type NotificationEvent,
  type OccurrenceOutcome,
} from '@hourglass/db';
import type { FinishedTask } from './callbacks.js';

/** What the alert sources make of the tasks a settle transaction finished (docs/decisions/0024). */
export interface FinishedAlerts {
  /** `task.failed` of one-off tasks (and a schedule's manual runs) that failed after their retries. */
  taskFailures: NotificationEvent[];
  /** The ends of schedule occurrences, for schedule.failed / schedule.recovered. */
  occurrences: OccurrenceOutcome[];
}

/** Why the last attempt failed, in a few words. */
export function causeOf({ record, outcome }: Pick<FinishedTask, 'record' | 'outcome'>): string {
  if (record.error) return record.statusCode ? `HTTP ${record.statusCode}: ${record.error}` : record.error;
  if (record.statusCode !== null) return `HTTP ${record.statusCode}`;
  return outcome;
}

/**
 * Only tasks of kind `task` alert: a callback's or a notification's own failure would alert about
 * alerting. An occurrence (schedule_id and fire_at set) is its schedule's: it raises
 * schedule.failed once per failing streak, not task.failed per occurrence.
 */
export function finishedAlerts(finished: FinishedTask[]): FinishedAlerts {
  const taskFailures: NotificationEvent[] = [];
  const occurrences: OccurrenceOutcome[] = [];
  for (const f of finished) {
    const { task } = f;
    if (task.kind !== 'task') continue;
    const failed = f.outcome !== 'delivered';
    if (task.scheduleId !== null && task.fireAt) {
      occurrences.push({
        scheduleId: task.scheduleId,
        fireAt: task.fireAt,
        failed,
        cause: failed ? causeOf(f) : undefined,
      });
      continue;
    }
    if (!failed) continue;
    const cause = causeOf(f);
    const target = targetHost(task.url);
    taskFailures.push({
      orgId: task.orgId,
      event: 'task.failed',
      subjectType: 'task',
      subjectId: task.id,
      notify: task.notify ?? null,
      // A replayed task that fails again alerts again: its final attempt number differs.
      dedupKey: `task.failed:${task.id}:${task.attemptNumber}`,
      payload: {
        title: `Task ${task.id} failed`,
        summary: `${task.method} ${target} failed after ${task.attemptNumber - task.attemptOffset} attempt(s): ${cause}.`,
        severity: 'critical',
        fields: { task: task.id, target, attempts: task.attemptNumber, cause },
        taskId: task.id,
        cause,
      },
    });
  }
  return { taskFailures, occurrences };
}

/**
 * Raises them in the settle transaction `em`, so an alert exists exactly when the failure
 * committed. Nothing to raise (a batch of delivered one-off tasks, the hot path): no statement.
 */
export async function raiseFinishedAlerts(em: EntityManager, finished: FinishedTask[]): Promise<void> {
  const { taskFailures, occurrences } = finishedAlerts(finished);
  await raiseNotificationEvents(em, taskFailures);
  await raiseScheduleAlerts(em, occurrences);
}
