import pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { DataSource } from 'typeorm';
import { Channel, createBoss, enqueueTasks, newId, reserveQuota, writeTasks, type TaskWrite } from '@hourglass/db';
import { AppError, ErrorCode, TaskStatus } from '@hourglass/domain';
import { createTestDataSource, make, newTaskWrite, until, type TestDataSource } from './index.js';

describe('the task writer: tasks, jobs, quota and NOTIFY in one statement', () => {
  let fixture: TestDataSource;
  let db: DataSource;
  let boss: PgBoss;

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

  const writesOf = (orgId: string, n: number, fields: object = {}): TaskWrite[] =>
    Array.from({ length: n }, (_, i) => newTaskWrite({ orgId, url: `https://example.com/${i}`, ...fields }));
  const count = async (sql: string, orgId: string) => Number((await db.query(sql, [orgId]))[0].n);
  const state = async (orgId: string) => ({
    tasks: await count('SELECT count(*) AS n FROM tasks WHERE org_id = $1', orgId),
    jobs: await count(`SELECT count(*) AS n FROM pgboss.job WHERE data->>'orgId' = $1::text`, orgId),
    used: await count('SELECT coalesce(sum(tasks_created), 0) AS n FROM org_usage WHERE org_id = $1', orgId),
  });
  /** Every task of the org with its job as the writer must leave it: job id = job_id, the task's options. */
  const jobsOf = (orgId: string) =>
    db.query(
      `SELECT t.id, t.job_id, j.id AS job, j.priority, j.group_id, j.expire_seconds, j.data, j.start_after, t.run_at
         FROM tasks t LEFT JOIN pgboss.job j ON j.id = t.job_id WHERE t.org_id = $1 ORDER BY t.id`,
      [orgId],
    );
  const listen = async () => {
    const listener = new pg.Client({ connectionString: fixture.database.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query(`LISTEN ${Channel.TasksReady}`);
    return { heard, end: () => listener.end() };
  };
  /** What the listener heard once a marker NOTIFY sent now has arrived (notifications follow commit order). */
  const heardBefore = async (listener: Awaited<ReturnType<typeof listen>>) => {
    await db.query(`SELECT pg_notify($1, 'marker')`, [Channel.TasksReady]);
    await until(() => listener.heard.includes('marker'), { what: 'the marker NOTIFY' });
    return listener.heard.filter((payload) => payload !== 'marker');
  };

  it('writes the rows of two orgs in the order given, each with its job under its job_id, counts them and wakes once', async () => {
    const { org: a } = await make.org(db);
    const { org: b } = await make.org(db);
    const writes = [...writesOf(a.id, 3), ...writesOf(b.id, 2)];
    const listener = await listen();
    try {
      const rows = await writeTasks(db.manager, boss, writes, { quota: { enforce: { free: 100 } } });
      expect(rows.map((row) => row.id)).toEqual(writes.map((w) => w.task.id));
      expect(await state(a.id)).toEqual({ tasks: 3, jobs: 3, used: 3 });
      expect(await state(b.id)).toEqual({ tasks: 2, jobs: 2, used: 2 });
      for (const row of await jobsOf(a.id)) {
        expect(row.job).toBe(row.job_id);
        expect(row).toMatchObject({ priority: 1_094, group_id: a.id, expire_seconds: 40 });
        expect(row.data).toEqual({ taskId: row.id, orgId: a.id, priority: 1_094 });
      }
      expect(await heardBefore(listener)).toEqual(['ready']);
    } finally {
      await listener.end();
    }
  });

  it('keeps nothing of a statement that takes an org over its quota, and counts the rest after', async () => {
    const { org } = await make.org(db);
    const quota = { enforce: { free: 3 } };
    await writeTasks(db.manager, boss, writesOf(org.id, 2), { quota });
    const error = await writeTasks(db.manager, boss, writesOf(org.id, 2), { quota }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(ErrorCode.QUOTA_EXCEEDED);
    expect((error as AppError).message).toContain('"free" plan allows 3 tasks');
    expect(await state(org.id)).toEqual({ tasks: 2, jobs: 2, used: 2 });
    await writeTasks(db.manager, boss, writesOf(org.id, 1), { quota });
    expect(await state(org.id)).toEqual({ tasks: 3, jobs: 3, used: 3 });
  });

  it('counts no callback toward the quota, and refuses a counted task without a quota mode', async () => {
    const { org } = await make.org(db);
    await writeTasks(db.manager, boss, writesOf(org.id, 2, { kind: 'callback' }));
    expect(await state(org.id)).toEqual({ tasks: 2, jobs: 2, used: 0 });
    await expect(writeTasks(db.manager, boss, writesOf(org.id, 1))).rejects.toThrow(/quota mode/);
    expect(await state(org.id)).toEqual({ tasks: 2, jobs: 2, used: 0 });
  });

  it('holds a scheduled task until its runAt and sends no wake for it; a named-queue task gets no job', async () => {
    const { org } = await make.org(db);
    await db.query(`INSERT INTO queues (id, org_id, name, parallelism) VALUES ($1, $2, 'q', 1)`, [newId(), org.id]);
    const runAt = new Date(Date.now() + 3_600_000);
    const listener = await listen();
    try {
      const [scheduled] = await writeTasks(db.manager, boss, writesOf(org.id, 1, { runAt }), {
        quota: { enforce: { free: 100 } },
      });
      const [queued] = await writeTasks(db.manager, boss, writesOf(org.id, 1, { runAt, queue: 'q' }), {
        quota: { enforce: { free: 100 } },
      });
      const jobs = await jobsOf(org.id);
      expect(jobs.find((j: { id: string }) => j.id === scheduled!.id).start_after).toEqual(runAt);
      expect(queued!.jobId).toBeNull();
      expect(await state(org.id)).toEqual({ tasks: 2, jobs: 1, used: 2 });
      expect(await heardBefore(listener)).toEqual([]);
    } finally {
      await listener.end();
    }
  });

  it('skips an occurrence already written and gives back what a tick reserved but did not write', async () => {
    const { org } = await make.org(db);
    const scheduleId = newId();
    const fireAt = new Date(Date.now() + 3_600_000);
    const occurrence = () =>
      newTaskWrite({ orgId: org.id, url: 'https://example.com/s', scheduleId, fireAt, runAt: fireAt });
    await db.transaction(async (em) => {
      const reserved = new Map([[org.id, 1]]);
      expect(await reserveQuota(em, reserved, () => 100)).toEqual(new Map([[org.id, 100]]));
      await writeTasks(em, boss, [occurrence()], { quota: { reserved }, skipDuplicateOccurrences: true });
    });
    await db.transaction(async (em) => {
      const reserved = new Map([[org.id, 1]]);
      expect(await reserveQuota(em, reserved, () => 100)).toEqual(new Map([[org.id, 99]]));
      const again = await writeTasks(em, boss, [occurrence()], { quota: { reserved }, skipDuplicateOccurrences: true });
      expect(again).toEqual([]);
    });
    expect(await state(org.id)).toEqual({ tasks: 1, jobs: 1, used: 1 });
  });

  it('gives an existing task a new job recorded in its job_id, starting at its run_at when it waits', async () => {
    const { org } = await make.org(db);
    const [task] = await writeTasks(db.manager, boss, writesOf(org.id, 1), { quota: { enforce: { free: 100 } } });
    const runAt = new Date(Date.now() + 60_000);
    await db.transaction((em) =>
      enqueueTasks(em, boss, [{ task: { ...task!, status: TaskStatus.Retrying, runAt }, jobPriority: 7 }]),
    );
    const [row] = await db.query('SELECT job_id FROM tasks WHERE id = $1', [task!.id]);
    expect(row.job_id).not.toBe(task!.jobId);
    const [job] = await db.query('SELECT priority, start_after, data FROM pgboss.job WHERE id = $1', [row.job_id]);
    expect(job).toEqual({ priority: 7, start_after: runAt, data: { taskId: task!.id, orgId: org.id, priority: 7 } });
    expect(await state(org.id)).toEqual({ tasks: 1, jobs: 2, used: 1 });
  });
});
