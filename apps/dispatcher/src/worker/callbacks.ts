import type { EntityManager } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { TaskLimits, TaskStatus, type DeliveryOutcome } from '@hourglass/domain';
import { newId, writeTasks, type NewTask, type StartedTask, type TaskWrite } from '@hourglass/db';
import type { AttemptRecord } from '../delivery/http-client.js';

/** A callback is delivered like any task, with retries of its own. */
export const CALLBACK_MAX_ATTEMPTS = 6;

export type CallbackType = 'task.succeeded' | 'task.failed';

/** What a callback URL receives (JSON, signed like every delivery; webhook-id is the callback's own task id). */
export interface CallbackPayload {
  type: CallbackType;
  taskId: string;
  status: typeof TaskStatus.Succeeded | typeof TaskStatus.Failed;
  attempts: number;
  lastAttempt: {
    number: number;
    statusCode: number | null;
    outcome: DeliveryOutcome;
    error: string | null;
    durationMs: number;
  };
  /** When the last attempt finished. */
  finishedAt: string;
}

/** A task this transaction moved to succeeded or failed, with its last attempt. */
export interface FinishedTask {
  task: StartedTask;
  record: AttemptRecord;
  outcome: DeliveryOutcome;
  /** The finished task's job priority: its callbacks keep it (plan tier, task priority). */
  jobPriority: number;
}

export function callbackPayload({ task, record, outcome }: FinishedTask): CallbackPayload {
  const status = outcome === 'delivered' ? TaskStatus.Succeeded : TaskStatus.Failed;
  return {
    type: status === TaskStatus.Succeeded ? 'task.succeeded' : 'task.failed',
    taskId: task.id,
    status,
    attempts: task.attemptNumber,
    lastAttempt: {
      number: task.attemptNumber,
      statusCode: record.statusCode,
      outcome,
      error: record.error,
      durationMs: record.durationMs,
    },
    finishedAt: record.finishedAt.toISOString(),
  };
}

/**
 * callbackUrl gets every outcome, failureCallbackUrl only a failure; one delivery per distinct URL. A callback has
 * none.
 */
export function callbackUrls({ task, outcome }: FinishedTask): string[] {
  if (task.kind === 'callback') return [];
  const urls = outcome === 'delivered' ? [task.callbackUrl] : [task.failureCallbackUrl, task.callbackUrl];
  return [...new Set(urls.filter((url): url is string => url !== null))];
}

function callbackTask(finished: FinishedTask, url: string, body: string): NewTask {
  const { task } = finished;
  return {
    id: newId(),
    orgId: task.orgId,
    status: TaskStatus.Queued,
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'hourglass-parent-task-id': task.id },
    body,
    timeoutMs: TaskLimits.defaultTimeoutMs,
    runAt: new Date(),
    maxAttempts: CALLBACK_MAX_ATTEMPTS,
    labels: {},
    priority: TaskLimits.defaultPriority,
    queue: null,
    callbackUrl: null,
    failureCallbackUrl: null,
    scheduleId: null,
    fireAt: null,
    traceParent: task.traceParent,
    kind: 'callback',
    parentTaskId: task.id,
  };
}

/**
 * Creates the callback tasks of tasks that just finished, with their delivery jobs, inside the
 * settle transaction `em` (through the task writer): a finished task and its callbacks commit
 * together or not at all. Only tasks this transaction settled are passed in, so a redelivered job
 * cannot create them twice. Callbacks do not count toward the monthly quota (docs/decisions/0012).
 */
export async function createCallbacks(em: EntityManager, boss: PgBoss, finished: FinishedTask[]): Promise<void> {
  const writes: TaskWrite[] = finished.flatMap((f) => {
    const body = JSON.stringify(callbackPayload(f));
    return callbackUrls(f).map((url) => ({ task: callbackTask(f, url, body), jobPriority: f.jobPriority }));
  });
  await writeTasks(em, boss, writes);
}
