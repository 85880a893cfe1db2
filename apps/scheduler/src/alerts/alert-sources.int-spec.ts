import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { createBoss, createDataSource, newId } from '@hourglass/db';
import { AppLogger } from '@hourglass/platform';
import { createTestDatabase, make, raisedEvents, type TestDatabase, testMasterKeys } from '@hourglass/testing';
import { toSchedulerConfig, type SchedulerEnv } from '../config.js';
import type { LeaderService } from '../leader/leader.service.js';
import { AlertSourcesService } from './alert-sources.service.js';

// A plan of 10 tasks a month: 8 is 80 %, 10 is 100 %.
const PLANS = JSON.stringify({
  free: { tier: 0, minScheduleIntervalMs: 1_000, maxSchedules: 10, tasksPerMonth: 10, retentionDays: 1 },
});
const WEEK_MS = 7 * 86_400_000;

describe('alert sources on the leader: usage thresholds and the weekly digest (real Postgres)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let boss: PgBoss;
  let alerts: AlertSourcesService;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await createDataSource({ url: database.url, poolMax: 8, masterKeys: testMasterKeys() }).initialize();
    boss = createBoss(database.url, 'producer');
    await boss.start();
    const config = toSchedulerConfig({
      DATABASE_URL: database.url,
      HOURGLASS_MASTER_KEYS: testMasterKeys(),
      HOURGLASS_PLANS: PLANS,
    } as SchedulerEnv);
    const leader = { leading: true, on: () => leader } as unknown as LeaderService;
    alerts = new AlertSourcesService(config, db, leader, new AppLogger('alerts-test', 'silent'));
  });
  afterAll(async () => {
    await boss.stop({ graceful: false });
    await db.destroy();
    await database.drop();
  });

  const createTasks = (orgId: string, n: number, url = 'http://127.0.0.1:9/hook') =>
    Promise.all(
      Array.from({ length: n }, () => make.task(db, boss, { orgId, url, runAt: new Date(Date.now() + 3_600_000) })),
    );
  const usageKeys = async (orgId: string) =>
    (await raisedEvents(db, orgId, 'usage.threshold')).map((e) => e.dedupKey).sort();

  it('raises usage.threshold once at 80 % and once at 100 % of the month, passes run concurrently, and again next month', async () => {
    const { org } = await make.org(db);
    const month = new Date().toISOString().slice(0, 7);
    await createTasks(org.id, 7);
    await alerts.runOnce();
    expect(await usageKeys(org.id)).toEqual([]);
    // Created concurrently: the crossing is read from the counter, whichever creation made it.
    await createTasks(org.id, 2);
    await Promise.all([alerts.runOnce(), alerts.runOnce(), alerts.runOnce()]);
    expect(await usageKeys(org.id)).toEqual([`usage:${month}:tasks:80`]);
    await createTasks(org.id, 1);
    await Promise.all([alerts.runOnce(), alerts.runOnce()]);
    await alerts.runOnce();
    expect(await usageKeys(org.id)).toEqual([`usage:${month}:tasks:100`, `usage:${month}:tasks:80`]);
    const [full] = await raisedEvents(db, org.id, 'usage.threshold').then((e) =>
      e.filter((x) => x.payload.threshold === 100),
    );
    expect(full!.payload).toMatchObject({
      severity: 'critical',
      metric: 'tasks',
      period: month,
      fields: { used: 10, limit: 10 },
    });

    // Rollover: what was raised and counted becomes last month's; the new month counts and alerts afresh.
    const previous = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 1));
    const lastMonth = previous.toISOString().slice(0, 7);
    await db.query(`UPDATE org_usage SET month = $2 WHERE org_id = $1`, [org.id, previous]);
    await db.query(`UPDATE notification_events SET dedup_key = replace(dedup_key, $2, $3) WHERE org_id = $1`, [
      org.id,
      month,
      lastMonth,
    ]);
    await alerts.runOnce();
    expect(await usageKeys(org.id)).toHaveLength(2);
    await createTasks(org.id, 8);
    await alerts.runOnce();
    expect(await usageKeys(org.id)).toEqual([
      `usage:${lastMonth}:tasks:100`,
      `usage:${lastMonth}:tasks:80`,
      `usage:${month}:tasks:80`,
    ]);
  });

  it('raises digest.weekly once per ISO week for orgs subscribed to it, with counts, failures and slowest targets', async () => {
    const { org: subscribed } = await make.org(db);
    const { org: other } = await make.org(db);
    const { org: disabled } = await make.org(db);
    const channel = (orgId: string, events: string[], disabledAt: Date | null = null) =>
      db.query(
        `INSERT INTO notification_channels (id, org_id, name, type, target, events, disabled_at)
         VALUES ($1, $2, 'team', 'webhook', '\\x00'::bytea, $3, $4)`,
        [newId(), orgId, events, disabledAt],
      );
    await channel(subscribed.id, ['task.failed', 'digest.weekly']);
    await channel(other.id, ['task.failed']);
    await channel(disabled.id, ['digest.weekly'], new Date());

    const [ok, slow, failed] = [
      ...(await createTasks(subscribed.id, 1, 'http://fast.example/a?k=secret')),
      ...(await createTasks(subscribed.id, 1, 'http://slow.example/b')),
      ...(await createTasks(subscribed.id, 1, 'http://fast.example/c')),
    ];
    // As the dispatcher leaves them: finished, with their attempt counts.
    const settle = (id: string, status: string, attempts: number) =>
      db.query('UPDATE tasks SET status = $2, attempt_count = $3 WHERE id = $1', [id, status, attempts]);
    await settle(ok!.id, 'succeeded', 1);
    await settle(slow!.id, 'succeeded', 1);
    await settle(failed!.id, 'failed', 2);
    const attempt = (taskId: string, n: number, outcome: string, ms: number) =>
      db.query(
        `INSERT INTO attempts (id, task_id, org_id, number, outcome, status_code, duration_ms, started_at, finished_at)
         VALUES ($1, $2, $3, $4, $5, 200, $6, now(), now())`,
        [newId(), taskId, subscribed.id, n, outcome, ms],
      );
    await attempt(ok!.id, 1, 'delivered', 20);
    await attempt(slow!.id, 1, 'delivered', 900);
    await attempt(failed!.id, 1, 'retryable', 30);
    await attempt(failed!.id, 2, 'permanent', 40);

    // Next week, the week just ended is digested; twice at once, then again: one digest.
    const nextWeek = new Date(Date.now() + WEEK_MS);
    const passes = await Promise.all([alerts.runOnce(nextWeek), alerts.runOnce(nextWeek)]);
    expect(passes.reduce((n, p) => n + p.digests, 0)).toBe(1);
    expect((await alerts.runOnce(nextWeek)).digests).toBe(0);

    const [digest, ...more] = await raisedEvents(db, subscribed.id, 'digest.weekly');
    expect(more).toEqual([]);
    expect(await raisedEvents(db, other.id, 'digest.weekly')).toEqual([]);
    expect(await raisedEvents(db, disabled.id, 'digest.weekly')).toEqual([]);
    expect(digest!.dedupKey).toMatch(/^digest:\d{4}-W\d{2}$/);
    expect(digest!.payload.digest).toMatchObject({
      counts: { created: 3, delivered: 2, failed: 2, deadLettered: 1 },
      failures: [{ name: 'one-off tasks', count: 1 }],
      slowestTargets: [
        { host: 'slow.example', p95Ms: 900, count: 1 },
        { host: 'fast.example', p95Ms: 40, count: 3 },
      ],
    });
    expect(JSON.stringify(digest!.payload)).not.toContain('secret');
    const { periodStart, periodEnd } = digest!.payload.digest!;
    expect(Date.parse(periodEnd) - Date.parse(periodStart)).toBe(WEEK_MS);
    expect(Date.parse(periodStart)).toBeLessThanOrEqual(Date.now());
    // The week after has its own digest (this one's tasks are not in it).
    const [later] = await Promise.all([alerts.runOnce(new Date(Date.now() + 2 * WEEK_MS))]);
    expect(later.digests).toBe(1);
    const digests = await raisedEvents(db, subscribed.id, 'digest.weekly');
    expect(digests[1]!.payload.digest!.counts).toMatchObject({ created: 0 });
  });
});
