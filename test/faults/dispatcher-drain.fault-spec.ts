import type { ServerResponse } from 'node:http';
import {
  createTestDataSource,
  make,
  startHttpSink,
  startService,
  type HttpSink,
  type RunningService,
  type TestDataSource,
  until,
} from '@hourglass/testing';
import { serviceEnv } from '../system/api-client.js';
import { duplicatedIn, hitsByTask, lostAmong, reportFigures, seedTasksFor, unfinishedTasks } from './fault-kit.js';

const IN_FLIGHT = Number(process.env.FAULT_DRAIN_TASKS ?? 1_000);
/** The dispatcher opens at most 128 connections per origin: enough sinks (ports) to hold every delivery at once. */
const SINKS = Math.ceil(IN_FLIGHT / 125);
const GRACE_MS = 20_000;
/** How long the target still takes to answer once the dispatcher has been told to stop. */
const ANSWER_AFTER_SIGTERM_MS = 3_000;
const SLOW = 120_000;

/**
 * One dispatcher holds 1,000 slow deliveries when it is sent SIGTERM: it must stop fetching, let every
 * one of them finish, write their results and exit within its grace, leaving no job to redeliver.
 */
describe('fault: SIGTERM of a dispatcher with 1,000 slow deliveries in flight', () => {
  let source: TestDataSource;
  const sinks: HttpSink[] = [];
  const held: ServerResponse[] = [];
  let dispatcher: RunningService | undefined;

  beforeAll(async () => {
    source = await createTestDataSource();
    for (let i = 0; i < SINKS; i++) sinks.push(await startHttpSink((_req, res) => void held.push(res)));
  }, SLOW);

  afterAll(async () => {
    await dispatcher?.kill('SIGKILL');
    for (const res of held) res.end('ok');
    await Promise.all(sinks.map((sink) => sink.close()));
    await source.close();
  }, SLOW);

  it(
    'drains every in-flight delivery within the grace and delivers none twice',
    async () => {
      const { db, database } = source;
      const { org } = await make.org(db);
      const per = (i: number) => Math.floor(IN_FLIGHT / SINKS) + (i < IN_FLIGHT % SINKS ? 1 : 0);
      const urls = sinks.map((sink) => `${sink.url}/slow`);
      const ids = await seedTasksFor(source, org.id, urls, per, 30_000);

      const { env } = serviceEnv(database.url, {
        DISPATCHER_CONCURRENCY: String(IN_FLIGHT),
        DISPATCHER_ORG_CONCURRENCY: String(IN_FLIGHT),
        DISPATCHER_BATCH_SIZE: '250',
        SHUTDOWN_GRACE_MS: String(GRACE_MS),
      });
      dispatcher = await startService('dispatcher', env);
      const received = () => sinks.reduce((n, sink) => n + sink.requests.length, 0);
      await until(() => received() === IN_FLIGHT, { timeoutMs: 60_000, what: `${IN_FLIGHT} deliveries in flight` });

      const sigtermAt = Date.now();
      void dispatcher.kill('SIGTERM');
      setTimeout(() => held.splice(0).forEach((res) => res.end('ok')), ANSWER_AFTER_SIGTERM_MS);
      const exit = await dispatcher.exited;
      const drainMs = Date.now() - sigtermAt;

      expect(exit).not.toBe('SIGKILL');
      expect(drainMs).toBeLessThan(GRACE_MS);
      expect(drainMs).toBeGreaterThanOrEqual(ANSWER_AFTER_SIGTERM_MS);
      expect(await unfinishedTasks(db)).toBe(0);
      const [{ n: openJobs }] = (await db.query(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'deliver' AND state <> 'completed'`,
      )) as { n: number }[];
      expect(openJobs).toBe(0);
      const hits = hitsByTask(sinks);
      expect(lostAmong(ids, hits)).toEqual([]);
      expect(duplicatedIn(hits)).toBe(0);
      expect(received()).toBe(IN_FLIGHT);
      reportFigures('sigterm-drain', {
        inFlight: IN_FLIGHT,
        graceMs: GRACE_MS,
        answeredAfterMs: ANSWER_AFTER_SIGTERM_MS,
        drainedMs: drainMs,
        duplicates: duplicatedIn(hits),
        lost: 0,
      });
    },
    SLOW,
  );
});
