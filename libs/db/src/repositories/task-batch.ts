import type { EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '@hourglass/domain';
import type { TaskEntity } from '../entities/task.entity.js';
import { Channel } from '../notify.js';
import { shiftParameters, type SqlStatement } from '../queues.js';
import { queryRows } from '../sql.js';
import { addToUsageSql, countPerOrg } from './usage.repository.js';
import { inOrderOf, type NewTask, tasksInsertStatement } from './task.repository.js';

export interface TaskBatch {
  /** The new tasks, each with the id of its delivery job (if it gets one now). */
  tasks: NewTask[];
  /** pg-boss's INSERT of their delivery jobs (`jobsInsertStatement`); null when none is due a job now. */
  jobs: SqlStatement | null;
  /** NOTIFY the dispatchers at commit (some task is due now). */
  wake: boolean;
  /** Monthly task quota per plan name; an org on a plan not listed gets `free`'s. */
  tasksPerMonth: Record<string, number>;
}

/** SQLSTATE raised by `hourglass_check_quota` (migration 1764600000000). */
const QUOTA_EXCEEDED_STATE = 'HGQ01';

/**
 * Writes a batch of new tasks in ONE statement: the rows, their pg-boss jobs, the orgs' monthly
 * counts (checked against their plans) and the wake-up NOTIFY. Outside a transaction that is one
 * round trip and one commit; inside one, it joins it. An org over its quota raises, so nothing of
 * the statement stays (docs/decisions/0009).
 */
export async function insertTaskBatch(em: EntityManager, batch: TaskBatch): Promise<TaskEntity[]> {
  if (batch.tasks.length === 0) return [];
  const insert = tasksInsertStatement(batch.tasks);
  const perOrg = countPerOrg(batch.tasks.map((task) => task.orgId));
  const orgIds = [...perOrg.keys()].sort(); // the lock order addToUsageSql asks for
  const values: unknown[] = [...insert.values];
  /** Adds a parameter after the ones already there and names it ($n). */
  const param = (value: unknown) => `$${values.push(value)}`;
  const ids = param(orgIds);
  const counts = param(orgIds.map((id) => perOrg.get(id)!));
  const quotas = param(JSON.stringify(batch.tasksPerMonth));
  const wake = param(batch.wake);
  const channel = param(Channel.TasksReady);
  const jobs = batch.jobs ? `, jobs AS (${shiftParameters(batch.jobs.text, values.length)})` : '';
  if (batch.jobs) values.push(...batch.jobs.values);
  const sql = `
    WITH inserted AS (${insert.text}),
    usage AS (${addToUsageSql(ids, counts)}),
    within_quota AS (
      SELECT hourglass_check_quota(u.org_id, o.plan, u.tasks_created,
               COALESCE((${quotas}::jsonb ->> o.plan)::bigint, (${quotas}::jsonb ->> 'free')::bigint))
        FROM usage u JOIN organizations o ON o.id = u.org_id),
    woken AS (SELECT pg_notify(${channel}, 'created') WHERE ${wake}::boolean)${jobs}
    SELECT * FROM inserted WHERE (SELECT count(*) FROM within_quota) >= 0 AND (SELECT count(*) FROM woken) >= 0`;
  try {
    return inOrderOf(batch.tasks, await queryRows<TaskEntity>(em, sql, values));
  } catch (error) {
    throw quotaError(error) ?? error;
  }
}

function quotaError(error: unknown): AppError | undefined {
  const driver = (error as { driverError?: { code?: string; detail?: string } }).driverError;
  if (driver?.code !== QUOTA_EXCEEDED_STATE) return undefined;
  const { plan, limit } = JSON.parse(driver.detail ?? '{}') as { plan?: string; limit?: number };
  return new AppError(
    ErrorCode.QUOTA_EXCEEDED,
    `The "${plan}" plan allows ${limit} tasks a month, and this month's are used up`,
  );
}
