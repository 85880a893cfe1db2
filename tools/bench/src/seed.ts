import type { DataSource } from 'typeorm';
import type { JobInsert, PgBoss } from 'pg-boss';
import { KeyRing } from '@hourglass/crypto';
import { TaskLimits, TaskStatus } from '@hourglass/domain';
import {
  createBoss,
  createDataSource,
  deliveryLeaseSeconds,
  newId,
  Queue,
  transactionDb,
  type JobPayloads,
} from '@hourglass/db';
import { make } from '@hourglass/testing';

const CHUNK = 1_000;
export const TASK_BODY = '{"n":1}';

/** The delivery job the API enqueues for a due-now task (same options, see TasksService.insertAndEnqueue). */
export function deliverJob(taskId: string, orgId: string): JobInsert<JobPayloads[typeof Queue.Deliver]> {
  return {
    id: newId(),
    data: { taskId, orgId },
    priority: TaskLimits.defaultPriority,
    group: { id: orgId },
    expireInSeconds: deliveryLeaseSeconds(TaskLimits.defaultTimeoutMs),
  };
}

async function withDb<T>(url: string, work: (db: DataSource, boss: PgBoss) => Promise<T>): Promise<T> {
  const db = await createDataSource({ url, poolMax: 2, applicationName: 'hourglass-bench-seed' }).initialize();
  const boss = createBoss(url, 'producer');
  boss.on('error', () => undefined);
  await boss.start();
  try {
    return await work(db, boss);
  } finally {
    await boss.stop({ graceful: false });
    await db.destroy();
  }
}

/** `count` due tasks for one org (made by `make.org`) with their jobs, 1,000 per transaction. Returns the org id. */
export function seedTasks(url: string, keys: string, count: number, target: string): Promise<string> {
  return withDb(url, async (db, boss) => {
    const { org } = await make.org(db, new KeyRing(keys), 'bench');
    for (let done = 0; done < count; done += CHUNK) {
      const ids = Array.from({ length: Math.min(CHUNK, count - done) }, () => newId());
      await db.transaction(async (em) => {
        await em.query(
          `INSERT INTO tasks (id, org_id, status, url, method, body, timeout_ms, run_at, max_attempts, priority)
           SELECT id, $2, $3, $4, 'POST', $5, $6, now(), $7, $8 FROM unnest($1::uuid[]) AS t(id)`,
          [
            ids,
            org.id,
            TaskStatus.Queued,
            target,
            TASK_BODY,
            TaskLimits.defaultTimeoutMs,
            TaskLimits.defaultMaxAttempts,
            TaskLimits.defaultPriority,
          ],
        );
        await boss.insert(
          Queue.Deliver,
          ids.map((id) => deliverJob(id, org.id)),
          { db: transactionDb(em) },
        );
      });
    }
    await db.query('ANALYZE');
    return org.id;
  });
}

/** The same `count` jobs on a fresh queue, without task rows (for the bare baseline). */
export function seedJobs(url: string, count: number): Promise<void> {
  return withDb(url, async (db, boss) => {
    const orgId = newId();
    for (let done = 0; done < count; done += CHUNK) {
      const jobs = Array.from({ length: Math.min(CHUNK, count - done) }, () => deliverJob(newId(), orgId));
      await boss.insert(Queue.Deliver, jobs);
    }
    await db.query('ANALYZE');
  });
}
