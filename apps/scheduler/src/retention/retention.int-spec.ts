import { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import {
  FIRST_ORG,
  IdempotencyRepository,
  newId,
  OrganizationRepository,
  Queue,
  RetentionRepository,
} from '@hourglass/db';
import { DEFAULT_PLANS } from '@hourglass/domain';
import { make } from '@hourglass/testing';
import { type RetentionFixture, retentionService, startRetentionFixture } from './retention.fixture.js';
import type { RetentionService } from './retention.service.js';

const DAY = 86_400_000;

/** A UUID v7 made `daysAgo` days ago, as newId() would have made it then. */
function idFrom(daysAgo: number): string {
  const hex = Math.floor(Date.now() - daysAgo * DAY)
    .toString(16)
    .padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}${newId().slice(13)}`;
}

describe('retention (real Postgres, two orgs on different plans)', () => {
  let setup: RetentionFixture;
  let db: DataSource;
  let boss: PgBoss;
  let retention: RetentionService;

  beforeAll(async () => {
    // Batches of 2: every table needs several batches, and they cross from one org to the next.
    setup = await startRetentionFixture({ RETENTION_BATCH_SIZE: 2 });
    ({ db, boss, retention } = setup);
  });
  afterAll(() => setup.close());

  /** An org on `plan`, with that plan's retention, as the API creates it. */
  async function orgOn(plan: 'free' | 'pro'): Promise<string> {
    const { org } = await make.org(db, plan);
    await db.query('UPDATE organizations SET plan = $2, retention_days = $3 WHERE id = $1', [
      org.id,
      plan,
      DEFAULT_PLANS[plan]!.retentionDays,
    ]);
    return org.id;
  }

  /**
   * A task created `createdDaysAgo` days ago, finished `finishedDaysAgo` days ago (null: unfinished), with two
   * attempts.
   */
  async function task(
    orgId: string,
    status: string,
    createdDaysAgo: number,
    finishedDaysAgo: number | null,
    jobId: string | null = null,
  ): Promise<string> {
    const id = idFrom(createdDaysAgo);
    const created = new Date(Date.now() - createdDaysAgo * DAY);
    const finished = finishedDaysAgo === null ? null : new Date(Date.now() - finishedDaysAgo * DAY);
    await db.query(
      `INSERT INTO tasks (id, org_id, status, url, method, timeout_ms, run_at, max_attempts, attempt_count, created_at,
                          updated_at, finished_at, job_id)
       VALUES ($1, $2, $3, 'http://127.0.0.1:9/x', 'POST', 30000, $4, 3, 2, $4, $4, $5, $6)`,
      [id, orgId, status, created, finished, jobId],
    );
    for (const number of [1, 2]) {
      await db.query(
        `INSERT INTO attempts (id, task_id, org_id, number, outcome, status_code, duration_ms, started_at, finished_at)
         VALUES ($1, $2, $3, $4, 'retryable', 500, 1, $5, $5)`,
        [newId(), id, orgId, number, created],
      );
    }
    return id;
  }

  /** A delivery job for `taskId` in `state`; its id is returned. */
  async function job(taskId: string, orgId: string, state: 'created' | 'active' | 'completed'): Promise<string> {
    const id = (await boss.send(
      Queue.Deliver,
      { taskId, orgId },
      { id: newId(), startAfter: new Date(Date.now() + DAY) },
    ))!;
    if (state !== 'created') await db.query(`UPDATE pgboss.job SET state = $2 WHERE id = $1`, [id, state]);
    return id;
  }

  async function schedule(orgId: string, versions: number[], olderDaysAgo: number): Promise<string> {
    const s = await make.schedule(db, { orgId, url: 'http://127.0.0.1:9/s', cron: '0 0 * * *' });
    for (const version of versions) {
      await db.query(
        `INSERT INTO schedule_versions (id, schedule_id, org_id, version, change, snapshot, created_at)
         VALUES ($1, $2, $3, $4, 'updated', '{}', $5)`,
        [idFrom(olderDaysAgo), s.id, orgId, version, new Date(Date.now() - olderDaysAgo * DAY)],
      );
    }
    await db.query('UPDATE schedules SET version = $2 WHERE id = $1', [s.id, Math.max(...versions)]);
    return s.id;
  }

  async function occurrence(scheduleId: string, orgId: string, daysAgo: number, taskId: string | null) {
    await db.query(
      `INSERT INTO schedule_occurrences (id, schedule_id, org_id, fire_at, outcome, task_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $4)`,
      [
        idFrom(daysAgo),
        scheduleId,
        orgId,
        new Date(Date.now() - daysAgo * DAY + Math.random() * 1_000),
        taskId ? 'fired' : 'skipped',
        taskId,
      ],
    );
  }

  /** An audit entry made `daysAgo` days ago. */
  async function audited(orgId: string, daysAgo: number): Promise<string> {
    const id = idFrom(daysAgo);
    await db.query(
      `INSERT INTO audit_log (id, org_id, at, actor_type, actor_id, action, resource_type, resource_id)
       VALUES ($1::uuid, $2, $3, 'admin', 'admin', 'task.created', 'task', $1::text)`,
      [id, orgId, new Date(Date.now() - daysAgo * DAY)],
    );
    return id;
  }

  const ids = async (sql: string): Promise<Set<string>> =>
    new Set(((await db.query(sql)) as { id: string }[]).map((r) => r.id));
  const everything = async () => ({
    tasks: await ids('SELECT id FROM tasks'),
    attempts: await ids('SELECT DISTINCT task_id AS id FROM attempts'),
    occurrences: await ids('SELECT id FROM schedule_occurrences'),
    versions: await ids(`SELECT schedule_id || ':' || version AS id FROM schedule_versions`),
    idempotencyKeys: await ids('SELECT key AS id FROM idempotency_keys'),
    auditLog: await ids('SELECT id FROM audit_log'),
  });

  it("deletes by each org's plan retention, keeps what is unfinished, has a live job or is current, and a second pass is a no-op", async () => {
    const free = await orgOn('free'); // 7 days
    const pro = await orgOn('pro'); // 30 days
    const kept: Record<string, string[]> = { tasks: [], occurrences: [], versions: [], audit: [] };
    const gone: Record<string, string[]> = { tasks: [], occurrences: [], versions: [], audit: [] };

    for (const org of [free, pro]) {
      // Past both retentions: gone in both orgs, with their attempts.
      for (const status of ['succeeded', 'failed', 'cancelled']) gone.tasks.push(await task(org, status, 41, 40));
      // A delivered task whose job pg-boss completed is finished for good.
      const delivered = await task(org, 'succeeded', 41, 40);
      await job(delivered, org, 'completed');
      gone.tasks.push(delivered);
      // Ten days old: past the free plan's 7 days, inside the pro plan's 30.
      (org === free ? gone : kept).tasks.push(await task(org, 'succeeded', 11, 10));
      // Finished yesterday: kept by both.
      kept.tasks.push(await task(org, 'succeeded', 2, 1));
      // Created long ago, never finished: never deleted.
      for (const status of ['scheduled', 'queued', 'running', 'retrying'])
        kept.tasks.push(await task(org, status, 41, null));
      // Cancelled long ago, but its pending job is still in pg-boss (found by payload; job_id not recorded).
      const pending = await task(org, 'cancelled', 41, 40);
      await job(pending, org, 'created');
      kept.tasks.push(pending);
      // Failed long ago, and a dispatcher holds its (recorded) job right now.
      const jobId = newId();
      const held = await task(org, 'failed', 41, 40, jobId);
      await boss.send(Queue.Deliver, { taskId: held, orgId: org }, { id: jobId });
      await db.query(`UPDATE pgboss.job SET state = 'active' WHERE id = $1`, [jobId]);
      kept.tasks.push(held);

      // Versions: 1 and 2 superseded long ago; 3 is current however old it is.
      const history = await schedule(org, [1, 2, 3], 40);
      gone.versions.push(`${history}:1`, `${history}:2`);
      kept.versions.push(`${history}:3`);
      const untouched = await schedule(org, [1], 40);
      kept.versions.push(`${untouched}:1`);
      const recent = await schedule(org, [1, 2], 10);
      (org === free ? gone : kept).versions.push(`${recent}:1`);
      kept.versions.push(`${recent}:2`);

      // Occurrences: by fire time; one whose task still runs stays with it.
      await occurrence(history, org, 40, null);
      await occurrence(history, org, 40, gone.tasks.at(-1)!);
      await occurrence(history, org, 10, null);
      const running = await task(org, 'running', 41, null);
      kept.tasks.push(running);
      await occurrence(history, org, 40, running);
      await occurrence(history, org, 1, null);

      // Audit entries by the plan's auditRetentionDays (free 30, pro 365), not its retentionDays.
      gone.audit.push(await audited(org, 400));
      (org === free ? gone : kept).audit.push(await audited(org, 40));
      kept.audit.push(await audited(org, 20));
    }
    const occurrences = (await db.query(
      `SELECT o.id, o.org_id, o.fire_at < now() - make_interval(days => org.retention_days) AS old,
              t.status IS NOT NULL AND t.finished_at IS NULL AS unfinished
         FROM schedule_occurrences o JOIN organizations org ON org.id = o.org_id LEFT JOIN tasks t ON t.id = o.task_id`,
    )) as { id: string; old: boolean; unfinished: boolean }[];
    for (const o of occurrences) (o.old && !o.unfinished ? gone : kept).occurrences.push(o.id);
    expect(gone.occurrences).toHaveLength(5); // 40-day ×2 in both orgs, 10-day in the free org
    expect(kept.occurrences).toHaveLength(5);

    const idempotency = new IdempotencyRepository(db);
    for (const key of ['old-1', 'old-2', 'old-3', 'fresh']) await idempotency.claim(free, key, Buffer.from(key));
    await db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key LIKE 'old-%'`);

    const pass = await retention.runOnce();
    expect(pass).toEqual({
      tasks: gone.tasks.length,
      attempts: 2 * gone.tasks.length,
      scheduleOccurrences: gone.occurrences.length,
      scheduleVersions: gone.versions.length,
      idempotencyKeys: 3,
      auditLog: gone.audit.length,
      inboundEvents: 0,
      inboundDedupKeys: 0,
      monitorPings: 0,
      monitorChecks: 0,
      deletedOrgRows: 0,
      rewrappedDataKeys: 0,
      resealedRows: 0,
      retiredDataKeys: 0,
    });

    const left = await everything();
    expect(left.tasks).toEqual(new Set(kept.tasks));
    expect(left.attempts).toEqual(new Set(kept.tasks));
    expect(left.occurrences).toEqual(new Set(kept.occurrences));
    expect(left.versions).toEqual(new Set(kept.versions));
    expect(left.idempotencyKeys).toEqual(new Set(['fresh']));
    expect(left.auditLog).toEqual(new Set(kept.audit));

    expect(await retention.runOnce()).toEqual({
      tasks: 0,
      attempts: 0,
      scheduleOccurrences: 0,
      scheduleVersions: 0,
      idempotencyKeys: 0,
      auditLog: 0,
      inboundEvents: 0,
      inboundDedupKeys: 0,
      monitorPings: 0,
      monitorChecks: 0,
      deletedOrgRows: 0,
      rewrappedDataKeys: 0,
      resealedRows: 0,
      retiredDataKeys: 0,
    });
    expect(await everything()).toEqual(left);
  });

  it('skips a task another transaction holds instead of waiting for it, and takes it on the next pass', async () => {
    const org = await orgOn('free');
    const held = await task(org, 'succeeded', 41, 40);
    const free = await task(org, 'succeeded', 41, 40);
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query('SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE', [held]);
      expect((await retention.runOnce()).tasks).toBe(1);
      expect(await ids(`SELECT id FROM tasks WHERE org_id = '${org}'`)).toEqual(new Set([held]));
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect((await retention.runOnce()).tasks).toBe(1);
    expect(await ids(`SELECT id FROM tasks WHERE id IN ('${held}', '${free}')`)).toEqual(new Set());
  });

  it("keeps a task whose recorded job became live after the pass's read of live jobs", async () => {
    const org = await orgOn('free');
    const jobId = newId();
    const cancelled = await task(org, 'cancelled', 41, 40, jobId);
    const repo = new RetentionRepository(db);
    const keep = await repo.tasksWithLiveJobs();
    await boss.send(Queue.Deliver, { taskId: cancelled, orgId: org }, { id: jobId });
    // `keep` was read before the job existed: the batch's own check of job_id still finds it.
    expect((await repo.deleteTasks(10, FIRST_ORG, keep)).deleted).toBe(0);
    expect(await ids(`SELECT id FROM tasks WHERE id = '${cancelled}'`)).toEqual(new Set([cancelled]));
  });

  it("purges a deleted org's rows in batches whatever their age, then the org row; another org keeps everything", async () => {
    const [gone, kept] = [await orgOn('free'), await orgOn('free')];
    for (const org of [gone, kept]) {
      for (let i = 0; i < 3; i++) await task(org, 'queued', 0, null);
      const s = await schedule(org, [1, 2], 0);
      await occurrence(s, org, 0, null);
      await new IdempotencyRepository(db).claim(org, `k-${org}`, Buffer.from('r'));
      for (const daysAgo of [0, 1]) await audited(org, daysAgo);
      const channel = newId();
      await db.query(
        `INSERT INTO notification_channels (id, org_id, name, type, target, events) VALUES ($1, $2, 'c', 'webhook', $3, '{task.failed}')`,
        [channel, org, Buffer.from('sealed')],
      );
      await db.query(
        `INSERT INTO notification_events (id, org_id, event, subject_type, payload) VALUES ($1, $2, 'task.failed', 'task', $3)`,
        [newId(), org, Buffer.from('sealed')],
      );
      await db.query(
        `INSERT INTO notifications (id, org_id, channel_id, event, event_ids) VALUES ($1, $2, $3, 'task.failed', '{}')`,
        [newId(), org, channel],
      );
    }
    const before = await everything();
    await db.transaction((em) => new OrganizationRepository(db).markDeleted(gone, em));

    const pass = await retention.runOnce();
    // 3 tasks + 6 attempts, 1 occurrence, 2 versions, 1 schedule, 1 idempotency key, 2 audit entries,
    // 1 notification, 1 notification event, 1 channel, the org row.
    expect(pass.deletedOrgRows).toBe(20);
    expect(await ids('SELECT id FROM organizations')).not.toContain(gone);
    for (const table of [
      'tasks',
      'attempts',
      'schedules',
      'schedule_occurrences',
      'schedule_versions',
      'api_keys',
      'audit_log',
      'notifications',
      'notification_events',
      'notification_channels',
    ])
      expect(await ids(`SELECT org_id AS id FROM ${table} WHERE org_id = '${gone}'`)).toEqual(new Set());
    const left = await everything();
    expect(left.tasks.size).toBe(before.tasks.size - 3);
    expect(left.auditLog.size).toBe(before.auditLog.size - 2);
    expect([...left.idempotencyKeys]).toEqual([...before.idempotencyKeys].filter((k) => k !== `k-${gone}`));
    expect((await retention.runOnce()).deletedOrgRows).toBe(0);
  });

  it('stops between batches once leadership is lost', async () => {
    const org = await orgOn('free');
    for (let i = 0; i < 6; i++) await task(org, 'succeeded', 41, 40);
    const losing = { leading: true };
    let batches = 0;
    const repo = new RetentionRepository(db);
    const counted = Object.assign(Object.create(repo) as RetentionRepository, {
      deleteTasks: async (...args: Parameters<RetentionRepository['deleteTasks']>) => {
        if (++batches === 2) losing.leading = false;
        return repo.deleteTasks(...args);
      },
    });
    const service = retentionService(setup.fixture, { RETENTION_BATCH_SIZE: 2 }, { repo: counted, leader: losing });
    expect((await service.runOnce()).tasks).toBe(4);
    expect(batches).toBe(2);
  });
});
