import type { DataSource, EntityManager } from 'typeorm';
import { EDITABLE_STATUSES, TaskStatus, TaskTransition } from '@hourglass/domain';
import type { TaskEntity } from '../entities/task.entity.js';
import { cipherOf } from '../encryption/field-cipher.js';
import { openOne, openRows, sealRow } from '../encryption/sealed-rows.js';
import { queryRows } from '../sql.js';
import { ALL_COLUMNS } from './task.repository.js';

/** The editable fields of a task, all written at once (the service merges the patch into the row). */
export type TaskEdit = Pick<
  TaskEntity,
  | 'status'
  | 'url'
  | 'method'
  | 'headers'
  | 'body'
  | 'timeoutMs'
  | 'runAt'
  | 'maxAttempts'
  | 'retryOn4xx'
  | 'labels'
  | 'priority'
  | 'expectedStatusCodes'
  | 'expectedBodyPattern'
  | 'notify'
>;

/** Which tasks a bulk action touches; `statuses` is already narrowed to the ones the action may move. */
export interface BulkFilter {
  statuses: readonly TaskStatus[];
  label?: { key: string; value: string };
  createdAfter?: Date;
  createdBefore?: Date;
}

const REPLAY_SET = `status = '${TaskTransition.replay.to}', run_at = now(), finished_at = NULL,
  attempt_offset = attempt_count, queue_admitted_at = NULL`;

