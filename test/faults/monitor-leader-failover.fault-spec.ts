import {
  createTestDataSource,
  schedulerLeaderAmong,
  make,
  startService,
  waitFor,
  type RunningService,
  type TestDataSource,
} from '@hourglass/testing';
import { serviceEnv } from '../system/api-client.js';
import { crashed, reportFigures } from './fault-kit.js';

const MONITORS = 100;
const SLOW = 180_000;

/**
 * Heartbeat monitors whose grace runs out while the scheduler leader is SIGKILLed twice (the first
 * time with every monitor overdue and nobody leading, the second mid-evaluation): each monitor
 * raises exactly one monitor.down event and has exactly one incident, not zero and not two.
 */
describe('fault: scheduler leader failover while monitors are overdue', () => {
  let source: TestDataSource;
  const services: RunningService[] = [];

  beforeAll(async () => {
    source = await createTestDataSource();
  }, SLOW);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
    await source.close();
  }, SLOW);

  it(
    'raises one monitor.down per monitor across two leader kills',
    async () => {
      const { db, database } = source;
      const { env } = serviceEnv(database.url, { LEADER_RETRY_MS: '500' });
      const schedulers = [await startService('scheduler', env), await startService('scheduler', env)];
      services.push(...schedulers);
      const { org } = await make.org(db);
      const leader = () => schedulerLeaderAmong(schedulers);
      const killed = new Set<RunningService>();
      const kill = async (victim: RunningService) => {
        killed.add(victim);
        await victim.kill('SIGKILL');
        const standby = await startService('scheduler', env);
        schedulers.push(standby);
        services.push(standby);
      };

      await kill((await leader())!);
      // Late heartbeats whose grace ends from 1 s ago to 4 s ahead, written while no leader may be running.
      const made: { id: string; deadline: Date }[] = await db.query(
        `INSERT INTO monitors (id, org_id, name, type, status, every_ms, grace_ms, badge_token, last_ping_at,
           next_deadline_at, deadline_kind)
         SELECT gen_random_uuid(), $1, 'm' || i, 'heartbeat', 'late', 60000, 1000, md5(random()::text) || i,
           now() - interval '61 seconds', now() - interval '1 second' + i * interval '50 milliseconds', 'down'
           FROM generate_series(1, $2::int) AS i
         RETURNING id, next_deadline_at AS deadline`,
        [org.id, MONITORS],
      );
      await db.query(`SELECT pg_notify('hourglass_monitors_changed', '')`);
      await kill((await leader())!);
      await leader();

      await waitFor(
        async () => (await db.query(`SELECT count(*)::int AS n FROM monitors WHERE status = 'down'`))[0].n as number,
        (n) => n === MONITORS,
        { timeoutMs: 60_000, intervalMs: 200, what: 'every monitor down' },
      );
      const events: { id: string; n: number; first: Date }[] = await db.query(
        `SELECT m.id, count(e.id)::int AS n, min(e.created_at) AS first
           FROM monitors m LEFT JOIN notification_events e ON e.subject_id = m.id AND e.event = 'monitor.down'
          GROUP BY m.id`,
      );
      const incidents: { n: number }[] = await db.query(
        `SELECT count(i.id)::int AS n FROM monitors m LEFT JOIN monitor_incidents i ON i.monitor_id = m.id GROUP BY m.id`,
      );
      expect(events).toHaveLength(MONITORS);
      expect(events.filter((e) => e.n !== 1)).toEqual([]);
      expect(incidents.filter((i) => i.n !== 1)).toEqual([]);
      expect(crashed(services.filter((s) => !killed.has(s)))).toEqual([]);

      const deadlines = new Map(made.map((m) => [m.id, m.deadline.getTime()]));
      const lateness = events.map((e) => e.first.getTime() - deadlines.get(e.id)!).sort((a, b) => a - b);
      reportFigures('monitor-leader-failover', {
        monitors: MONITORS,
        kills: 2,
        downEvents: events.reduce((n, e) => n + e.n, 0),
        duplicated: events.filter((e) => e.n > 1).length,
        lost: events.filter((e) => e.n === 0).length,
        latenessP50Ms: lateness[Math.floor(lateness.length / 2)]!,
        latenessMaxMs: lateness.at(-1)!,
      });
    },
    SLOW,
  );
});
