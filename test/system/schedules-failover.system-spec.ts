import { createDataSource } from '@hourglass/db';
import {
  createTestDatabase,
  isSchedulerLeader as leading,
  make,
  startHttpSink,
  startService,
  type HttpSink,
  type RunningService,
  type TestDatabase,
  until,
  testMasterKeys,
} from '@hourglass/testing';
import type { DataSource } from 'typeorm';

/**
 * Two scheduler processes (leader + standby) and a dispatcher on one database, per-second
 * schedules, and the leader killed with SIGKILL: the standby takes over and every fire time
 * between start and end has exactly one task, delivered once with hourglass-schedule-id.
 */
const SLOW = 120_000;
const SCHEDULES = 10;
const FAILOVER_LIMIT_MS = 15_000;

describe('system: scheduler failover', () => {
  let database: TestDatabase;
  let db: DataSource;
  let sink: HttpSink;
  const services: RunningService[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await createDataSource({ url: database.url, poolMax: 2, masterKeys: testMasterKeys() }).initialize();
    sink = await startHttpSink();
  }, SLOW);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
    await db.destroy();
    await sink.close();
    await database.drop();
  }, SLOW);

  it(
    'the standby takes over within 15 s after SIGKILL of the leader; no occurrence is lost or doubled',
    async () => {
      const env = {
        DATABASE_URL: database.url,
        HOURGLASS_MASTER_KEYS: testMasterKeys(),
        HOURGLASS_LOCAL_MODE: 'true',
        LEADER_RETRY_MS: '1000',
        DISPATCHER_POLL_MS: '200',
      };
      const start = async (name: RunningService['name']) => services[services.push(await startService(name, env)) - 1]!;
      await start('dispatcher');
      const first = await start('scheduler');
      await until(() => leading(first), { timeoutMs: 10_000, what: 'the first scheduler to lead' });
      const standby = await start('scheduler');

      const { org } = await make.org(db);
      const made = [];
      for (let i = 0; i < SCHEDULES; i++)
        made.push(await make.schedule(db, { orgId: org.id, url: `${sink.url}/tick`, cron: '* * * * * *' }));
      const ids = made.map((s) => s.id);
      await db.query(`SELECT pg_notify('hourglass_schedules_changed', $1)`, [ids[0]]);

      /** Every schedule has at least `n` tasks, by the database (a schedule fires once a second). */
      const everyScheduleFired = (n: number) => async () =>
        (
          (await db.query(
            `SELECT count(*)::int AS n FROM unnest($1::uuid[]) AS s(id)
              WHERE (SELECT count(*) FROM tasks t WHERE t.schedule_id = s.id) >= $2`,
            [ids, n],
          )) as { n: number }[]
        )[0]!.n === ids.length;
      // A few occurrences under the first leader, while the standby keeps retrying (every second) and is refused.
      await until(everyScheduleFired(4), { timeoutMs: 20_000, what: 'four occurrences of every schedule' });
      expect(await leading(standby)).toBe(false);
      await first.kill('SIGKILL');
      const failoverMs = await until(() => leading(standby), {
        timeoutMs: FAILOVER_LIMIT_MS,
        what: 'the standby to take over',
      });
      const [{ n: fired }] = (await db.query(
        `SELECT coalesce(max(c), 0)::int AS n FROM (SELECT count(*) AS c FROM tasks GROUP BY schedule_id) g`,
      )) as { n: number }[];
      // A few more under the new leader. Disabling waits for the row locks of any tick in progress,
      // so once it commits, no claim made before it can still add tasks.
      await until(everyScheduleFired(fired + 4), {
        timeoutMs: 20_000,
        what: 'four more occurrences under the new leader',
      });
      await db.query('UPDATE schedules SET enabled = false');

      const rows = (await db.query(
        `
      SELECT s.id, extract(epoch FROM s.next_run_at - u.started_at)::int AS expected,
             (SELECT count(*) FROM tasks t WHERE t.schedule_id = s.id)::int AS tasks,
             (SELECT coalesce(sum(skipped_count), 0) FROM schedule_occurrences o WHERE o.schedule_id = s.id AND o.outcome = 'skipped')::int AS skipped
        FROM schedules s JOIN unnest($1::uuid[], $2::timestamptz[]) AS u(id, started_at) ON u.id = s.id`,
        [ids, made.map((s) => s.nextRunAt)],
      )) as { id: string; expected: number; tasks: number; skipped: number }[];
      // Largest gap between consecutive task creations: the time nobody fired.
      const [{ gap }] = (await db.query(`SELECT (extract(epoch FROM max(d)) * 1000)::float8 AS gap FROM (
      SELECT created_at - lag(created_at) OVER (ORDER BY created_at) AS d FROM tasks) g`)) as { gap: number }[];
      process.stderr.write(
        `failover: standby leading ${failoverMs} ms after SIGKILL; largest gap between fired tasks ${Math.round(gap)} ms\n`,
      );
      expect(failoverMs).toBeLessThan(FAILOVER_LIMIT_MS);
      expect(gap).toBeLessThan(FAILOVER_LIMIT_MS);
      for (const row of rows) {
        expect(row.expected).toBeGreaterThan(6);
        expect(row.tasks + row.skipped).toBe(row.expected);
      }
      const [{ n: duplicateJobs }] = (await db.query(`SELECT count(*)::int AS n FROM (
      SELECT data->>'taskId' FROM pgboss.job WHERE name = 'deliver' GROUP BY 1 HAVING count(*) > 1) d`)) as {
        n: number;
      }[];
      expect(duplicateJobs).toBe(0);

      const total = rows.reduce((n, r) => n + r.tasks, 0);
      const hits = await sink.waitFor(total, (r) => r.path === '/tick', 60_000);
      expect(new Set(hits.map((h) => h.headers['webhook-id'])).size).toBe(total);
      expect(new Set(hits.map((h) => h.headers['hourglass-schedule-id']))).toEqual(new Set(ids));
    },
    SLOW,
  );
});
