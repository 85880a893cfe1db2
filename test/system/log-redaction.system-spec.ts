import { randomBytes } from 'node:crypto';
import { freePort } from '@hourglass/db';
import {
  createTestDatabase,
  startHttpSink,
  startService,
  type HttpSink,
  type RunningService,
  type TestDatabase,
} from '@hourglass/testing';
import { ApiClient, newOrgClient, serviceEnv, waitForFinish } from './api-client.js';

/**
 * Every error path a task can take, with unique marker secrets in its headers, body, URL query and userinfo
 * and in the target's answer, on the three services as processes at LOG_LEVEL=debug: no marker may appear in
 * anything they print.
 */
const SLOW = 60_000;

const marker = (what: string) => `mk${what}${randomBytes(9).toString('hex')}`;
const secrets = {
  header: marker('hdr'),
  auth: marker('auth'),
  body: marker('body'),
  query: marker('qry'),
  userinfo: marker('usr'),
  response: marker('resp'),
  idempotency: marker('idem'),
  label: marker('lbl'),
  callback: marker('cb'),
  invalid: marker('inv'),
  schedule: marker('sch'),
};

describe('system: logs carry no customer data', () => {
  let database: TestDatabase;
  let sink: HttpSink;
  const services: RunningService[] = [];
  let gatewayUrl: string;
  let apiKey: string;
  let api: ApiClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await startHttpSink((req, res) => {
      res.setHeader('x-echo', secrets.response);
      if (req.path.startsWith('/fail')) res.statusCode = 500;
      if (req.path.startsWith('/hang')) return; // never answers: the attempt times out
      res.end(`{"token":"${secrets.response}"}`);
    });
    const { adminToken, env } = serviceEnv(database.url, { LOG_LEVEL: 'debug' });
    services.push(
      ...(await Promise.all([
        startService('api-gateway', env),
        startService('scheduler', env),
        startService('dispatcher', env),
      ])),
    );
    gatewayUrl = services[0]!.url;
    ({ api, key: apiKey } = await newOrgClient(gatewayUrl, adminToken, { name: 'redaction', plan: 'pro' }));
  }, SLOW);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
    await sink.close();
    await database.drop();
  }, SLOW);

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gatewayUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  /** A task whose every part carries a marker. */
  const secretTask = (url: string, extra: Record<string, unknown> = {}) => ({
    request: {
      url,
      method: 'POST',
      headers: { 'x-customer-secret': secrets.header, authorization: `Bearer ${secrets.auth}` },
      body: `{"card":"${secrets.body}"}`,
    },
    labels: { customer: secrets.label },
    retry: { maxAttempts: 1 },
    timeoutMs: 1_000,
    ...extra,
  });
  const target = (path: string, port = sink.port) =>
    `http://user:${secrets.userinfo}@127.0.0.1:${port}${path}?token=${secrets.query}`;

  it(
    'prints no marker, whatever fails',
    async () => {
      const closedPort = await freePort();
      const created = await Promise.all([
        api.expect<{ id: string }>(201, 'POST', '/v1/tasks', secretTask(target('/fail'))),
        api.expect<{ id: string }>(201, 'POST', '/v1/tasks', secretTask(target('/refused', closedPort))),
        api.expect<{ id: string }>(201, 'POST', '/v1/tasks', secretTask(target('/hang'))),
        api.expect<{ id: string }>(
          201,
          'POST',
          '/v1/tasks',
          secretTask(target('/ok'), { callbackUrl: `${sink.url}/fail/callback?token=${secrets.callback}` }),
        ),
      ]);
      // validation failures echo the input back to the caller only
      expect(
        (await post('/v1/tasks', { ...secretTask(`not a url ${secrets.invalid}`), [secrets.invalid]: 1 })).status,
      ).toBe(400);
      expect((await post('/v1/tasks', `{"request":"${secrets.invalid}`)).status).toBe(400);
      expect(
        (
          await fetch(`${gatewayUrl}/v1/tasks?label=${secrets.invalid}:x&cursor=${secrets.invalid}`, {
            headers: { authorization: `Bearer ${apiKey}` },
          })
        ).status,
      ).toBe(400);
      expect(
        (await fetch(`${gatewayUrl}/v1/tasks`, { headers: { authorization: `Bearer hg_${secrets.auth}` } })).status,
      ).toBe(401);
      // an idempotency conflict: same key, other body
      const key = { 'idempotency-key': secrets.idempotency };
      expect((await post('/v1/tasks', secretTask(target('/idem')), key)).status).toBe(201);
      expect((await post('/v1/tasks', secretTask(target('/idem2')), key)).status).toBe(422);
      // a NUL reaches the database unless validation stops it first; either way it is no 2xx
      const nul = await post('/v1/tasks', secretTask(target('/nul'), { labels: { k: `\u0000${secrets.label}` } }));
      expect(nul.status).toBeGreaterThanOrEqual(400);
      const nulBody = await post('/v1/tasks', { request: { url: target('/nul'), body: `\u0000${secrets.body}` } });
      expect(nulBody.status).toBeGreaterThanOrEqual(400);
      // the scheduler fires a schedule carrying the same secrets
      await api.expect(201, 'POST', '/v1/schedules', {
        ...secretTask(target('/fail/schedule')),
        name: `nightly ${secrets.schedule}`,
        cron: '* * * * * *',
      });

      await Promise.all(created.map((task) => waitForFinish(api, task.id, 20_000)));
      await sink.waitFor(1, (r) => r.path.startsWith('/fail/callback'));
      await sink.waitFor(1, (r) => r.path.startsWith('/fail/schedule'));
      expect(sink.requests.some((r) => r.body.includes(secrets.body))).toBe(true); // the markers did travel
      await new Promise((r) => setTimeout(r, 500)); // the last settle and its log lines

      const printed = services.map((s) => `${s.name}:\n${s.logs.join('')}`).join('\n');
      expect(printed.length).toBeGreaterThan(0);
      for (const [what, value] of Object.entries(secrets)) {
        const line = printed.split('\n').find((l) => l.includes(value));
        if (line) throw new Error(`the ${what} marker was logged: ${line.slice(0, 2000)}`);
      }
    },
    SLOW,
  );
});
