import type { EntityManager } from 'typeorm';
import { AppError, ErrorCode, type Plan } from '@hourglass/domain';
import type { NewTask } from '../repositories/task.repository.js';
import { addToUsageSql, countPerOrg } from '../repositories/usage.repository.js';
import { queryRows } from '../sql.js';
import type { Params } from './params.js';

/** Monthly task quota per plan name; an org on a plan not listed gets `free`'s. */
export type TasksPerMonth = Record<string, number>;

export function tasksPerMonthOf(plans: Readonly<Record<string, Plan>>): TasksPerMonth {
  return Object.fromEntries(Object.entries(plans).map(([name, plan]) => [name, plan.tasksPerMonth]));
}

/**
 * THE quota rule (docs/decisions/0012): every new task row of kind `task` counts one toward its
 * org's calendar month (UTC) when it is written, whoever writes it: the API (single, batch,
 * clone, a schedule's manual run), a schedule tick, and any future producer acting for the org
 * (inbound forwards). Tasks the platform writes on its own behalf (kind `callback`, and future
 * notifications) do not count. Retries, run-now, edits, replays and queue admissions write no new
 * task, only a job, and count nothing. How an org over its quota is told differs by producer, the
 * count does not: a request is refused whole (429 QUOTA_EXCEEDED); a tick fires what fits and logs
 * the rest as skipped (reason `quota`).
 */
export function countsTowardQuota(task: Pick<NewTask, 'kind'>): boolean {
  return (task.kind ?? 'task') === 'task';
}

/** How a write meets the quota. */
export type QuotaMode =
  /** Refuse the whole write (QUOTA_EXCEEDED, nothing kept) if it takes an org over its plan's month. */
  | { enforce: TasksPerMonth }
  /** Counted ahead by `reserveQuota` (schedule ticks); the writer gives back what it did not write. */
  | { reserved: Map<string, number> };

/** SQLSTATE raised by `hourglass_check_quota` (migration 1764600000000). */
const QUOTA_EXCEEDED_STATE = 'HGQ01';

/** One named CTE of a statement the writer builds. */
export interface Cte {
  name: string;
  sql: string;
}

/**
 * The CTEs that apply `mode` to the tasks `written` (only those that count, by the rule above),
 * none when no counter changes. Org ids go in sorted: every writer locks usage rows in one order.
 */
export function quotaCtes(
  params: Params,
  mode: QuotaMode | undefined,
  written: Pick<NewTask, 'orgId' | 'kind'>[],
): Cte[] {
  const perOrg = countPerOrg(written.filter(countsTowardQuota).map((task) => task.orgId));
  if (mode && 'reserved' in mode) {
    for (const [orgId, n] of mode.reserved) perOrg.set(orgId, (perOrg.get(orgId) ?? 0) - n);
    for (const [orgId, n] of perOrg) if (n === 0) perOrg.delete(orgId);
  }
  if (perOrg.size === 0) return [];
  if (!mode) throw new Error('tasks that count toward the monthly quota need a quota mode (docs/decisions/0012)');
  const orgIds = [...perOrg.keys()].sort();
  const usage = {
    name: 'usage',
    sql: addToUsageSql(params.add(orgIds), params.add(orgIds.map((id) => perOrg.get(id)!))),
  };
  if ('reserved' in mode) return [usage];
  const quotas = params.add(JSON.stringify(mode.enforce));
  return [
    usage,
    {
      name: 'within_quota',
      sql: `SELECT hourglass_check_quota(u.org_id, o.plan, u.tasks_created,
               COALESCE((${quotas}::jsonb ->> o.plan)::bigint, (${quotas}::jsonb ->> 'free')::bigint))
        FROM usage u JOIN organizations o ON o.id = u.org_id`,
    },
  ];
}

/**
 * Adds `wanted` tasks to each org's month ahead of a tick's write (locking the counter rows until
 * commit, so the API's creates for those orgs wait and the count is never under-read) and says how
 * many of them each org may still have. Pass the result's reservation to `writeTasks` as
 * `{ reserved }`: it gives back what was refused or not written.
 */
export async function reserveQuota(
  em: EntityManager,
  wanted: Map<string, number>,
  tasksPerMonth: (plan: string) => number,
): Promise<Map<string, number>> {
  const remaining = new Map<string, number>();
  if (wanted.size === 0) return remaining;
  const orgIds = [...wanted.keys()].sort();
  const rows = await queryRows<{ org_id: string; tasks_created: string; plan: string }>(
    em,
    `WITH added AS (${addToUsageSql('$1', '$2')})
     SELECT a.org_id, a.tasks_created, o.plan FROM added a JOIN organizations o ON o.id = a.org_id`,
    [orgIds, orgIds.map((id) => wanted.get(id)!)],
  );
  for (const row of rows) {
    const before = Number(row.tasks_created) - wanted.get(row.org_id)!;
    remaining.set(row.org_id, Math.max(0, tasksPerMonth(row.plan) - before));
  }
  return remaining;
}

/** QUOTA_EXCEEDED for the error `hourglass_check_quota` raised, if it is that one. */
export function quotaError(error: unknown): AppError | undefined {
  const driver = (error as { driverError?: { code?: string; detail?: string } }).driverError;
  if (driver?.code !== QUOTA_EXCEEDED_STATE) return undefined;
  const { plan, limit } = JSON.parse(driver.detail ?? '{}') as { plan?: string; limit?: number };
  return new AppError(
    ErrorCode.QUOTA_EXCEEDED,
    `The "${plan}" plan allows ${limit} tasks a month, and this month's are used up`,
  );
}
