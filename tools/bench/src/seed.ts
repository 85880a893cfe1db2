import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { createBoss, createDataSource, deliveryJob, newId, Queue, writeTasks, type DbOptions } from '@hourglass/db';
import { make, newTaskWrite, TEST_TASKS_PER_MONTH } from '@hourglass/testing';

const CHUNK = 1_000;
export const TASK_BODY = '{"n":1}';

async function withDb<T>(
  url: string,
  sealing: Pick<DbOptions, 'masterKeys' | 'sealing'>,
  work: (db: DataSource, boss: PgBoss) => Promise<T>,
): Promise<T> {
  const db = await createDataSource({
    url,
    poolMax: 2,
    applicationName: 'hourglass-bench-seed',
    ...sealing,
  }).initialize();
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

/**
 * `count` due tasks for one org (made by `make.org`) with their jobs, written by the task writer
 * exactly as the API writes them, 1,000 per statement. Returns the org id.
 */
export function seedTasks(url: string, keys: string, count: number, target: string, sealing = true): Promise<string> {
  return withDb(url, { masterKeys: keys, sealing }, async (db, boss) => {
    const { org } = await make.org(db, 'bench');
    for (let done = 0; done < count; done += CHUNK) {
      const writes = Array.from({ length: Math.min(CHUNK, count - done) }, () =>
        newTaskWrite({ orgId: org.id, url: target, body: TASK_BODY }),
      );
      await writeTasks(db.manager, boss, writes, { quota: { enforce: TEST_TASKS_PER_MONTH } });
    }
    await db.query('ANALYZE');
    return org.id;
  });
}

/**
 * The same `count` jobs (built by the task writer's job builder, so the options match) on a fresh
 * queue, without task rows, inserted by bare pg-boss: the ceiling measures pg-boss alone.
 */
export function seedJobs(url: string, count: number): Promise<void> {
  return withDb(url, {}, async (db, boss) => {
    const orgId = newId();
    for (let done = 0; done < count; done += CHUNK) {
      const jobs = Array.from({ length: Math.min(CHUNK, count - done) }, () => {
        const { task, jobPriority } = newTaskWrite({ orgId, url: 'http://127.0.0.1/' });
        return deliveryJob(task, newId(), jobPriority);
      });
      await boss.insert(Queue.Deliver, jobs);
    }
    await db.query('ANALYZE');
  });
}
