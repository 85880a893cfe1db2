import {
  createTestDataSource,
  schedulerLeaderAmong,
  make,
  startHttpSink,
  startService,
  type HttpSink,
  type RunningService,
  type TestDataSource,
} from '@hourglass/testing';
import { serviceEnv } from '../system/api-client.js';
import { crashed, duplicatedIn, hitsByWebhookId, reportFigures } from './fault-kit.js';

const SCHEDULES = 5;
const KILLS = 3;
/** How long each leader fires before it is killed. */
const LEAD_FOR_MS = 3_000;
const SLOW = 180_000;

interface Fired {
  expected: number;
  tasks: number;
  distinctFireTimes: number;
  missing: number;
  skipped: number;
}

/**
 * Per-second schedules while the scheduler leader is SIGKILLed three times (each victim replaced by
 * a fresh standby): every expected fire time between the schedule's first and its next has exactly
 * one task (or was skipped by policy), and each task reaches the target once.
 */
describe('fault: SIGKILL of the scheduler leader while schedules fire every second', () => {
  let source: TestDataSource;
  let sink: HttpSink;
  const services: RunningService[] = [];

  beforeAll(async () => {
    source = await createTestDataSource();
    sink = await startHttpSink();
  }, SLOW);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
    await sink.close();
    await source.close();
  }, SLOW);

  it(
    'fires every occurrence exactly once across three leader kills',
    async () => {
      const { db, database } = source;
      const { env } = serviceEnv(database.url, { LEADER_RETRY_MS: '500' });
      services.push(await startService('dispatcher', env));
      const schedulers = [await startService('scheduler', env), await startService('scheduler', env)];
      services.push(...schedulers);
      const { org } = await make.org(db);
      const made = [];
      for (let i = 0; i < SCHEDULES; i++)
        made.push(await make.schedule(db, { orgId: org.id, url: `${sink.url}/tick`, cron: '* * * * * *' }));
      await db.query(`SELECT pg_notify('hourglass_schedules_changed', $1)`, [made[0]!.id]);

      const leader = () => schedulerLeaderAmong(schedulers);
      const failovers: number[] = [];
      const killed = new Set<RunningService>();
      for (let kill = 0; kill < KILLS; kill++) {
        const victim = (await leader())!;
        await new Promise((resolve) => setTimeout(resolve, LEAD_FOR_MS));
        killed.add(victim);
        await victim.kill('SIGKILL');
        const killedAt = Date.now();
        await leader();
        failovers.push(Date.now() - killedAt);
        const standby = await startService('scheduler', env);
        schedulers.push(standby);
        services.push(standby);
      }
      await new Promise((resolve) => setTimeout(resolve, LEAD_FOR_MS));
      // Disabling waits for the row locks of a tick in progress: once it commits, no claim can add tasks.
      await db.query('UPDATE schedules SET enabled = false');

      const rows = (await db.query(
        `SELECT count(g.at)::int AS expected,
                (SELECT count(*) FROM tasks t WHERE t.schedule_id = s.id)::int AS tasks,
                (SELECT count(DISTINCT t.fire_at) FROM tasks t WHERE t.schedule_id = s.id)::int AS "distinctFireTimes",
                count(g.at) FILTER (WHERE NOT EXISTS (
                  SELECT 1 FROM tasks t WHERE t.schedule_id = s.id AND t.fire_at = g.at))::int AS missing,
                (SELECT coalesce(sum(skipped_count), 0) FROM schedule_occurrences o
                  WHERE o.schedule_id = s.id AND o.outcome = 'skipped')::int AS skipped
           FROM schedules s
           JOIN unnest($1::uuid[], $2::timestamptz[]) AS u(id, first_at) ON u.id = s.id
           CROSS JOIN LATERAL generate_series(u.first_at, s.next_run_at - interval '1 second', interval '1 second') AS g(at)
          GROUP BY s.id`,
        [made.map((s) => s.id), made.map((s) => s.nextRunAt)],
      )) as Fired[];
      expect(rows).toHaveLength(SCHEDULES);
      for (const row of rows) {
        expect(row.expected).toBeGreaterThan(KILLS * (LEAD_FOR_MS / 1_000));
        expect(row.tasks).toBe(row.distinctFireTimes);
        expect(row.missing).toBe(row.skipped);
        expect(row.tasks + row.skipped).toBe(row.expected);
      }
      const total = rows.reduce((n, r) => n + r.tasks, 0);
      await sink.waitFor(total, (r) => r.path === '/tick', 60_000);
      const hits = hitsByWebhookId(sink);
      expect(hits.size).toBe(total);
      expect(duplicatedIn(hits)).toBe(0);
      expect(crashed(services.filter((s) => !killed.has(s)))).toEqual([]);

      reportFigures('scheduler-leader-kill', {
        schedules: SCHEDULES,
        kills: KILLS,
        failoverMs: failovers.join('/'),
        expectedOccurrences: rows.reduce((n, r) => n + r.expected, 0),
        fired: total,
        skipped: rows.reduce((n, r) => n + r.skipped, 0),
        duplicated: 0,
        lost: 0,
      });
    },
    SLOW,
  );
});
