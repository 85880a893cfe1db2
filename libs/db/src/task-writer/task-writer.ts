import type { EntityManager } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import type { AuditEntry } from '@hourglass/domain';
import { auditInsertSql } from '../audit/audit-trail.js';
import type { TaskEntity } from '../entities/task.entity.js';
import { cipherOf, type FieldCipher } from '../encryption/field-cipher.js';
import { newId } from '../ids.js';
import { Channel, notify } from '../notify.js';
import { jobsInsertStatement, type DeliveryJobInsert } from '../queues.js';
import { inOrderOf, type NewTask } from '../repositories/task.repository.js';
import { queryRows } from '../sql.js';
import { deliveryJob, isDueNow, type JobTask } from './delivery-job.js';
import { Params } from './params.js';
import { type Cte, quotaCtes, quotaError, type QuotaMode } from './quota.js';
import { tasksInsertSql } from './tasks-insert.js';

/**
 * The one write path for tasks and their delivery jobs (docs/decisions/0012). Every producer —
 * the API (single, batch, clone, schedule run-now), schedule ticks, callbacks, retries, queue
 * admission, edits, run-now and replays, and the test factories — writes through `writeTasks`
 * (new tasks) or `enqueueTasks` (a new job for an existing task). Both use the one job builder
 * (`deliveryJob`), set `job_id` the one way (a fresh id, written with the job), apply the quota
 * rule (`countsTowardQuota`) and wake the dispatchers the one way (`wake`). Each is ONE statement
 * (one round trip; outside a transaction its own commit), but for skipped duplicate occurrences.
 */

/** A new task and its delivery job's priority (see `JobPriority`). */
export interface TaskWrite {
  /** Its `jobId` is set by the writer. */
  task: NewTask;
  jobPriority: number;
}

export interface WriteTasksOptions {
  /** Required when any task counts toward the monthly quota (`countsTowardQuota`). */
  quota?: QuotaMode;
  /** Schedule occurrences: one already written (same schedule_id, fire_at) is left out, not an error. */
  skipDuplicateOccurrences?: boolean;
  /** Audit entries written by the same statement (one multi-row INSERT), e.g. `task.created` per task. */
  audit?: AuditEntry[];
  /** More CTEs the same statement writes (each with RETURNING), e.g. the inbound events the tasks forward. */
  alsoWrite?: (params: Params) => Cte[];
}

/** The payload of every TasksReady wake: identical NOTIFYs in one transaction reach listeners once. */
const WAKE_PAYLOAD = 'ready';

/**
 * A named-queue task gets its job only when a dispatcher admits it (docs/decisions/0006): until
 * then it has no job and `job_id` is null.
 */
function awaitsAdmission(task: Pick<TaskEntity, 'queue'> & { queueAdmittedAt?: Date | null }): boolean {
  return task.queue !== null && (task.queueAdmittedAt ?? null) === null;
}

/**
 * Writes new tasks with their delivery jobs, the monthly counts and the wake in one statement.
 * An org over its quota (`{ enforce }`) throws QUOTA_EXCEEDED and nothing of the statement stays.
 * Returns the rows written, in the order given (without skipped duplicates).
 */
export async function writeTasks(
  em: EntityManager,
  boss: PgBoss,
  writes: TaskWrite[],
  options: WriteTasksOptions = {},
): Promise<TaskEntity[]> {
  if (writes.length === 0) return [];
  const priorities = new Map<string, number>();
  const tasks = writes.map(({ task, jobPriority }) => {
    const jobId = awaitsAdmission({ queue: task.queue }) ? null : newId();
    if (jobId) priorities.set(task.id, jobPriority);
    return { ...task, jobId };
  });
  const cipher = cipherOf(em);
  await cipher.load(
    em,
    tasks.map((task) => task.orgId),
  );
  try {
    if (options.skipDuplicateOccurrences) {
      // pg-boss's INSERT cannot see which rows the tasks INSERT skipped: jobs follow in a second statement.
      const params = new Params();
      const inserted = await queryRows<TaskEntity>(em, tasksInsertSql(params, tasks, cipher, true), params.values);
      await runWrite(em, boss, {
        jobs: jobsOf(inserted, priorities),
        wake: inserted,
        quota: options.quota,
        written: inserted,
      });
      return inOrderOf(tasks, inserted).filter((row) => row !== undefined);
    }
    const rows = await runWrite(em, boss, {
      jobs: jobsOf(tasks, priorities),
      wake: tasks,
      quota: options.quota,
      written: tasks,
      insert: { tasks, cipher },
      audit: options.audit,
      alsoWrite: options.alsoWrite,
    });
    return inOrderOf(tasks, rows);
  } catch (error) {
    throw quotaError(error) ?? error;
  }
}

