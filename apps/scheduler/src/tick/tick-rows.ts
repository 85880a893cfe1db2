import {
  JobPriority,
  newId,
  type OccurrenceRow,
  type OccurrenceTask,
  type ScheduleAdvance,
  type DueSchedule,
  type OccurrenceOutcome,
  type TaskWrite,
} from '@hourglass/db';
import { TaskStatus } from '@hourglass/domain';
import type { SchedulePlan } from './occurrence-plan.js';

export type PlannedTask = OccurrenceTask & { schedule: DueSchedule };

export function plannedTasks(plans: SchedulePlan[]): PlannedTask[] {
  return plans.flatMap((plan) =>
    plan.fire.map((fireAt) => ({ id: newId(), scheduleId: plan.schedule.id, fireAt, schedule: plan.schedule })),
  );
}

/**
 * The task of an occurrence, as the task writer takes it. Prepared ahead (fire time after the
 * database's now() of this transaction) it starts `scheduled`, so its job waits for the fire time
 * (docs/decisions/0007); priority follows plan tier and schedule frequency. `traceParent`: its fire's span.
 */
export function occurrenceTask(task: PlannedTask, tier: number, traceParent: string | null = null): TaskWrite {
  const { schedule } = task;
  return {
    task: {
      id: task.id,
      orgId: schedule.orgId,
      status: task.fireAt > schedule.dbNow ? TaskStatus.Scheduled : TaskStatus.Queued,
      url: schedule.url,
      method: schedule.method,
      headers: schedule.headers,
      body: schedule.body,
      timeoutMs: schedule.timeoutMs,
      runAt: task.fireAt,
      maxAttempts: schedule.maxAttempts,
      labels: schedule.labels,
      priority: schedule.priority,
      queue: null,
      callbackUrl: null,
      scheduleId: schedule.id,
      fireAt: task.fireAt,
      traceParent,
    },
    jobPriority: JobPriority.of(tier, schedule.shortestIntervalMs, schedule.priority),
  };
}

/** Fired rows for the tasks this tick created (an occurrence another tick created is its to log), and every skip. */
export function occurrenceRows(plans: SchedulePlan[], created: PlannedTask[]): OccurrenceRow[] {
  const fired = created.map((task): OccurrenceRow => ({
    id: newId(),
    scheduleId: task.scheduleId,
    orgId: task.schedule.orgId,
    fireAt: task.fireAt,
    outcome: 'fired',
    reason: null,
    taskId: task.id,
    skippedCount: 1,
  }));
  const skipped = plans.flatMap((plan) =>
    plan.skipped.map((skip): OccurrenceRow => ({
      id: newId(),
      scheduleId: plan.schedule.id,
      orgId: plan.schedule.orgId,
      fireAt: skip.fireAt,
      outcome: 'skipped',
      reason: skip.reason,
      taskId: null,
      skippedCount: skip.count,
    })),
  );
  return [...fired, ...skipped];
}

/**
 * Occurrences skipped because they fired late (missed, or beyond runAll's cap), as failures of their
 * schedules: the first one of a healthy schedule raises schedule.failed. Skips for overlap, quota
 * (usage.threshold tells of that) or a pause are the schedule's own rules working, not failures.
 */
export function lateSkips(plans: SchedulePlan[]): OccurrenceOutcome[] {
  return plans.flatMap((plan) =>
    plan.skipped
      .filter((skip) => skip.reason === 'missed' || skip.reason === 'cap')
      .map((skip) => ({
        scheduleId: plan.schedule.id,
        fireAt: skip.fireAt,
        failed: true,
        cause: `skipped: fired late (${skip.count} occurrence${skip.count === 1 ? '' : 's'} ${skip.reason})`,
      })),
  );
}

export function advanceOf(plan: SchedulePlan): ScheduleAdvance {
  const lastFireAt = plan.fire.length > 0 ? plan.fire[plan.fire.length - 1]! : null;
  return { id: plan.schedule.id, version: plan.schedule.version, nextRunAt: plan.nextRunAt, lastFireAt };
}
