import type { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '../sql.js';

/** How many tasks each org gets from a list of the orgs of new tasks. */
export function countPerOrg(orgIds: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const orgId of orgIds) counts.set(orgId, (counts.get(orgId) ?? 0) + 1);
  return counts;
}

/**
 * Adds `counts[i]` tasks to org `orgIds[i]`'s count for this month (UTC), returning each org's new
 * total (org_id, tasks_created). The parameters are uuid[] and int[], org ids sorted: every writer
 * locks the counter rows in one order, so concurrent ones cannot deadlock.
 */
export function addToUsageSql(orgIds: string, counts: string): string {
  return `INSERT INTO org_usage (org_id, month, tasks_created)
    SELECT u.org_id, date_trunc('month', now() AT TIME ZONE 'UTC')::date, u.n FROM unnest(${orgIds}::uuid[], ${counts}::int[]) AS u(org_id, n)
    ON CONFLICT (org_id, month) DO UPDATE SET tasks_created = org_usage.tasks_created + EXCLUDED.tasks_created
    RETURNING org_id, tasks_created`;
}

/**
 * Monthly task counters, one row per org and month, so a quota check never counts tasks. Only the
 * task writer adds to them (libs/db/src/task-writer/quota.ts), inside the creating transaction:
 * the row lock it takes is held until commit, so concurrent creators for one org queue on it and
 * the count is never under-read.
 */
export class UsageRepository {
  constructor(private readonly db: DataSource) {}

  /** This month's count per org (0 when none yet), for read-only checks and the org view. */
  async tasksThisMonth(orgIds: string[], em: EntityManager = this.db.manager): Promise<Map<string, number>> {
    const rows = await queryRows<{ org_id: string; tasks_created: string }>(
      em,
      `SELECT org_id, tasks_created FROM org_usage
        WHERE org_id = ANY($1::uuid[]) AND month = date_trunc('month', now() AT TIME ZONE 'UTC')::date`,
      [orgIds],
    );
    const totals = new Map(orgIds.map((id) => [id, 0]));
    for (const row of rows) totals.set(row.org_id, Number(row.tasks_created));
    return totals;
  }
}
