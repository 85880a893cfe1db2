import type { DataSource } from 'typeorm';
import { createDataSource } from '@hourglass/db';
import {
  createTestDatabase,
  startHttpSink,
  startService,
  type HttpSink,
  type RunningService,
  type TestDatabase,
  waitFor,
  testMasterKeys,
} from '@hourglass/testing';
import { ApiClient, newOrgClient, serviceEnv } from './api-client.js';

/**
 * Named queues with two dispatcher processes on one database: the guarantees must hold across
 * replicas, so every test here runs against both at once.
 */
const SLOW = 120_000;

describe('system: named queues across two dispatchers', () => {
  let database: TestDatabase;
  let sink: HttpSink;
  let api: ApiClient;
  let db: DataSource;
  const services: RunningService[] = [];
  /** Requests in progress at the sink per path prefix, and the most seen at once. */
  const open = new Map<string, number>();
  const maxOpen = new Map<string, number>();
  let failFirst = new Set<string>();

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await createDataSource({ url: database.url, poolMax: 2, masterKeys: testMasterKeys() }).initialize();
    sink = await startHttpSink((req, res) => {
      const key = req.path.split('/')[1]!;
      open.set(key, (open.get(key) ?? 0) + 1);
      maxOpen.set(key, Math.max(maxOpen.get(key) ?? 0, open.get(key)!));
      const fail = failFirst.delete(req.body);
      // A random delay: without the queue's ordering, later tasks would overtake earlier ones.
      setTimeout(
        () => {
          open.set(key, open.get(key)! - 1);
          res.statusCode = fail ? 500 : 200;
          res.end('ok');
        },
        Math.floor(Math.random() * 40),
      );
    });
    const { adminToken, env } = serviceEnv(database.url, { DISPATCHER_QUEUE_POLL_MS: '100' });
    services.push(
      ...(await Promise.all([
        startService('api-gateway', env),
        startService('dispatcher', env),
        startService('dispatcher', env),
      ])),
    );
    ({ api } = await newOrgClient(services[0]!.url, adminToken, { name: 'queues' }));
  }, SLOW);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
    await db.destroy();
    await sink.close();
    await database.drop();
  }, SLOW);

  const createTask = (queue: string, path: string, body: string, extra: object = {}) =>
    api.expect(201, 'POST', '/v1/tasks', { request: { url: `${sink.url}/${path}`, body }, queue, ...extra });
  const bodiesAt = (path: string) => sink.requests.filter((r) => r.path === `/${path}`);

  it(
    'parallelism 1 delivers strictly in creation order, one at a time, a retry before the next task',
    async () => {
      await api.expect(201, 'POST', '/v1/queues', { name: 'fifo', parallelism: 1 });
      failFirst = new Set(['7']); // task 7 fails once and is retried (1 s backoff): 8 must still wait for it
      for (let i = 0; i < 20; i++) await createTask('fifo', 'fifo', String(i), { retry: { maxAttempts: 3 } });
      const received = await sink.waitFor(21, (r) => r.path === '/fifo', 60_000);
      expect(received.map((r) => Number(r.body))).toEqual([
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        7,
        ...Array.from({ length: 12 }, (_, i) => i + 8),
      ]);
      expect(maxOpen.get('fifo')).toBe(1);
    },
    SLOW,
  );

  it(
    'a rate limit of 5 per second holds across both dispatchers',
    async () => {
      await api.expect(201, 'POST', '/v1/queues', {
        name: 'rated',
        parallelism: 50,
        rateLimit: { count: 5, per: 'second' },
      });
      // Created while paused, so the measurement sees the limiter rather than 20 concurrent POSTs competing for 2
      // cores.
      await api.expect(200, 'POST', '/v1/queues/rated/pause');
      await Promise.all(Array.from({ length: 20 }, (_, i) => createTask('rated', 'rated', String(i))));
      await api.expect(200, 'POST', '/v1/queues/rated/resume');
      const times = (await sink.waitFor(20, (r) => r.path === '/rated', 60_000))
        .map((r) => r.receivedAt)
        .sort((a, b) => a - b);
      // Admissions (database clock) are exact: any 6 consecutive ones span more than the window.
      const admitted = (
        (await db.query(`SELECT queue_admitted_at AS t FROM tasks WHERE queue = 'rated' ORDER BY 1`)) as { t: Date }[]
      ).map((r) => r.t.getTime());
      for (let i = 0; i + 5 < admitted.length; i++)
        expect(admitted[i + 5]! - admitted[i]!).toBeGreaterThanOrEqual(1_000);
      // At the target: the window's 50 ms margin absorbs the varying delay from admission to request,
      // and 50 ms more of tolerance covers clock granularity and a loaded machine.
      for (let i = 0; i + 5 < times.length; i++) expect(times[i + 5]! - times[i]!).toBeGreaterThanOrEqual(950);
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(2_950);
    },
    SLOW,
  );

  it(
    'pause stops starts; resume restarts them',
    async () => {
      await api.expect(201, 'POST', '/v1/queues', { name: 'held', parallelism: 10 });
      await api.expect(201, 'POST', '/v1/queues', { name: 'beside-held', parallelism: 10 });
      await api.expect(200, 'POST', '/v1/queues/held/pause');
      for (let i = 0; i < 5; i++) await createTask('held', 'held', String(i));
      // The marker: a later task in a running queue was admitted and delivered, so admission has
      // passed over the paused queue's tasks since they were created.
      await createTask('beside-held', 'beside-held', 'control');
      await sink.waitFor(1, (r) => r.path === '/beside-held', 20_000);
      expect(bodiesAt('held')).toHaveLength(0);
      const paused = await api.expect<{ stats: { queued: number } }>(200, 'GET', '/v1/queues/held');
      expect(paused.stats.queued).toBe(5);

      await api.expect(200, 'POST', '/v1/queues/held/resume');
      await sink.waitFor(5, (r) => r.path === '/held', 20_000);
      const stats = async () =>
        (await api.expect<{ stats: { succeededLastHour: number } }>(200, 'GET', '/v1/queues/held')).stats;
      await waitFor(stats, (s) => s.succeededLastHour >= 5, { timeoutMs: 10_000, what: 'five held tasks succeeded' });
      expect(await stats()).toEqual({ queued: 0, running: 0, retrying: 0, succeededLastHour: 5, failedLastHour: 0 });
    },
    SLOW,
  );
});
