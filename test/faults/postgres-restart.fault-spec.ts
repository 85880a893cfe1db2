import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createDataSource, startEmbeddedPostgres, type EmbeddedPostgres } from '@hourglass/db';
import { migrate } from '@hourglass/migrations';
import {
  startHttpSink,
  startService,
  testMasterKeys,
  until,
  withClient,
  withDatabase,
  type HttpSink,
  type RunningService,
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
} from './fault-kit.js';

const DOWN_MS = 6_000;
/** The target's answer time: deliveries are in flight when PostgreSQL stops, and end while it is down. */
const ANSWER_MS = 1_500;
const SLOW = 180_000;

/**
 * A private PostgreSQL (never the shared one) is stopped for 6 s and started again while the API
 * takes tasks and the dispatchers deliver them: no service dies, the API answers 503 UNAVAILABLE with
 * Retry-After instead of hanging, deliveries that end while the database is away are written once it
 * is back (not delivered again), and every accepted task is delivered.
 */
describe('fault: PostgreSQL restarted under load', () => {
  let pg: EmbeddedPostgres;
  let db: DataSource;
  let sink: HttpSink;
  const services: RunningService[] = [];
  let load: ReturnType<typeof loadGenerator> | undefined;

  beforeAll(async () => {
    pg = await startEmbeddedPostgres({
      dataDir: join(tmpdir(), `hourglass-fault-pg-${randomBytes(4).toString('hex')}`),
      fast: true,
    });
    await withClient(pg.url, (client) => client.query('CREATE DATABASE hourglass'));
    await migrate(withDatabase(pg.url, 'hourglass'));
    sink = await startHttpSink((_req, res) => void setTimeout(() => res.end('ok'), ANSWER_MS));
  }, SLOW);

  afterAll(async () => {
    await load?.stop();
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
    await sink.close();
    await db?.destroy();
    await pg.stop().catch(() => undefined);
    await rm(pg.dataDir, { recursive: true, force: true });
  }, SLOW);

  it(
    'keeps every service up, answers 503 + Retry-After while it is down, and loses no accepted task',
    async () => {
      const url = withDatabase(pg.url, 'hourglass');
      const { adminToken, env } = serviceEnv(url);
      const gateway = await startService('api-gateway', env);
      services.push(gateway, await startService('scheduler', env));
      for (let i = 0; i < 2; i++) services.push(await startService('dispatcher', env));
      const { api } = await newOrgClient(gateway.url, adminToken, { name: 'pg restart', plan: 'pro' });

      const generator = (load = loadGenerator(api, `${sink.url}/pg`));
      await until(() => sink.requests.length >= 30 && generator.accepted.length >= 100, {
        timeoutMs: 30_000,
        what: 'deliveries under way',
      }).catch((error: Error) => {
        throw new Error(`${error.message}; last answers ${JSON.stringify(generator.answers.slice(-3))}`);
      });
      const downAt = Date.now();
      await pg.stop();
      await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
      pg = await startEmbeddedPostgres({ dataDir: pg.dataDir, port: pg.port, fast: true });
      const upAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await generator.stop();

      db = await createDataSource({ url, poolMax: 2, masterKeys: testMasterKeys() }).initialize();
      const unfinished = async () =>
        Number(
          (
            await db.query(
              `SELECT count(*)::int AS n FROM tasks WHERE id = ANY($1::uuid[]) AND status <> 'succeeded'`,
              [generator.accepted],
            )
          )[0].n,
        );
      await until(async () => (await unfinished()) === 0, {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: 'every accepted task to succeed',
      });
      const allDeliveredAt = Date.now();

      expect(crashed(services)).toEqual([]);
      const whileDown = generator.answers.filter((a) => a.at >= downAt + 500 && a.at + a.ms <= upAt);
      expect(whileDown.length).toBeGreaterThan(0);
      expect(whileDown.filter((a) => a.status !== 503)).toEqual([]);
      const { refused, slowest } = expectOnlyUnavailable(generator.answers);

      const hits = hitsByWebhookId(sink);
      expect(lostAmong(generator.accepted, hits)).toEqual([]);
      // Deliveries answered while the database was away: their results waited in the dispatcher and were
      // written once it came back, so none of them was delivered again.
      const heldThrough = sink.requests.filter((r) => r.receivedAt + ANSWER_MS > downAt && r.receivedAt < downAt);
      expect(heldThrough.length).toBeGreaterThan(0);
      expect(heldThrough.filter((r) => hits.get(String(r.headers['webhook-id'])) !== 1)).toEqual([]);

      reportFigures('postgres-restart', {
        downMs: upAt - downAt,
        accepted: generator.accepted.length,
        answeredWhileDown: whileDown.length,
        unavailable503: refused.length,
        slowestAnswerMs: slowest,
        deliveriesHeldThroughOutage: heldThrough.length,
        allSucceededMsAfterRestart: allDeliveredAt - upAt,
        duplicated: duplicatedIn(hits),
        lost: 0,
        crashes: 0,
      });
    },
    SLOW,
  );
});
