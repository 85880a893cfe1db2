import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import {
  createTestDatabase,
  startHttpSink,
  startService,
  type HttpSink,
  type RunningService,
  type TestDatabase,
  waitFor,
} from '@hourglass/testing';
import { ApiClient, newOrgClient, serviceEnv, waitForFinish, type AttemptView } from './api-client.js';
import { promtoolCheck } from './promtool.js';

/**
 * The three services as real processes on one database, a real local HTTP target, and only the
 * public API: what a user of `npm start` gets.
 */
const SLOW = 120_000;

describe('system: api-gateway + scheduler + dispatcher as processes', () => {
  let database: TestDatabase;
  let sink: HttpSink;
  let env: Record<string, string>;
  const services: RunningService[] = [];
  let api: ApiClient;
  let signingSecret: string;

  const start = async (name: RunningService['name']) => {
    const service = await startService(name, env);
    services.push(service);
    return service;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await startHttpSink();
    const shared = serviceEnv(database.url, { SHUTDOWN_GRACE_MS: '20000' });
    env = shared.env;
    const { adminToken } = shared;
    const [gateway] = await Promise.all([start('api-gateway'), start('scheduler'), start('dispatcher')]);
    const created = await newOrgClient(gateway!.url, adminToken, { name: 'system test' });
    api = created.api;
    signingSecret = created.org.signingSecret;
  }, SLOW);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
    await sink.close();
    await database.drop();
  }, SLOW);

  const createTask = (path: string, extra: Record<string, unknown> = {}) =>
    api.expect<{ id: string; status: string }>(201, 'POST', '/v1/tasks', {
      request: { url: `${sink.url}${path}`, method: 'POST', body: '{"n":1}' },
      ...extra,
    });
  const attemptsOf = (id: string) =>
    api.expect<{ data: AttemptView[] }>(200, 'GET', `/v1/tasks/${id}/attempts`).then((page) => page.data);
  const hitsOf = (id: string) => sink.requests.filter((r) => r.headers['webhook-id'] === id);
  /** The states of the task's delivery jobs, read from pg-boss directly. */
  const jobStates = async (taskId: string): Promise<string[]> => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ state: string }>(
        `SELECT state FROM pgboss.job WHERE name = 'deliver' AND data->>'taskId' = $1`,
        [taskId],
      );
      return rows.map((row) => row.state);
    } finally {
      await client.end();
    }
  };

  it(
    'delivers a task with a signature the standardwebhooks package verifies',
    async () => {
      const task = await createTask('/signed', {
        request: {
          url: `${sink.url}/signed`,
          method: 'POST',
          body: '{"user":42}',
          headers: { 'content-type': 'application/json' },
        },
      });
      const [hit] = await sink.waitFor(1, (r) => r.headers['webhook-id'] === task.id);
      expect(new Webhook(signingSecret).verify(hit!.body, hit!.headers as Record<string, string>)).toEqual({
        user: 42,
      });
      expect(hit!.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
      expect((await waitForFinish(api, task.id)).status).toBe('succeeded');
      expect(await attemptsOf(task.id)).toMatchObject([{ number: 1, outcome: 'delivered', statusCode: 200 }]);
    },
    SLOW,
  );

  it(
    'retries a target that answers 500 and then 200: two attempts',
    async () => {
      const seen = new Set<string>();
      sink.reply((req, res) => {
        const id = String(req.headers['webhook-id']);
        if (req.path !== '/flaky' || seen.has(id)) return void res.end('ok');
        seen.add(id);
        res.statusCode = 500;
        res.end('boom');
      });
      const task = await createTask('/flaky');
      expect((await waitForFinish(api, task.id)).status).toBe('succeeded');
      expect((await attemptsOf(task.id)).map((a) => [a.number, a.statusCode])).toEqual([
        [2, 200],
        [1, 500],
      ]);
    },
    SLOW,
  );

  it(
    'times out a slow target and retries it',
    async () => {
      const seen = new Set<string>();
      sink.reply((req, res) => {
        const id = String(req.headers['webhook-id']);
        if (req.path !== '/slow' || seen.has(id)) return void res.end('ok');
        seen.add(id);
        setTimeout(() => res.end('late'), 3_000);
      });
      const task = await createTask('/slow', { timeoutMs: 1_000 });
      expect((await waitForFinish(api, task.id)).status).toBe('succeeded');
      const attempts = await attemptsOf(task.id);
      expect(attempts.map((a) => a.outcome)).toEqual(['delivered', 'retryable']);
      expect(attempts[1]!.error).toMatch(/^timeout: /);
    },
    SLOW,
  );

  it(
    'never delivers a cancelled task',
    async () => {
      sink.reply((_req, res) => void res.end('ok'));
      const task = await createTask('/cancelled', { delay: '2s' });
      expect((await api.expect<{ status: string }>(200, 'POST', `/v1/tasks/${task.id}/cancel`)).status).toBe(
        'cancelled',
      );
      const control = await createTask('/control', { delay: '2s' });
      await sink.waitFor(1, (r) => r.headers['webhook-id'] === control.id);
      // The marker that the dispatcher is done with it: it completed the cancelled task's job without delivering.
      await waitFor(
        () => jobStates(task.id),
        (states) => states.length === 1 && states[0] === 'completed',
        { what: "the cancelled task's job to be completed" },
      );
      expect(hitsOf(task.id)).toHaveLength(0);
      expect((await api.expect<{ status: string }>(200, 'GET', `/v1/tasks/${task.id}`)).status).toBe('cancelled');
    },
    SLOW,
  );

  it(
    'drains in-flight deliveries on SIGTERM',
    async () => {
      sink.reply((req, res) => void setTimeout(() => res.end('ok'), req.path === '/drain' ? 1_500 : 0));
      const [dispatcher] = services.filter(
        (s) => s.name === 'dispatcher' && s.child.exitCode === null && s.child.signalCode === null,
      );
      const tasks = await Promise.all(Array.from({ length: 5 }, () => createTask('/drain')));
      await sink.waitFor(5, (r) => r.path === '/drain');
      // A clean drain exits 0 once the shutdown hooks ran (decision 0018).
      expect(await dispatcher!.kill('SIGTERM')).toBe(0);
      await start('dispatcher');
      for (const task of tasks) expect((await waitForFinish(api, task.id)).status).toBe('succeeded');
      // Drained, not redelivered: each task reached the target exactly once.
      for (const task of tasks) expect(hitsOf(task.id)).toHaveLength(1);
    },
    SLOW,
  );

  it(
    'delivers every task even when the dispatcher is killed with SIGKILL mid-delivery',
    async () => {
      sink.reply((req, res) => void setTimeout(() => res.end('ok'), req.path === '/crash' ? 1_500 : 0));
      const [dispatcher] = services.filter(
        (s) => s.name === 'dispatcher' && s.child.exitCode === null && s.child.signalCode === null,
      );
      const tasks = await Promise.all(Array.from({ length: 20 }, () => createTask('/crash', { timeoutMs: 5_000 })));
      await sink.waitFor(5, (r) => r.path === '/crash');
      await dispatcher!.kill('SIGKILL');
      await start('dispatcher');
      for (const task of tasks) expect((await waitForFinish(api, task.id, 90_000)).status).toBe('succeeded');
      // The kill did interrupt deliveries: some tasks reached the target twice.
      expect(tasks.some((task) => hitsOf(task.id).length > 1)).toBe(true);
      for (const task of tasks) {
        const hits = hitsOf(task.id);
        expect(hits.length).toBeGreaterThanOrEqual(1);
        // A duplicate is only ever a redelivery of the same task: same webhook-id, later attempt.
        expect(new Set(hits.map((h) => h.headers['webhook-id']))).toEqual(new Set([task.id]));
      }
    },
    SLOW,
  );

  it(
    "every service's /metrics passes `promtool check metrics` and has the series an on-call alerts on",
    async () => {
      const live = services.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
      const scraped = new Map<string, string>();
      for (const service of live) scraped.set(service.name, await (await fetch(`${service.url}/metrics`)).text());
      expect([...scraped.keys()].sort()).toEqual(['api-gateway', 'dispatcher', 'scheduler']);
      const expected: Record<string, string[]> = {
        'api-gateway': [
          'hourglass_http_requests_total',
          'hourglass_tasks_created_total',
          'hourglass_db_pool_connections',
        ],
        dispatcher: [
          'hourglass_delivery_attempts_total',
          'hourglass_task_due_to_delivered_seconds_bucket',
          'hourglass_task_created_to_delivered_seconds_bucket',
          'hourglass_dispatcher_in_flight',
          'hourglass_dispatcher_circuits_open',
          'hourglass_db_pool_waiting',
        ],
        scheduler: [
          'hourglass_scheduler_leader',
          'hourglass_queue_ready_jobs{',
          'hourglass_queue_oldest_ready_age_seconds{',
          'hourglass_named_queue_waiting_tasks',
        ],
      };
      for (const [name, text] of scraped) {
        for (const series of expected[name]!) expect(text).toContain(series);
        const lint = promtoolCheck(text);
        if (lint !== null) expect({ service: name, promtool: lint.output }).toEqual({ service: name, promtool: '' });
      }
    },
    SLOW,
  );
});
