import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  createTestDatabase,
  startHttpSink,
  startService,
  type HttpSink,
  type RunningService,
  type TestDatabase,
  until,
  withClient,
} from '@hourglass/testing';
import { ApiClient, newOrgClient, serviceEnv, waitForFinish } from './api-client.js';

const SLOW = 120_000;
/** Every marker starts with this: one scan finds any of them. */
const MARK = `mk${randomBytes(6).toString('hex')}`;
const marker = (where: string) => `${MARK}${where}`;

/**
 * Customer data at rest: after a real run (three service processes) that writes marker plaintexts
 * into every field a customer sends or a target answers, no table of any schema (pg-boss's too)
 * holds a marker; and a deleted org's queued task is dropped, not delivered.
 */
describe('system: encryption at rest and crypto-shredding', () => {
  let database: TestDatabase;
  let sink: HttpSink;
  let gatewayUrl: string;
  let adminToken: string;
  let dispatcher: RunningService;
  const services: RunningService[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await startHttpSink((request, res) => {
      res.statusCode = request.path.startsWith('/fail') ? 500 : 200;
      res.end(marker(request.path.startsWith('/fail') ? 'failbody' : 'response'));
    });
    const shared = serviceEnv(database.url);
    adminToken = shared.adminToken;
    services.push(
      ...(await Promise.all(
        ['api-gateway', 'scheduler', 'dispatcher'].map((name) => startService(name as 'scheduler', shared.env)),
      )),
    );
    gatewayUrl = services[0]!.url;
    dispatcher = services[2]!;
  }, SLOW);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
    await sink.close();
    await database.drop();
  }, SLOW);

  const withDb = <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => withClient(database.url, work);

  /** Every (schema, table, column) of a type that can hold text, and whether it is bytea. */
  const columnsHoldingMarkers = () =>
    withDb(async (client) => {
      const { rows: columns } = await client.query<{ schema: string; table: string; column: string; type: string }>(
        `SELECT c.table_schema AS schema, c.table_name AS table, c.column_name AS column, c.data_type AS type
           FROM information_schema.columns c JOIN information_schema.tables t
             ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
          WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
            AND c.data_type IN ('text', 'character varying', 'json', 'jsonb', 'bytea', 'ARRAY')`,
      );
      const found: string[] = [];
      for (const { schema, table, column, type } of columns) {
        const ref = `"${schema}"."${table}"."${column}"`;
        const test =
          type === 'bytea' ? `position($1::bytea IN "${column}") > 0` : `"${column}"::text LIKE '%' || $1::text || '%'`;
        const { rows } = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM "${schema}"."${table}" WHERE ${test}`,
          [type === 'bytea' ? Buffer.from(MARK) : MARK],
        );
        if (rows[0]!.n > 0) found.push(ref);
      }
      return { found, scanned: columns.length };
    });

  it(
    'keeps no marker plaintext in any table (but the labels one) after tasks, callbacks, attempts, idempotent replies, schedules and monitors',
    async () => {
      const { api, key } = await newOrgClient(gatewayUrl, adminToken, { name: 'markers' });
      const request = (path: string) => ({
        url: `${sink.url}${path}?token=${marker('url')}`,
        headers: { authorization: `Bearer ${marker('header')}` },
        body: JSON.stringify({ secret: marker('body') }),
      });
      const ok = await api.expect<{ id: string }>(201, 'POST', '/v1/tasks', {
        request: request('/ok'),
        callbackUrl: `${sink.url}/callback?c=${marker('callback')}`,
        // Labels stay plaintext on purpose (the list filter matches them): the scan must find this one.
        labels: { team: marker('label') },
      });
      const failing = await api.expect<{ id: string }>(201, 'POST', '/v1/tasks', {
        request: request('/fail'),
        retry: { maxAttempts: 1 },
        failureCallbackUrl: `${sink.url}/failure-callback?c=${marker('failurecallback')}`,
      });
      const idempotent = await fetch(`${gatewayUrl}/v1/tasks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': 'once' },
        body: JSON.stringify({ request: request('/ok') }),
      });
      expect(idempotent.status).toBe(201);
      await api.expect(201, 'POST', '/v1/schedules', { name: 'markers', cron: '0 0 1 1 *', request: request('/s') });
      await api.expect(201, 'POST', '/v1/monitors', {
        name: 'markers',
        type: 'http',
        every: '1m',
        request: request('/m'),
      });
      const heartbeat = await api.expect<{ pingUrl: string }>(201, 'POST', '/v1/monitors', {
        name: 'beat',
        type: 'heartbeat',
        every: '1h',
      });
      const pingUrl = heartbeat.pingUrl.replace(/^https?:\/\/[^/]+/, gatewayUrl);
      expect((await fetch(pingUrl, { method: 'POST', body: marker('ping') })).status).toBe(200);

      expect((await waitForFinish(api, ok.id)).status).toBe('succeeded');
      expect((await waitForFinish(api, failing.id)).status).toBe('failed');
      await sink.waitFor(1, (r) => r.path.startsWith('/callback?'));
      await sink.waitFor(1, (r) => r.path.startsWith('/failure-callback?'));
      // Readable through the API, byte for byte.
      const read = await api.expect<{ request: { url: string; headers: Record<string, string> } }>(
        200,
        'GET',
        `/v1/tasks/${ok.id}`,
      );
      expect(read.request.url).toContain(marker('url'));
      // The credential header is masked for this key (no admin scope); the target got it verbatim.
      expect(read.request.headers.authorization).toBe('***');
      const delivered = sink.requests.find((r) => r.path.startsWith('/ok?'));
      expect(delivered?.headers.authorization).toBe(`Bearer ${marker('header')}`);
      const attempts = await api.expect<{ data: { responseBody: string }[] }>(
        200,
        'GET',
        `/v1/tasks/${ok.id}/attempts`,
      );
      expect(attempts.data[0]!.responseBody).toBe(marker('response'));

      const { found, scanned } = await columnsHoldingMarkers();
      expect(scanned).toBeGreaterThan(50);
      expect(found).toEqual(['"public"."tasks"."labels"']);
    },
    SLOW,
  );

  it(
    "drops a deleted org's queued task instead of delivering it, counts it, and its key is 401",
    async () => {
      const { api } = await newOrgClient(gatewayUrl, adminToken, { name: 'doomed' });
      const later = await api.expect<{ id: string }>(201, 'POST', '/v1/tasks', {
        request: { url: `${sink.url}/doomed` },
        delay: '2s',
      });
      await new ApiClient(gatewayUrl, adminToken).expect(
        204,
        'DELETE',
        `/v1/admin/orgs/${(await api.expect<{ id: string }>(200, 'GET', '/v1/org')).id}`,
      );
      expect((await api.call('GET', `/v1/tasks/${later.id}`)).status).toBe(401);
      const dropped = () =>
        fetch(`${dispatcher.url}/metrics`)
          .then((res) => res.text())
          .then((text) =>
            Number(/hourglass_dispatcher_dropped_total\{[^}]*reason="org_deleted"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0),
          );
      await until(async () => (await dropped()) >= 1, { timeoutMs: 30_000 });
      expect(sink.requests.filter((r) => r.path === '/doomed')).toEqual([]);
    },
    SLOW,
  );
});