/** Edits, run-now, replays and bulk actions: every one a guarded UPDATE on the task row (jobs: the task writer). */
export class TaskActionRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Locks the row for the rest of `em`'s transaction, so the edit and the job move see one version. Never a
   * notification delivery: the platform's own task (an edit re-targeted it, outside the quota).
   */
  async lockForOrg(em: EntityManager, orgId: string, id: string): Promise<TaskEntity | null> {
    const rows = await queryRows<TaskEntity>(
      em,
      `SELECT ${ALL_COLUMNS} FROM tasks WHERE org_id = $1 AND id = $2 AND kind <> 'notification' FOR UPDATE`,
      [orgId, id],
    );
    return openOne(em, 'tasks', rows[0] ?? null);
  }

  /** Wins only if nobody edited the task since `version` was read and no attempt has started. */
  async applyEdit(
    em: EntityManager,
    orgId: string,
    id: string,
    version: number,
    edit: TaskEdit,
  ): Promise<TaskEntity | null> {
    const cipher = cipherOf(em);
    await cipher.load(em, [orgId]);
    const sealed = sealRow(cipher, 'tasks', { id, orgId, url: edit.url, headers: edit.headers, body: edit.body });
    const rows = await queryRows<TaskEntity>(
      em,
      `UPDATE tasks SET status = $4, url = $5, method = $6, headers = $7, body = $8, timeout_ms = $9, run_at = $10,
              max_attempts = $11, retry_on_4xx = $12, labels = $13, priority = $14, expected_status_codes = $15,
              expected_body_pattern = $16, notify = $18::jsonb, version = version + 1, updated_at = now()
        WHERE org_id = $1 AND id = $2 AND version = $3 AND status = ANY($17::text[])
        RETURNING ${ALL_COLUMNS}`,
      [
        orgId,
        id,
        version,
        edit.status,
        sealed.url,
        edit.method,
        sealed.headers,
        sealed.body,
        edit.timeoutMs,
        edit.runAt,
        edit.maxAttempts,
        edit.retryOn4xx,
        JSON.stringify(edit.labels),
        edit.priority,
        edit.expectedStatusCodes,
        edit.expectedBodyPattern,
        EDITABLE_STATUSES,
        edit.notify === null ? null : JSON.stringify(edit.notify),
      ],
    );
    return openOne(em, 'tasks', rows[0] ?? null);
  }

  /** The new job is the task writer's to enqueue (and record in job_id). */
  async runNow(em: EntityManager, orgId: string, id: string): Promise<TaskEntity | null> {
    const rows = await queryRows<TaskEntity>(
      em,
      `UPDATE tasks SET status = $3, run_at = now(), version = version + 1, updated_at = now()
        WHERE org_id = $1 AND id = $2 AND status = ANY($4::text[])
        RETURNING ${ALL_COLUMNS}`,
      [orgId, id, TaskTransition.runNow.to, TaskTransition.runNow.from],
    );
    return openOne(em, 'tasks', rows[0] ?? null);
  }

  /**
   * failed → queued with a fresh retry budget (counted from `attempt_offset`); the attempts stay.
   * A named-queue task goes back through admission (its order, parallelism and rate limit).
   */
  async replay(em: EntityManager, orgId: string, id: string): Promise<TaskEntity | null> {
    const rows = await queryRows<TaskEntity>(
      em,
      `UPDATE tasks SET ${REPLAY_SET}, version = version + 1, updated_at = now()
        WHERE org_id = $1 AND id = $2 AND status = ANY($3::text[]) AND kind <> 'notification'
        RETURNING ${ALL_COLUMNS}`,
      [orgId, id, TaskTransition.replay.from],
    );
    return openOne(em, 'tasks', rows[0] ?? null);
  }

  async countMatching(orgId: string, filter: BulkFilter): Promise<number> {
    const params: unknown[] = [];
    const rows = await queryRows<{ n: number }>(
      this.db.manager,
      `SELECT count(*)::int AS n FROM tasks WHERE ${where(orgId, filter, params)}`,
      params,
    );
    return rows[0]!.n;
  }

  /**
   * Cancels up to `limit` matching tasks with ids below `before` (newest first). Rows another
   * transaction holds (a dispatcher starting them) are skipped, not waited for. Their pending jobs
   * stay: the dispatcher completes a cancelled task's job without delivering.
   */
  async cancelBatch(
    em: EntityManager,
    orgId: string,
    filter: BulkFilter,
    before: string | null,
    limit: number,
  ): Promise<string[]> {
    const rows = await this.updateBatch<{ id: string }>(
      em,
      orgId,
      filter,
      before,
      limit,
      `status = '${TaskTransition.bulkCancel.to}', finished_at = now()`,
      'id',
    );
    return rows.map((row) => row.id);
  }

  /** Replays up to `limit` matching failed tasks (see `replay`); the task writer enqueues their jobs. */
  async replayBatch(
    em: EntityManager,
    orgId: string,
    filter: BulkFilter,
    before: string | null,
    limit: number,
  ): Promise<TaskEntity[]> {
    return openRows(
      em,
      'tasks',
      await this.updateBatch<TaskEntity>(em, orgId, filter, before, limit, REPLAY_SET, ALL_COLUMNS),
    );
  }

  private updateBatch<T>(
    em: EntityManager,
    orgId: string,
    filter: BulkFilter,
    before: string | null,
    limit: number,
    set: string,
    returning: string,
  ): Promise<T[]> {
    const params: unknown[] = [];
    const conditions = where(orgId, filter, params);
    params.push(before, limit);
    return queryRows<T>(
      em,
      `WITH batch AS (
         SELECT id AS batch_id FROM tasks WHERE ${conditions} AND ($${params.length - 1}::uuid IS NULL OR id < $${params.length - 1}::uuid)
          ORDER BY id DESC LIMIT $${params.length} FOR UPDATE SKIP LOCKED)
       UPDATE tasks SET ${set}, version = version + 1, updated_at = now()
         FROM batch WHERE tasks.id = batch.batch_id
       RETURNING ${returning}`,
      params,
    );
  }
}

/** The shared WHERE clause of a bulk action; appends its values to `params`. */
function where(orgId: string, filter: BulkFilter, params: unknown[]): string {
  const add = (value: unknown) => `$${params.push(value)}`;
  // Notification deliveries are the platform's own tasks (docs/decisions/0022): no bulk action reaches them.
  const conditions = [
    `org_id = ${add(orgId)}`,
    `status = ANY(${add(filter.statuses)}::text[])`,
    `kind <> 'notification'`,
  ];
  if (filter.label)
    conditions.push(
      `labels @> ${add(JSON.stringify({ [filter.label.key]: filter.label.value }))}::jsonb AND labels <> '{}'::jsonb`,
    );
  if (filter.createdAfter) conditions.push(`created_at >= ${add(filter.createdAfter)}`);
  if (filter.createdBefore) conditions.push(`created_at < ${add(filter.createdBefore)}`);
  return conditions.join(' AND ');
}
