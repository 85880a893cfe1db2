import { DataSource } from 'typeorm';
import { createBoss, createDataSource, ScheduleTickRepository } from '@hourglass/db';
import { Metrics } from '@hourglass/platform';
import { createTestDatabase, make, type TestDatabase, testMasterKeys } from '@hourglass/testing';
import { toSchedulerConfig, type SchedulerEnv } from '../config.js';
import { TickService } from './tick.service.js';

const SCHEDULES = 300;
const RUN_MS = 4_000;

/** A scheduler replica's tick, on its own pool and pg-boss, with no leader lock at all. */
async function replica(url: string) {
  const db = await createDataSource({ url, poolMax: 4, masterKeys: testMasterKeys() }).initialize();
  const boss = createBoss(url, 'producer');
  await boss.start();
  const config = toSchedulerConfig({
    DATABASE_URL: url,
    HOURGLASS_MASTER_KEYS: testMasterKeys(),
    SCHEDULE_BATCH_SIZE: 100,
  } as SchedulerEnv);
  const tick = new TickService(config, db, boss, new ScheduleTickRepository(db), new Metrics('scheduler'));
  return { tick, close: async () => Promise.all([boss.stop({ graceful: false }), db.destroy()]) };
}

describe('exactly one task per occurrence with two leaders at once', () => {
  let database: TestDatabase;
  let db: DataSource;
  const replicas: Awaited<ReturnType<typeof replica>>[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await createDataSource({ url: database.url, poolMax: 2, masterKeys: testMasterKeys() }).initialize();
    replicas.push(await replica(database.url), await replica(database.url));
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await db.destroy();
    await database.drop();
  });

  it('two tick services racing on many due schedules create every occurrence once, and enqueue it once', async () => {
    const { org } = await make.org(db);
    for (let i = 0; i < SCHEDULES; i++)
      await make.schedule(db, { orgId: org.id, url: 'http://127.0.0.1:9/hook', intervalMs: 1_000 });
    await db.query(`UPDATE schedules SET next_run_at = date_trunc('second', now()) - interval '3 seconds'`);
    const start = ((await db.query('SELECT min(next_run_at) AS t FROM schedules'))[0] as { t: Date }).t;
    const until = Date.now() + RUN_MS;
    await Promise.all(
      replicas.map(async ({ tick }) => {
        while (Date.now() < until) await tick.runOnce();
      }),
    );

    const [counts] = await db.query(
      `
      SELECT (SELECT count(*) FROM tasks)::int AS tasks,
             (SELECT count(DISTINCT (schedule_id, fire_at)) FROM tasks)::int AS occurrences,
             (SELECT count(*) FROM pgboss.job WHERE name = 'deliver')::int AS jobs,
             (SELECT count(DISTINCT data->>'taskId') FROM pgboss.job WHERE name = 'deliver')::int AS job_tasks,
             (SELECT count(*) FROM schedule_occurrences WHERE outcome = 'fired')::int AS fired,
             (SELECT sum(extract(epoch FROM next_run_at - $1::timestamptz))::int FROM schedules) AS expected`,
      [start],
    );
    expect(counts.tasks).toBeGreaterThan(SCHEDULES * 3);
    expect(counts).toEqual({
      tasks: counts.expected,
      occurrences: counts.expected,
      jobs: counts.expected,
      job_tasks: counts.expected,
      fired: counts.expected,
      expected: counts.expected,
    });
  });

  it('a tick that replays occurrences another leader already fired creates no task and no job', async () => {
    const [before] = await db.query(
      `SELECT (SELECT count(*) FROM tasks)::int AS tasks, (SELECT count(*) FROM pgboss.job)::int AS jobs`,
    );
    // A leader with a stale view: every schedule back two seconds, occurrences that already have tasks.
    await db.query(`UPDATE schedules SET next_run_at = next_run_at - interval '2 seconds'`);
    await replicas[0]!.tick.runOnce();
    const [after] = await db.query(`
      SELECT (SELECT count(*) FROM tasks)::int AS tasks, (SELECT count(*) FROM pgboss.job)::int AS jobs`);
    // Only occurrences that became due since (fresh ones) are new; each has one job.
    expect(after.tasks - before.tasks).toBe(after.jobs - before.jobs);
    const [dupes] = await db.query(
      `SELECT count(*)::int AS n FROM (SELECT data->>'taskId' FROM pgboss.job GROUP BY 1 HAVING count(*) > 1) d`,
    );
    expect(dupes.n).toBe(0);
  });
});
