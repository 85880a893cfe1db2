import {
  deliveryJobFields,
  deliveryLeaseSeconds,
  newId,
  type OccurrenceRow,
  type OccurrenceTask,
  type ScheduleAdvance,
  type DueSchedule,
} from '@hourglass/db';
import { jobPriority } from '@hourglass/domain';
import type { SchedulePlan } from './occurrence-plan.js';

export type PlannedTask = OccurrenceTask & { schedule: DueSchedule };

export function plannedTasks(plans: SchedulePlan[]): PlannedTask[] {
  return plans.flatMap((plan) =>
    plan.fire.map((fireAt) => ({ id: newId(), scheduleId: plan.schedule.id, fireAt, schedule: plan.schedule })),
  );
}

/** The delivery job of a task a tick created, with the API's options; priority follows plan tier and schedule frequency. */
export function deliveryJob(task: PlannedTask, tier: number) {
  const { schedule } = task;
  return {
    id: newId(),
    ...deliveryJobFields(task.id, schedule.orgId, jobPriority(tier, schedule.shortestIntervalMs, schedule.priority)),
    group: { id: schedule.orgId },
    expireInSeconds: deliveryLeaseSeconds(schedule.timeoutMs),
    // Prepared ahead: pg-boss releases the job at the fire time.
    ...(task.fireAt > schedule.dbNow ? { startAfter: task.fireAt } : {}),
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

export function advanceOf(plan: SchedulePlan): ScheduleAdvance {
  const lastFireAt = plan.fire.length > 0 ? plan.fire[plan.fire.length - 1]! : null;
  return { id: plan.schedule.id, version: plan.schedule.version, nextRunAt: plan.nextRunAt, lastFireAt };
}
