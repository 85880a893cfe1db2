import pg from 'pg';
import {
  createTestDataSource,
  startHttpSink,
  startService,
  until,
  type HttpSink,
  type RunningService,
  type TestDataSource,
} from '@hourglass/testing';
import { newOrgClient, serviceEnv } from '../system/api-client.js';
import {
  crashed,
  duplicatedIn,
  expectOnlyUnavailable,
  hitsByWebhookId,
  loadGenerator,
  lostAmong,
  reportFigures,
  seedTasksFor,
} from './fault-kit.js';

const SEEDED = Number(process.env.FAULT_STORM_TASKS ?? 2_000);
const STORM_EVERY_MS = 500;
const STORM_FOR_MS = 15_000;
const SLOW = 180_000;

/** Every connection the services hold on this database (pools, pg-boss, listeners, the leader lock), but not ours. */
const TERMINATE = `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'hourglass-%'`;

/**
 * Every backend of every service is terminated twice a second for 15 s while the API takes tasks and
 * two dispatchers deliver: no service dies, the API answers only 201 or 503, and every task arrives.
 */
describe('fault: pg_terminate_backend storms during deliveries', () => {
  let source: TestDataSource;
  let sink: HttpSink;
  const services: RunningService[] = [];
  let load: ReturnType<typeof loadGenerator> | undefined;

  beforeAll(async () => {
    source = await createTestDataSource();
    sink = await startHttpSink((_req, res) => void setTimeout(() => res.end('ok'), 100));
  }, SLOW);

  afterAll(async () => {
    await load?.stop();
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
    await sink.close();
    await source.close();
  }, SLOW);

  it(
    'keeps every service up and delivers every task while its connections are cut',
    async () => {
      const { db, database } = source;
      const { adminToken, env } = serviceEnv(database.url);
      const gateway = await startService('api-gateway', env);
      services.push(gateway, await startService('scheduler', env));
      for (let i = 0; i < 2; i++) services.push(await startService('dispatcher', env));
      const { api, org } = await newOrgClient(gateway.url, adminToken, { name: 'storm', plan: 'pro' });
      const seeded = await seedTasksFor(source, org.id, [`${sink.url}/storm`], () => SEEDED, 2_000);

      const generator = (load = loadGenerator(api, `${sink.url}/storm`));
      const killer = new pg.Client({ connectionString: database.url, application_name: 'fault-storm' });
      await killer.connect();
      let rounds = 0;
      let terminated = 0;
      const stormEnds = Date.now() + STORM_FOR_MS;
      while (Date.now() < stormEnds) {
        terminated += (await killer.query<{ n: number }>(TERMINATE)).rows[0]!.n;
        rounds++;
        await new Promise((resolve) => setTimeout(resolve, STORM_EVERY_MS));
      }
      await killer.end();
      await generator.stop();
      const stormEnded = Date.now();

      const ids = [...seeded, ...generator.accepted];
      await until(async () => lostAmong(ids, hitsByWebhookId(sink)).length === 0, {
        timeoutMs: 90_000,
        intervalMs: 250,
        what: 'every task delivered',
      }).catch(async (error: Error) => {
        const lost = lostAmong(ids, hitsByWebhookId(sink));
        const states = await db.query(
          `SELECT t.status, j.state, count(*)::int AS n FROM tasks t LEFT JOIN pgboss.job j ON j.id = t.job_id
            WHERE t.id = ANY($1::uuid[]) GROUP BY 1, 2`,
          [lost],
        );
        throw new Error(`${error.message}: ${lost.length} undelivered ${JSON.stringify(states)}; ${crashed(services)}`);
      });
      const deliveredAfterMs = Date.now() - stormEnded;
      await until(
        async () =>
          Number((await db.query(`SELECT count(*)::int AS n FROM tasks WHERE status <> 'succeeded'`))[0].n) === 0,
        { timeoutMs: 30_000, what: 'every task recorded as succeeded' },
      );

      expect(crashed(services)).toEqual([]);
      expect(terminated).toBeGreaterThan(rounds);
      const { refused, slowest } = expectOnlyUnavailable(generator.answers);
      const hits = hitsByWebhookId(sink);
      expect(lostAmong(ids, hits)).toEqual([]);
      reportFigures('terminate-storm', {
        stormMs: STORM_FOR_MS,
        rounds,
        backendsTerminated: terminated,
        tasks: ids.length,
        apiAccepted: generator.accepted.length,
        api503: refused.length,
        slowestAnswerMs: slowest,
        deliveredMsAfterStorm: deliveredAfterMs,
        duplicatedTasks: duplicatedIn(hits),
        lost: 0,
        crashes: 0,
      });
    },
    SLOW,
  );
});
