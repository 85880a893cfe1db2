import { type DataSource, type EntityManager, Not } from 'typeorm';
import { FINISHED_STATUSES, TaskStatus, TaskTransition } from '@hourglass/domain';
import { TaskEntity, type TaskKind } from '../entities/task.entity.js';
import { decodeCursor, toPage, type Page } from '../cursor.js';
import { openOne, openRows, withPlaintextOf } from '../encryption/sealed-rows.js';
import { queryRows } from '../sql.js';
import type { NotifyOverride } from '../notifications/notification-events.js';

type TaskExtras =
  | 'jobId'
  | 'expectedStatusCodes'
  | 'expectedBodyPattern'
  | 'retryOn4xx'
  | 'kind'
  | 'parentTaskId'
  | 'failureCallbackUrl'
  | 'notify';
/** A task to write. It is never admitted yet: a named-queue task waits for admission (queue_admitted_at null). */
export type NewTask = Omit<
  TaskEntity,
  | 'attemptCount'
  | 'createdAt'
  | 'updatedAt'
  | 'finishedAt'
  | 'version'
  | 'attemptOffset'
  | 'queueAdmittedAt'
  | TaskExtras
> &
  Partial<Pick<TaskEntity, TaskExtras>>;

export interface TaskFilter {
  status?: TaskStatus;
  label?: { key: string; value: string };
  queue?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  cursor?: string;
  limit: number;
}

/** What the dispatcher needs to make one attempt. */
export interface StartedTask {
  id: string;
  orgId: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
  maxAttempts: number;
  attemptNumber: number;
  scheduleId: string | null;
  traceParent: string | null;
  expectedStatusCodes: number[] | null;
  expectedBodyPattern: string | null;
  retryOn4xx: boolean;
  attemptOffset: number;
  kind: TaskKind;
  callbackUrl: string | null;
  failureCallbackUrl: string | null;
  /** When it was due (its creation, unless it was delayed), for the latency metric. */
  runAt: Date;
  /** A schedule's occurrence: its fire time (for schedule.failed). */
  fireAt?: Date | null;
  /** Who hears of its final failure (task.failed); null or absent: the org's defaults. */
  notify?: NotifyOverride;
}

export interface TaskSettlement {
  id: string;
  status: typeof TaskStatus.Succeeded | typeof TaskStatus.Failed | typeof TaskStatus.Retrying;
  /** For `retrying`: milliseconds from now (database time) until the next attempt. */
  retryInMs?: number;
  /** The attempt's number: settled only while the task has counted the ones before it. */
  number: number;
}

/** Every column, aliased to the entity's property names, for RETURNING clauses (shared with TaskActionRepository). */
export const ALL_COLUMNS = `id, org_id AS "orgId", status, url, method, headers, body, timeout_ms AS "timeoutMs", run_at AS "runAt",
  max_attempts AS "maxAttempts", attempt_count AS "attemptCount", labels, priority, queue, callback_url AS "callbackUrl",
  schedule_id AS "scheduleId", fire_at AS "fireAt", trace_parent AS "traceParent", created_at AS "createdAt",
  updated_at AS "updatedAt", finished_at AS "finishedAt", version, job_id AS "jobId",
  expected_status_codes AS "expectedStatusCodes", expected_body_pattern AS "expectedBodyPattern", retry_on_4xx AS "retryOn4xx",
  attempt_offset AS "attemptOffset", kind, parent_task_id AS "parentTaskId", failure_callback_url AS "failureCallbackUrl",
  queue_admitted_at AS "queueAdmittedAt", notify`;

/** The attempt about to be made is the one after those counted. */
const STARTED_COLUMNS = `id, org_id AS "orgId", url, method, headers, body, timeout_ms AS "timeoutMs",
  max_attempts AS "maxAttempts", attempt_count + 1 AS "attemptNumber", schedule_id AS "scheduleId", trace_parent AS "traceParent",
  expected_status_codes AS "expectedStatusCodes", expected_body_pattern AS "expectedBodyPattern", retry_on_4xx AS "retryOn4xx",
  attempt_offset AS "attemptOffset", kind, callback_url AS "callbackUrl", failure_callback_url AS "failureCallbackUrl",
  run_at AS "runAt", fire_at AS "fireAt", notify`;

