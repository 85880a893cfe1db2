import type { DataSource } from 'typeorm';
import type { PgBoss, JobAttempt } from 'pg-boss';
import { TaskStatus, type NextStep } from '@hourglass/domain';
import {
  AttemptRepository,
  completeDeliveryJobs,
  DataKeyUnavailable,
  enqueueTasks,
  newId,
  settleNotifications,
  TaskRepository,
  type NewAttempt,
  type NotificationSettlement,
  type StartedTask,
  type TaskSettlement,
} from '@hourglass/db';
import type { AttemptRecord } from '../delivery/http-client.js';
import { createCallbacks, type FinishedTask } from './callbacks.js';

/** One fetched job's end: either an attempt was made, or its task no longer wanted delivering. */
export type JobResult =
  { job: FetchedJob; task: StartedTask; record: AttemptRecord; step: NextStep } | { job: FetchedJob; task?: undefined };

/** The fetched job's claim (id + retryCount, so a lapsed claim is not settled) and its priority. */
export type FetchedJob = JobAttempt & { priority?: number };

type AttemptedResult = Extract<JobResult, { task: StartedTask }>;

const MAX_BATCH = 500;

/**
 * A data exception (SQLSTATE class 22) or an integrity violation (23), or a result of an org deleted
 * meanwhile (its data key is gone, so its attempt cannot be sealed): retrying the same rows cannot
 * succeed, unlike a lost connection or a database shutting down.
 */
function refusedForItsData(error: unknown): boolean {
  if (error instanceof DataKeyUnavailable) return true;
  const code = (error as { driverError?: { code?: unknown }; code?: unknown }).driverError?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

function settlementOf(result: AttemptedResult): TaskSettlement {
  const { outcome, retryInMs } = result.step;
  if (outcome === 'delivered') return { id: result.task.id, status: TaskStatus.Succeeded };
  if (retryInMs !== undefined) return { id: result.task.id, status: TaskStatus.Retrying, retryInMs };
  return { id: result.task.id, status: TaskStatus.Failed };
}

function attemptRow(result: AttemptedResult): NewAttempt {
  const { task, record, step } = result;
  return {
    id: newId(),
    taskId: task.id,
    orgId: task.orgId,
    number: task.attemptNumber,
    outcome: step.outcome,
    statusCode: record.statusCode,
    durationMs: record.durationMs,
    responseHeaders: record.responseHeaders,
    responseBody: record.responseBody,
    responseTruncated: record.responseTruncated,
    error: record.error,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
  };
}

function finishedTask(result: AttemptedResult): FinishedTask[] {
  if (result.step.retryInMs !== undefined) return [];
  return [
    { task: result.task, record: result.record, outcome: result.step.outcome, jobPriority: result.job.priority ?? 0 },
  ];
}

/**
 * Writes results in batches: whatever accumulated while the previous write ran goes in the next
 * one, so an idle system writes each result at once and a busy one amortises the round trips.
 * One transaction per batch settles the tasks, enqueues retries, records attempts, creates the
 * callbacks of finished tasks and completes the jobs, so a crash leaves either all of it or none
 * (the job then expires and is redelivered).
 */
export class ResultWriter {
  private pending: JobResult[] = [];
  private flushing?: Promise<void>;

  constructor(
    private readonly db: DataSource,
    private readonly boss: PgBoss,
    private readonly tasks: TaskRepository,
    private readonly attempts: AttemptRepository,
    private readonly onError: (error: Error, batchSize: number) => void,
    private readonly onSettled: (settled: JobResult[], taskIds: Set<string>) => void = () => undefined,
  ) {}

  add(result: JobResult): void {
    this.pending.push(result);
    this.flushing ??= this.flushAll().finally(() => (this.flushing = undefined));
  }

  /** Resolves once everything added so far is written (or has been retried until written). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  get backlog(): number {
    return this.pending.length;
  }

  private async flushAll(): Promise<void> {
    let failures = 0;
    /** Results still to write one at a time, after a batch of them was refused for its data. */
    let isolating = 0;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, isolating > 0 ? 1 : MAX_BATCH);
      if (isolating > 0) isolating--;
      try {
        const settled = await this.write(batch);
        failures = 0;
        this.onSettled(batch, settled);
      } catch (error) {
        this.onError(error as Error, batch.length);
        if (!refusedForItsData(error)) {
          // Degraded mode (database away): keep the results and retry; leases that lapse meanwhile are redelivered.
          this.pending.unshift(...batch);
          await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** failures++)));
        } else if (batch.length > 1) {
          // One result the database refuses must not hold the others (other orgs' among them): one at a time.
          this.pending.unshift(...batch);
          isolating = batch.length;
        }
        // A single result refused for its data is dropped: its job stays active until its lease lapses,
        // then the task is delivered again (at least once), instead of this writer retrying it forever.
      }
    }
  }

  private async write(batch: JobResult[]): Promise<Set<string>> {
    const attempted = batch.filter((r): r is AttemptedResult => r.task !== undefined);
    return this.db.transaction(async (em) => {
      const settled = await this.tasks.settleMany(attempted.map(settlementOf), em);
      // A retry is a new job for the same task (docs/decisions/0003), due at the run_at just set.
      await enqueueTasks(
        em,
        this.boss,
        attempted
          .filter((r) => settled.has(r.task.id) && r.step.retryInMs !== undefined)
          .map((r) => ({
            task: {
              id: r.task.id,
              orgId: r.task.orgId,
              status: TaskStatus.Retrying,
              runAt: settled.get(r.task.id)!,
              timeoutMs: r.task.timeoutMs,
              // An admitted task keeps its queue slot through its retries: no new admission.
              queue: null,
            },
            jobPriority: r.job.priority ?? 0,
          })),
      );
      await this.attempts.insertMany(attempted.map(attemptRow), em);
      await createCallbacks(em, this.boss, attempted.filter((r) => settled.has(r.task.id)).flatMap(finishedTask));
      // Notification outbox rows follow their tasks (docs/decisions/0022): nothing to do for a batch without one.
      await settleNotifications(
        em,
        attempted
          .filter((r) => r.task.kind === 'notification' && settled.has(r.task.id))
          .map((r) => ({
            taskId: r.task.id,
            status: settlementOf(r).status as NotificationSettlement['status'],
            attempts: r.task.attemptNumber,
            statusCode: r.record.statusCode,
          })),
      );
      // A job is completed only once its task is done with it: settled here, finished anyway
      // (cancelled mid-attempt, settled by a redelivery) or not startable at all. A task that is
      // neither lost its running mark in a database crash (docs/decisions/0011): its job stays
      // active, the lease lapses and the task is delivered again instead of being stranded.
      const unsettled = attempted.filter((r) => !settled.has(r.task.id)).map((r) => r.task.id);
      const finished = await this.tasks.finishedAmong(unsettled, em);
      const done = batch.filter((r) => r.task === undefined || settled.has(r.task.id) || finished.has(r.task.id));
      if (done.length > 0)
        await completeDeliveryJobs(
          this.boss,
          em,
          done.map((r) => ({ id: r.job.id, retryCount: r.job.retryCount })),
        );
      return new Set(settled.keys());
    });
  }
}
