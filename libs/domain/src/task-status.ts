/**
 * scheduled → queued → running → succeeded | failed | cancelled, with `retrying` between attempts.
 * Every transition is written as one guarded UPDATE (`WHERE status = ANY(from)`), so racing
 * writers cannot both win; this table is the single source of which transitions exist.
 */
export const TaskStatus = {
  Scheduled: 'scheduled',
  Queued: 'queued',
  Running: 'running',
  Retrying: 'retrying',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export const TASK_STATUSES = Object.values(TaskStatus);
export const FINISHED_STATUSES: readonly TaskStatus[] = [TaskStatus.Succeeded, TaskStatus.Failed, TaskStatus.Cancelled];

const UNFINISHED = [TaskStatus.Scheduled, TaskStatus.Queued, TaskStatus.Retrying, TaskStatus.Running];

export const TaskTransition = {
  /** A dispatcher takes the task. `running` is included: a lease that expired after a crash is taken again. */
  start: {
    from: [TaskStatus.Scheduled, TaskStatus.Queued, TaskStatus.Retrying, TaskStatus.Running],
    to: TaskStatus.Running,
  },
  // Settling: `running` is only shown for attempts in flight a while (docs/decisions/0025), so an
  // attempt settles from any unfinished status; the attempt count fences it (settleMany).
  succeed: { from: UNFINISHED, to: TaskStatus.Succeeded },
  retry: { from: UNFINISHED, to: TaskStatus.Retrying },
  fail: { from: UNFINISHED, to: TaskStatus.Failed },
  cancel: {
    from: [TaskStatus.Scheduled, TaskStatus.Queued, TaskStatus.Retrying, TaskStatus.Running],
    to: TaskStatus.Cancelled,
  },
  /** Run now (and edits, which keep their own status): only while no attempt is under way. */
  runNow: { from: [TaskStatus.Scheduled, TaskStatus.Queued, TaskStatus.Retrying], to: TaskStatus.Queued },
  /** Bulk cancel leaves running tasks alone: those are cancelled one by one, knowing an attempt is in flight. */
  bulkCancel: { from: [TaskStatus.Scheduled, TaskStatus.Queued, TaskStatus.Retrying], to: TaskStatus.Cancelled },
  /** A dead letter gets a fresh run: a new retry budget, attempt numbers continuing. */
  replay: { from: [TaskStatus.Failed], to: TaskStatus.Queued },
} as const satisfies Record<string, { from: readonly TaskStatus[]; to: TaskStatus }>;
export type TaskTransition = keyof typeof TaskTransition;

export function isFinished(status: TaskStatus): boolean {
  return FINISHED_STATUSES.includes(status);
}

/** The status a new task starts in: `scheduled` when it waits for a future time, else `queued`. */
export function initialStatus(runAt: Date, now: Date): TaskStatus {
  return runAt.getTime() > now.getTime() ? TaskStatus.Scheduled : TaskStatus.Queued;
}

/** Statuses in which a task may be edited, run now or bulk-cancelled: no attempt is under way. */
export const EDITABLE_STATUSES: readonly TaskStatus[] = TaskTransition.runNow.from;