/**
 * Inserted rows back in the order the new tasks were given (RETURNING promises no order), with the
 * plaintext they were written from in place of their sealed fields (undefined: skipped).
 */
export function inOrderOf(given: NewTask[], inserted: TaskEntity[]): TaskEntity[] {
  const byId = new Map(inserted.map((task) => [task.id, task]));
  return given.map((row) => {
    const written = byId.get(row.id);
    return written && withPlaintextOf('tasks', row, written);
  }) as TaskEntity[];
}

export class TaskRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Null also for a task of a deleted org (its data key is gone), and for a notification delivery: the
   * platform's own task, whose id its webhook target sees as `webhook-id` and whose URL may be a Slack credential.
   */
  async findForOrg(orgId: string, id: string, em: EntityManager = this.db.manager): Promise<TaskEntity | null> {
    return openOne(em, 'tasks', await em.findOneBy(TaskEntity, { orgId, id, kind: Not('notification') }));
  }

  async listForOrg(orgId: string, filter: TaskFilter): Promise<Page<TaskEntity>> {
    // Notification deliveries are the platform's own tasks: GET /v1/notifications shows them, task lists do not.
    const query = this.db.manager
      .createQueryBuilder(TaskEntity, 't')
      .where('t.org_id = :orgId', { orgId })
      .andWhere(`t.kind <> 'notification'`);
    const before = decodeCursor(filter.cursor);
    if (before) query.andWhere('t.id < :before', { before });
    if (filter.status) query.andWhere('t.status = :status', { status: filter.status });
    if (filter.queue) query.andWhere('t.queue = :queue', { queue: filter.queue });
    // `labels <> '{}'` lets the planner use the partial labels index (migration 1764800000000).
    if (filter.label)
      query.andWhere(`t.labels @> :label::jsonb AND t.labels <> '{}'::jsonb`, {
        label: JSON.stringify({ [filter.label.key]: filter.label.value }),
      });
    if (filter.createdAfter) query.andWhere('t.created_at >= :after', { after: filter.createdAfter });
    if (filter.createdBefore) query.andWhere('t.created_at < :createdBefore', { createdBefore: filter.createdBefore });
    const rows = await query
      .orderBy('t.id', 'DESC')
      .limit(filter.limit + 1)
      .getMany();
    return toPage(await openRows(this.db.manager, 'tasks', rows), filter.limit);
  }

  /** Guarded transition: only wins when the task is still in a status the transition starts from. */
  async cancel(orgId: string, id: string, em: EntityManager = this.db.manager): Promise<TaskEntity | null> {
    const rows = await queryRows<TaskEntity>(
      em,
      `UPDATE tasks SET status = $3, finished_at = now(), updated_at = now()
        WHERE org_id = $1 AND id = $2 AND status = ANY($4::text[])
        RETURNING ${ALL_COLUMNS}`,
      [orgId, id, TaskTransition.cancel.to, TaskTransition.cancel.from],
    );
    return openOne(em, 'tasks', rows[0] ?? null);
  }

  /**
   * Reads a batch of tasks for delivery; writes nothing (docs/decisions/0025): the fetched job's
   * lease is what says a dispatcher holds the task, and the attempt is counted when it is settled,
   * so a crash mid-attempt leaves the count equal to the attempt rows. A task that was cancelled or
   * has finished is not returned (its job is just completed). `running` may be read again: a lease
   * that lapsed when a dispatcher died, and at-least-once means delivering again.
   * `unreadable`: tasks of a deleted org (data key destroyed), never to be delivered.
   */
  async startMany(ids: string[]): Promise<{ started: StartedTask[]; unreadable: StartedTask[] }> {
    const rows = await queryRows<StartedTask>(
      this.db.manager,
      `SELECT ${STARTED_COLUMNS} FROM tasks WHERE id = ANY($1::uuid[]) AND status = ANY($2::text[])`,
      [ids, TaskTransition.start.from],
    );
    const unreadable: StartedTask[] = [];
    return { started: await openRows(this.db.manager, 'tasks', rows, unreadable), unreadable };
  }

  /**
   * Shows `running` for attempts still in flight (the dispatcher marks those older than a moment,
   * so a fast delivery writes its task once). Only the attempt being made: one settled meanwhile,
   * cancelled or finished is left alone. Advisory: settling does not need it.
   */
  async markRunning(marks: { id: string; number: number }[]): Promise<void> {
    if (marks.length === 0) return;
    await this.db.manager.query(
      `UPDATE tasks t SET status = $3, updated_at = now()
         FROM unnest($1::uuid[], $2::int[]) AS s(id, number)
        WHERE t.id = ANY($1::uuid[]) AND t.id = s.id AND t.attempt_count = s.number - 1 AND t.status = ANY($4::text[])`,
      [marks.map((m) => m.id), marks.map((m) => m.number), TaskTransition.start.to, TaskTransition.start.from],
    );
  }

  /** Which of `ids` are finished (succeeded, failed or cancelled). */
  async finishedAmong(ids: string[], em: EntityManager): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await queryRows<{ id: string }>(
      em,
      'SELECT id FROM tasks WHERE id = ANY($1::uuid[]) AND status = ANY($2::text[])',
      [ids, FINISHED_STATUSES],
    );
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Counts attempts made while their task was cancelled (the settle leaves a finished task alone),
   * so `attempt_count` stays equal to the attempt rows. Fenced on the count like the settle.
   */
  async countCancelledAttempts(attempts: { id: string; number: number }[], em: EntityManager): Promise<void> {
    if (attempts.length === 0) return;
    await em.query(
      `UPDATE tasks t SET attempt_count = s.number
         FROM unnest($1::uuid[], $2::int[]) AS s(id, number)
        WHERE t.id = ANY($1::uuid[]) AND t.id = s.id AND t.attempt_count = s.number - 1 AND t.status = $3`,
      [attempts.map((a) => a.id), attempts.map((a) => a.number), TaskStatus.Cancelled],
    );
  }

  /**
   * Writes the outcome of a batch of attempts in one statement, counting each attempt. Only a task
   * still waiting for this attempt is settled: unfinished (one cancelled mid-attempt stays
   * cancelled) and with the attempts before it counted, so a duplicate delivery of the same attempt
   * (a lapsed lease) settles once. The ids returned are the ones settled, each with its `run_at`
   * (a retry's, by the database clock).
   */
  async settleMany(settlements: TaskSettlement[], em: EntityManager): Promise<Map<string, Date>> {
    if (settlements.length === 0) return new Map();
    // `t.id = ANY($1)` keeps the plan on the primary key. Joined on s.id alone, PostgreSQL 15 chose
    // a scan of every task for status = 'running' (statistics from before the tasks started) and
    // spent most of its CPU in this statement during the delivery benchmark.
    const rows = await queryRows<{ id: string; run_at: Date }>(
      em,
      `UPDATE tasks t
          SET status = s.status,
              attempt_count = s.number,
              run_at = CASE WHEN s.retry_in_ms IS NULL THEN t.run_at ELSE now() + s.retry_in_ms * interval '1 millisecond' END,
              finished_at = CASE WHEN s.status = 'retrying' THEN NULL ELSE now() END,
              updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::int[]) AS s(id, status, retry_in_ms, number)
        WHERE t.id = ANY($1::uuid[]) AND t.id = s.id AND t.status = ANY($5::text[]) AND t.attempt_count = s.number - 1
        RETURNING t.id, t.run_at`,
      [
        settlements.map((s) => s.id),
        settlements.map((s) => s.status),
        settlements.map((s) => s.retryInMs ?? null),
        settlements.map((s) => s.number),
        TaskTransition.succeed.from,
      ],
    );
    return new Map(rows.map((row) => [row.id, row.run_at]));
  }
}
