import pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { DataSource } from 'typeorm';
import { KeyRing } from '@hourglass/crypto';
import {
  Channel,
  createBoss,
  deliveryJobFields,
  insertTaskBatch,
  jobsInsertStatement,
  newId,
  Queue,
  shiftParameters,
  type NewTask,
} from '@hourglass/db';
import { AppError, ErrorCode } from '@hourglass/domain';
import { createTestDataSource, make, until, type TestDataSource } from '@hourglass/testing';
import { newTask } from './tasks.service.js';

describe('insertTaskBatch: tasks, jobs, quota and NOTIFY in one statement', () => {
  let fixture: TestDataSource;
  let db: DataSource;
  let boss: PgBoss;
  const keys = new KeyRing(KeyRing.generateSpec());
  const trace = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  beforeAll(async () => {
    fixture = await createTestDataSource();
    db = fixture.db;
    boss = createBoss(fixture.database.url, 'producer');
    await boss.start();
  });
  afterAll(async () => {
    await boss.stop({ graceful: false });
    await fixture.close();
  });

  const tasksOf = (orgId: string, n: number): NewTask[] =>
    Array.from({ length: n }, (_, i) => ({
      ...newTask(orgId, { request: { url: `https://example.com/${i}` } }, trace, new Date()),
      jobId: newId(),
    }));
  const jobsOf = (tasks: NewTask[]) =>
    jobsInsertStatement(
      boss,
      Queue.Deliver,
      tasks.map((t) => ({ id: t.jobId!, ...deliveryJobFields(t.id, t.orgId, 1_000) })),
    );
  const count = async (sql: string, orgId: string) => Number((await db.query(sql, [orgId]))[0].n);
  const state = async (orgId: string) => ({
    tasks: await count('SELECT count(*) AS n FROM tasks WHERE org_id = $1', orgId),
    jobs: await count(`SELECT count(*) AS n FROM pgboss.job WHERE data->>'orgId' = $1::text`, orgId),
    used: await count('SELECT coalesce(sum(tasks_created), 0) AS n FROM org_usage WHERE org_id = $1', orgId),
  });

  it('renumbers an embedded statement after the host statement parameters', () => {
    expect(shiftParameters('SELECT $1::text, $12 FROM x WHERE y = $2', 28)).toBe(
      'SELECT $29::text, $40 FROM x WHERE y = $30',
    );
  });

  it("takes pg-boss's job INSERT instead of running it", async () => {
    const statement = await jobsOf(tasksOf(newId(), 1));
    expect(statement.text).toMatch(/^\s*INSERT INTO pgboss\./);
    expect(statement.values).toHaveLength(1);
    expect(Number((await db.query('SELECT count(*) AS n FROM pgboss.job'))[0].n)).toBe(0);
  });

  it('writes the rows of two orgs in the order given, each with its job, counts them and wakes the dispatchers once', async () => {
    const { org: a } = await make.org(db, keys);
    const { org: b } = await make.org(db, keys);
    const tasks = [...tasksOf(a.id, 3), ...tasksOf(b.id, 2)];
    const listener = new pg.Client({ connectionString: fixture.database.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query(`LISTEN ${Channel.TasksReady}`);
    try {
      const rows = await insertTaskBatch(db.manager, {
        tasks,
        jobs: await jobsOf(tasks),
        wake: true,
        tasksPerMonth: { free: 100 },
      });
      expect(rows.map((row) => row.id)).toEqual(tasks.map((task) => task.id));
      expect(rows.map((row) => row.jobId)).toEqual(tasks.map((task) => task.jobId));
      expect(await state(a.id)).toEqual({ tasks: 3, jobs: 3, used: 3 });
      expect(await state(b.id)).toEqual({ tasks: 2, jobs: 2, used: 2 });
      // A NOTIFY committed after the batch arrives after all of the batch's (delivery follows commit order).
      await db.query(`SELECT pg_notify($1, 'marker')`, [Channel.TasksReady]);
      await until(() => heard.includes('marker'), { what: 'the marker NOTIFY' });
      expect(heard).toEqual(['created', 'marker']);
    } finally {
      await listener.end();
    }
  });

  it('keeps nothing of a statement that takes an org over its quota, and counts the rest after', async () => {
    const { org } = await make.org(db, keys);
    const quota = { free: 3 };
    const first = tasksOf(org.id, 2);
    await insertTaskBatch(db.manager, { tasks: first, jobs: await jobsOf(first), wake: false, tasksPerMonth: quota });
    const over = tasksOf(org.id, 2);
    const error = await insertTaskBatch(db.manager, {
      tasks: over,
      jobs: await jobsOf(over),
      wake: false,
      tasksPerMonth: quota,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(ErrorCode.QUOTA_EXCEEDED);
    expect((error as AppError).message).toContain('"free" plan allows 3 tasks');
    expect(await state(org.id)).toEqual({ tasks: 2, jobs: 2, used: 2 });
    const last = tasksOf(org.id, 1);
    await insertTaskBatch(db.manager, { tasks: last, jobs: await jobsOf(last), wake: false, tasksPerMonth: quota });
    expect(await state(org.id)).toEqual({ tasks: 3, jobs: 3, used: 3 });
  });
});