/** An existing task that gets a new delivery job: its row as the caller just wrote it. */
export interface JobWrite {
  task: JobTask & Pick<TaskEntity, 'queue'> & { queueAdmittedAt?: Date | null };
  jobPriority: number;
}

/**
 * Gives existing tasks a new delivery job each (retries, admission, edits, run-now, replays) and
 * records it in their `job_id`, in one statement. The caller has withdrawn any previous job. A
 * named-queue task not admitted yet gets none (`job_id` null): admission will give it one.
 */
export async function enqueueTasks(em: EntityManager, boss: PgBoss, writes: JobWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const priorities = new Map<string, number>();
  const jobIds = writes.map(({ task, jobPriority }) => {
    if (awaitsAdmission(task)) return null;
    priorities.set(task.id, jobPriority);
    return newId();
  });
  const tasks = writes.map(({ task }, i) => ({ ...task, jobId: jobIds[i]! }));
  await runWrite(em, boss, { jobs: jobsOf(tasks, priorities), wake: tasks, recordJobIds: tasks });
}

/** Wakes the dispatchers (and queue admitters) at commit of `em`'s transaction, or at once outside one. */
export function wake(em: EntityManager): Promise<void> {
  return notify(em, Channel.TasksReady, WAKE_PAYLOAD);
}

function jobsOf(tasks: (JobTask & { jobId: string | null })[], priorities: Map<string, number>): DeliveryJobInsert[] {
  return tasks.flatMap((task) =>
    task.jobId === null ? [] : [deliveryJob(task, task.jobId, priorities.get(task.id)!)],
  );
}

interface WritePlan {
  jobs: DeliveryJobInsert[];
  /** Tasks written: a NOTIFY at commit if any is due now. */
  wake: JobTask[];
  quota?: QuotaMode;
  /** Counted by the quota rule. */
  written?: Pick<NewTask, 'orgId' | 'kind'>[];
  /** New rows to INSERT (returned), sealed with `cipher`. */
  insert?: { tasks: NewTask[]; cipher: FieldCipher };
  /** Audit entries (their orgs' keys loaded in `insert.cipher`). */
  audit?: AuditEntry[];
  alsoWrite?: (params: Params) => Cte[];
  /** Existing rows whose job_id becomes the new job's. */
  recordJobIds?: { id: string; jobId: string | null }[];
}

/** Builds and runs the one statement: [pg-boss's job INSERT at $1], the tasks, the counts, the wake. */
async function runWrite(em: EntityManager, boss: PgBoss, plan: WritePlan): Promise<TaskEntity[]> {
  const ctes: Cte[] = [];
  let params = new Params();
  if (plan.jobs.length > 0) {
    const jobs = await jobsInsertStatement(boss, plan.jobs);
    params = new Params(jobs.values);
    ctes.push({ name: 'jobs', sql: jobs.text });
  }
  if (plan.insert) ctes.push({ name: 'inserted', sql: tasksInsertSql(params, plan.insert.tasks, plan.insert.cipher) });
  if (plan.insert && plan.audit?.length)
    ctes.push({ name: 'audited', sql: auditInsertSql(params, plan.audit, plan.insert.cipher) });
  if (plan.alsoWrite) ctes.push(...plan.alsoWrite(params));
  if (plan.recordJobIds) {
    const ids = params.add(plan.recordJobIds.map((task) => task.id));
    const jobIds = params.add(plan.recordJobIds.map((task) => task.jobId));
    ctes.push({
      name: 'recorded',
      sql: `UPDATE tasks t SET job_id = u.job_id FROM unnest(${ids}::uuid[], ${jobIds}::uuid[]) AS u(id, job_id)
             WHERE t.id = ANY(${ids}::uuid[]) AND t.id = u.id RETURNING t.id`,
    });
  }
  ctes.push(...quotaCtes(params, plan.quota, plan.written ?? []));
  const now = Date.now();
  if (plan.wake.some((task) => isDueNow(task, now)))
    ctes.push({
      name: 'woken',
      sql: `SELECT pg_notify(${params.add(Channel.TasksReady)}, ${params.add(WAKE_PAYLOAD)})`,
    });
  if (ctes.length === 0) return [];
  // Every CTE but pg-boss's (no RETURNING; data-modifying CTEs run anyway) is referenced, so the
  // SELECT ones (quota check, NOTIFY) are evaluated too.
  const evaluated = [
    'TRUE',
    ...ctes.filter((cte) => cte.name !== 'jobs').map((cte) => `(SELECT count(*) FROM ${cte.name}) >= 0`),
  ].join(' AND ');
  const sql = `WITH ${ctes.map((cte) => `${cte.name} AS (${cte.sql})`).join(',\n')}
    SELECT ${plan.insert ? '*' : '1 AS done'} FROM ${plan.insert ? 'inserted' : '(SELECT 1) AS one'} WHERE ${evaluated}`;
  return queryRows<TaskEntity>(em, sql, params.values);
}
