import { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { createBoss, createDataSource, ScheduleTickRepository } from '@hourglass/db';
import { jobPriority } from '@hourglass/domain';
import { Metrics } from '@hourglass/platform';
import {
  createTestDatabase,
  make,
  raisedEvents,
  until,
  type ScheduleFields,
  type TestDatabase,
  testMasterKeys,
} from '@hourglass/testing';
import { toSchedulerConfig, type SchedulerEnv } from '../config.js';
import { TickService } from './tick.service.js';

const PLANS = JSON.stringify({
  tiny: { tier: 3, minScheduleIntervalMs: 1_000, maxSchedules: 10, tasksPerMonth: 2, retentionDays: 1 },
});

describe('TickService (real Postgres)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let boss: PgBoss;
  let tick: TickService;
  let orgId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await createDataSource({ url: database.url, poolMax: 4, masterKeys: testMasterKeys() }).initialize();
    boss = createBoss(database.url, 'producer');
    await boss.start();
    // Policies at the due instant; preparing ahead has its own test below.
    const config = toSchedulerConfig({
      DATABASE_URL: database.url,
      HOURGLASS_MASTER_KEYS: testMasterKeys(),
      HOURGLASS_PLANS: PLANS,
      SCHEDULE_LOOKAHEAD_MS: 0,
    } as SchedulerEnv);
    tick = new TickService(config, db, boss, new ScheduleTickRepository(db), new Metrics('scheduler'));
    orgId = (await make.org(db)).org.id;
  });
  afterAll(async () => {
    await boss.stop({ graceful: false });
    await db.destroy();
    await database.drop();
  });

  /** A schedule whose next_run_at is `agoSeconds` in the past, by the database's clock. */
  const dueSince = async (agoSeconds: number, fields: Partial<ScheduleFields> = {}, org = orgId) => {
    const schedule = await make.schedule(db, {
      orgId: org,
      url: 'http://127.0.0.1:9/hook',
      intervalMs: 1_000,
      ...fields,
    } as ScheduleFields);
    await db.query(`UPDATE schedules SET next_run_at = now() - $2 * interval '1 second' WHERE id = $1`, [
      schedule.id,
      agoSeconds,
    ]);
    return schedule;
  };
  const tasksOf = (
    id: string,
  ): Promise<{ id: string; fire_at: Date; schedule_id: string; status: string; job_id: string | null }[]> =>
    db.query('SELECT id, fire_at, schedule_id, status, job_id FROM tasks WHERE schedule_id = $1 ORDER BY fire_at', [
      id,
    ]);
  const occurrencesOf = (
    id: string,
  ): Promise<
    {
      outcome: string;
      reason: string | null;
      skipped_count: number;
      task_id: string | null;
      lateness_ms: number | null;
    }[]
  > =>
    db.query(
      'SELECT outcome, reason, skipped_count, task_id, lateness_ms FROM schedule_occurrences WHERE schedule_id = $1 ORDER BY fire_at',
      [id],
    );
  const scheduleRow = async (id: string) =>
    (
      (await db.query('SELECT next_run_at, last_fire_at FROM schedules WHERE id = $1', [id])) as {
        next_run_at: Date;
        last_fire_at: Date | null;
      }[]
    )[0]!;

  it("creates the occurrence's task with its delivery job (priority from tier, frequency and priority), logs it, and advances", async () => {
    const schedule = await dueSince(0, {
      cron: '0 * * * *',
      intervalMs: null,
      priority: 8,
      shortestIntervalMs: 3_600_000,
    } as Partial<ScheduleFields>);
    await tick.runOnce();
    const [task] = await tasksOf(schedule.id);
    expect(task).toMatchObject({ schedule_id: schedule.id, status: 'queued' });
    const [job] = await db.query(
      `SELECT id, priority, data, group_id FROM pgboss.job WHERE name = 'deliver' AND data->>'taskId' = $1`,
      [task!.id],
    );
    // Written by the task writer as the API writes a task: the job is the one recorded in job_id.
    expect(job).toMatchObject({
      id: task!.job_id,
      priority: jobPriority(1, 3_600_000, 8),
      data: { taskId: task!.id, orgId },
      group_id: orgId,
    });
    const [occurrence] = await occurrencesOf(schedule.id);
    expect(occurrence).toMatchObject({ outcome: 'fired', task_id: task!.id });
    expect(occurrence!.lateness_ms).toBeGreaterThanOrEqual(0);
    const row = await scheduleRow(schedule.id);
    expect(row.next_run_at.getTime()).toBeGreaterThan(task!.fire_at.getTime());
    expect(row.next_run_at.getUTCMinutes()).toBe(0);
    expect(row.last_fire_at).toEqual(task!.fire_at);
  });

  it('applies the missed-run policy after a simulated downtime (grace 60 s)', async () => {
    // Every 60 s, last run 570 s ago: ten occurrences are due, only the one 30 s ago is on time.
    const make3 = (missedRuns: string) =>
      dueSince(570, { intervalMs: 60_000, shortestIntervalMs: 60_000, missedRuns } as Partial<ScheduleFields>);
    const [skip, runOnce, runAll] = [await make3('skip'), await make3('runOnce'), await make3('runAll')];
    await tick.runOnce();
    expect(await tasksOf(skip!.id)).toHaveLength(1);
    expect((await occurrencesOf(skip!.id)).filter((o) => o.outcome === 'skipped').map((o) => o.reason)).toEqual(
      Array(9).fill('missed'),
    );
    expect(await tasksOf(runOnce!.id)).toHaveLength(2);
    expect(await tasksOf(runAll!.id)).toHaveLength(10);
    for (const s of [skip!, runOnce!, runAll!]) expect(await occurrencesOf(s.id)).toHaveLength(10);
  });

  it('raises one schedule.failed for occurrences skipped late, none for late ones it still runs', async () => {
    const org = (await make.org(db)).org.id;
    const late = (missedRuns: string) =>
      dueSince(570, { intervalMs: 60_000, shortestIntervalMs: 60_000, missedRuns } as Partial<ScheduleFields>, org);
    // runAll fires its late occurrences: no failure.
    const [skip] = [await late('skip'), await late('runAll')];
    await tick.runOnce();
    // Late again on a later tick: still failing, no second alert.
    await db.query(`UPDATE schedules SET next_run_at = now() - interval '300 seconds' WHERE id = $1`, [skip.id]);
    await tick.runOnce();
    const events = await raisedEvents(db, org);
    expect(events.map((e) => [e.event, e.subjectId])).toEqual([['schedule.failed', skip.id]]);
    expect(events[0]!.payload).toMatchObject({
      severity: 'critical',
      cause: 'skipped: fired late (1 occurrence missed)',
    });
    expect(await db.query('SELECT id FROM schedules WHERE failing_since IS NOT NULL AND org_id = $1', [org])).toEqual([
      { id: skip.id },
    ]);
  });

  it('records a day of per-second occurrences as one counted skip, without enumerating them all', async () => {
    const schedule = await dueSince(86_400);
    const before = (await db.query('SELECT next_run_at FROM schedules WHERE id = $1', [schedule.id]))[0]
      .next_run_at as Date;
    await tick.runOnce();
    const occurrences = await occurrencesOf(schedule.id);
    const after = await scheduleRow(schedule.id);
    const total = occurrences.reduce((n, o) => n + o.skipped_count, 0);
    expect(total).toBe((after.next_run_at.getTime() - before.getTime()) / 1_000);
    expect(occurrences[0]).toMatchObject({ outcome: 'skipped', reason: 'missed' });
    expect(occurrences[0]!.skipped_count).toBeGreaterThan(86_000);
    expect((await tasksOf(schedule.id)).length).toBeGreaterThanOrEqual(60);
  });

  it('over quota: fires what the plan allows and logs the rest as skipped (quota)', async () => {
    const { org } = await make.org(db, 'tiny org');
    await db.query(`UPDATE organizations SET plan = 'tiny' WHERE id = $1`, [org.id]);
    const schedule = await dueSince(2.5, {}, org.id);
    await tick.runOnce();
    expect(await tasksOf(schedule.id)).toHaveLength(2);
    expect((await occurrencesOf(schedule.id)).map((o) => [o.outcome, o.reason])).toEqual([
      ['fired', null],
      ['fired', null],
      ['skipped', 'quota'],
    ]);
    const [usage] = await db.query('SELECT tasks_created FROM org_usage WHERE org_id = $1', [org.id]);
    expect(Number(usage.tasks_created)).toBe(2);
  });

  it('does not claim a paused schedule', async () => {
    const schedule = await dueSince(5, { enabled: false });
    const before = await scheduleRow(schedule.id);
    await tick.runOnce();
    expect(await tasksOf(schedule.id)).toHaveLength(0);
    expect(await scheduleRow(schedule.id)).toEqual(before);
  });

  it('overlap skip: an occurrence due while the previous run is unfinished is logged as skipped (overlap)', async () => {
    const schedule = await dueSince(0, { overlap: 'skip' });
    await tick.runOnce();
    await db.query(`UPDATE schedules SET next_run_at = now() WHERE id = $1`, [schedule.id]);
    await tick.runOnce();
    expect(await tasksOf(schedule.id)).toHaveLength(1);
    expect((await occurrencesOf(schedule.id)).map((o) => o.reason)).toEqual([null, 'overlap']);
  });

  it('overlap queue: the next occurrence waits for the previous run, then fires with its own fire time', async () => {
    const schedule = await dueSince(1.5, { overlap: 'queue' });
    await tick.runOnce();
    const [first] = await tasksOf(schedule.id);
    const waitingAt = (await scheduleRow(schedule.id)).next_run_at;
    expect(waitingAt.getTime()).toBe(first!.fire_at.getTime() + 1_000);
    await tick.runOnce();
    expect(await tasksOf(schedule.id)).toHaveLength(1);
    expect((await new ScheduleTickRepository(db).nextWake()).waiting).toBe(true);
    // Let a later occurrence come due too (by the database's clock, the one the tick uses): the
    // waiting one must still fire with its own fire time, not the latest.
    await until(
      async () =>
        (await db.query(`SELECT now() > $1::timestamptz + interval '1 second' AS due`, [waitingAt]))[0].due === true,
      { what: 'the occurrence after the waiting one to be due' },
    );
    await db.query(`UPDATE tasks SET status = 'succeeded', finished_at = now() WHERE id = $1`, [first!.id]);
    await tick.runOnce();
    const tasks = await tasksOf(schedule.id);
    expect(tasks[1]!.fire_at).toEqual(waitingAt);
  });

  it('prepares `allow` occurrences ahead (task scheduled, job released at fire_at), but not `skip`/`queue` ones', async () => {
    const ahead = new TickService(
      toSchedulerConfig({
        DATABASE_URL: database.url,
        HOURGLASS_MASTER_KEYS: testMasterKeys(),
        SCHEDULE_LOOKAHEAD_MS: 2_000,
      } as SchedulerEnv),
      db,
      boss,
      new ScheduleTickRepository(db),
      new Metrics('scheduler-ahead'),
    );
    const allow = await dueSince(-1.5, { intervalMs: 60_000 });
    const skip = await dueSince(-1.5, { intervalMs: 60_000, overlap: 'skip' } as Partial<ScheduleFields>);
    const result = await ahead.runOnce();
    const [task] = await tasksOf(allow.id);
    expect(task).toMatchObject({ status: 'scheduled' });
    expect(result.prepared.map((d) => d.getTime())).toContain(task!.fire_at.getTime());
    const [job] = await db.query(`SELECT start_after FROM pgboss.job WHERE name = 'deliver' AND data->>'taskId' = $1`, [
      task!.id,
    ]);
    expect((job.start_after as Date).getTime()).toBe(task!.fire_at.getTime());
    const [occurrence] = await occurrencesOf(allow.id);
    expect(occurrence!.lateness_ms).toBeLessThan(0);
    expect(await tasksOf(skip.id)).toHaveLength(0);
  });
});
