import type { EntityManager } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { TaskStatus } from '@hourglass/domain';
import { deleteDeliveryJobs } from '../queues.js';
import { queryRows } from '../sql.js';
import { Params } from './params.js';
import { countsTowardQuota, quotaCtes } from './quota.js';

/**
 * Takes back the occurrences of a schedule prepared ahead of their fire time (docs/decisions/0007):
 * their tasks (still `scheduled`, fire time after this transaction's now()), their occurrence log
 * rows, their delivery jobs and their count toward the month, in `em`'s transaction. Pause, delete
 * and edit of the schedule call it, so nothing prepared under the old settings fires after the
 * change committed: a dispatcher that fetched such a job meanwhile (its fire time passing during
 * the transaction) waits for the task row and then finds it gone. Returns the earliest fire time
 * taken back (null when none), for an edit to plan again from.
 */
export async function unprepareOccurrences(
  em: EntityManager,
  boss: PgBoss,
  schedule: { id: string; orgId: string },
): Promise<Date | null> {
  const gone = await queryRows<{ id: string; job_id: string | null; fire_at: Date; kind: 'task' | 'callback' }>(
    em,
    `WITH gone AS (
       DELETE FROM tasks
        WHERE org_id = $1 AND schedule_id = $2 AND status = $3 AND fire_at > now() AND attempt_count = 0
       RETURNING id, job_id, fire_at, kind),
     unlogged AS (
       DELETE FROM schedule_occurrences o USING gone g
        WHERE o.schedule_id = $2 AND o.fire_at = g.fire_at AND o.task_id = g.id
       RETURNING o.id)
     SELECT g.id, g.job_id, g.fire_at, g.kind FROM gone g WHERE (SELECT count(*) FROM unlogged) >= 0`,
    [schedule.orgId, schedule.id, TaskStatus.Scheduled],
  );
  if (gone.length === 0) return null;
  await deleteDeliveryJobs(
    boss,
    em,
    gone.flatMap((task) => (task.job_id ? [task.job_id] : [])),
  );
  // Their count goes back (the quota rule, applied by the writer): planned again (an edit, a
  // resume), they count again when written.
  const counted = gone.filter(countsTowardQuota).length;
  const params = new Params();
  const [giveBack] = quotaCtes(params, { reserved: new Map([[schedule.orgId, counted]]) }, []);
  if (giveBack) await queryRows(em, `WITH ${giveBack.name} AS (${giveBack.sql}) SELECT 1`, params.values);
  return gone.reduce((first, task) => (task.fire_at < first ? task.fire_at : first), gone[0]!.fire_at);
}
