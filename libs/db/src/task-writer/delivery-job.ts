import { jobPriority, TaskStatus } from '@hourglass/domain';
import { deliveryLeaseSeconds, type DeliveryJobInsert } from '../queues.js';
import type { TaskEntity } from '../entities/task.entity.js';

/** What a delivery job is built from: the task row (new or existing) and the job id recorded in its `job_id`. */
export type JobTask = Pick<TaskEntity, 'id' | 'orgId' | 'status' | 'runAt' | 'timeoutMs'>;

/**
 * Job priorities. Higher is fetched first; equal priorities oldest first. Callbacks inherit their
 * parent's job priority and retries the priority of the job they follow (its payload repeats it).
 */
export const JobPriority = {
  /** A task written for an org: plan tier, then how often the creating schedule fires, then the task's priority. */
  of: jobPriority,
  /**
   * A named-queue task admitted now: above every plan tier (jobPriority < 10,000), so it starts as
   * soon as a slot is free instead of behind the backlog. It has waited its turn in its queue
   * already, and the rate limit counts admissions: the closer the start, the truer the limit.
   */
  admitted: 1_000_000,
} as const;

/**
 * THE delivery job of a task, for every producer: id = the task's `job_id`, payload ids plus the
 * priority (so a retry keeps it), group = the org (fairness, docs/decisions/0006), lease = the
 * task's timeout plus room to record the result. startAfter: a task that is `scheduled` or
 * `retrying` waits for its `run_at`; any other (due) task gets none, so pg-boss uses the
 * database's now() and an app clock ahead of the database's delays nothing.
 */
export function deliveryJob(task: JobTask, jobId: string, priority: number): DeliveryJobInsert {
  const waits = task.status === TaskStatus.Scheduled || task.status === TaskStatus.Retrying;
  return {
    id: jobId,
    data: { taskId: task.id, orgId: task.orgId, priority },
    priority,
    group: { id: task.orgId },
    expireInSeconds: deliveryLeaseSeconds(task.timeoutMs),
    ...(waits ? { startAfter: task.runAt } : {}),
  };
}

/** Whether a written task should wake the dispatchers (and queue admitters) at commit: it is due now. */
export function isDueNow(task: JobTask, now = Date.now()): boolean {
  return task.status === TaskStatus.Queued || task.runAt.getTime() <= now;
}
