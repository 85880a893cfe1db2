import {
  createTestDatabase,
  OtlpKind,
  type OtlpReceiver,
  type ReceivedSpan,
  startHttpSink,
  startOtlpReceiver,
  startService,
  type HttpSink,
  type RunningService,
  type TestDatabase,
  waitFor,
} from '@hourglass/testing';
import { gatewayStack, newOrgClient, serviceEnv, waitForFinish } from './api-client.js';

/** The services' stdout as JSON log lines: fields, levels and redaction (docs/operations.md, "Logs"). */
const SLOW = 60_000;
const SECRETS = ['hunter2-header', 'query-secret', 'body-secret'];

interface LogLine {
  level: number;
  msg?: string;
  [field: string]: unknown;
}

const linesOf = (service: RunningService): LogLine[] =>
  service.logs
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

const line = (service: RunningService, match: (l: LogLine) => boolean, what: string) =>
  waitFor(
    () => linesOf(service).find(match),
    (found): found is LogLine => found !== undefined,
    { timeoutMs: 15_000, what },
  ) as Promise<LogLine>;

describe('system: JSON logs at LOG_LEVEL=info, traced', () => {
  let database: TestDatabase;
  let sink: HttpSink;
  let receiver: OtlpReceiver;
  let gateway: RunningService;
  let dispatcher: RunningService;
  let adminToken: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await startHttpSink();
    receiver = await startOtlpReceiver();
    const shared = serviceEnv(database.url, {
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    adminToken = shared.adminToken;
    [gateway, dispatcher] = await Promise.all([
      startService('api-gateway', shared.env),
      startService('dispatcher', shared.env),
    ]);
  }, SLOW);
  afterAll(async () => {
    await Promise.all([gateway, dispatcher].map((s) => s?.kill('SIGKILL')));
    await sink?.close();
    await receiver?.close();
    await database?.drop();
  }, SLOW);

  it(
    'carries request, org, task, trace and span ids on the request and delivery lines, and no secret',
    async () => {
      const { api, org, key } = await newOrgClient(gateway.url, adminToken, { name: 'logs' });
      const created = await fetch(`${gateway.url}/v1/tasks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': 'req-logs-1' },
        body: JSON.stringify({
          request: {
            url: `${sink.url}/logged?sig=${SECRETS[1]}`,
            headers: { authorization: `Bearer ${SECRETS[0]}` },
            body: JSON.stringify({ note: SECRETS[2] }),
          },
        }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const [hit] = await sink.waitFor(1, (r) => r.headers['webhook-id'] === id);
      const [, traceId, sentSpanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(hit!.headers.traceparent))!;
      expect((await waitForFinish(api, id)).status).toBe('succeeded');
      await api.expect(200, 'GET', `/v1/tasks/${id}?token=${SECRETS[1]}`);

      const request = await line(gateway, (l) => l.msg === 'request' && l.requestId === 'req-logs-1', 'the POST line');
      const server = (await waitFor(
        () => receiver.spans.find((s) => s.traceId === traceId && s.kind === OtlpKind.SERVER),
        (found): found is ReceivedSpan => found !== undefined,
        { timeoutMs: 15_000, what: 'the SERVER span' },
      )) as ReceivedSpan;
      expect(request).toMatchObject({
        level: 30,
        service: 'api-gateway',
        method: 'POST',
        route: '/v1/tasks',
        status: 201,
        orgId: org.id,
        taskId: id,
        trace_id: traceId,
        span_id: server.spanId,
      });
      const read = await line(gateway, (l) => l.msg === 'request' && l.route === '/v1/tasks/:id', 'the GET line');
      expect(read).toMatchObject({ method: 'GET', status: 200, orgId: org.id, taskId: id });
      expect(read.requestId).toEqual(expect.any(String));

      const delivered = await line(dispatcher, (l) => l.msg === 'delivery attempt' && l.taskId === id, 'the delivery');
      expect(delivered).toMatchObject({
        level: 30,
        service: 'dispatcher',
        context: 'Delivery',
        orgId: org.id,
        attempt: 1,
        outcome: 'delivered',
        statusCode: 200,
        trace_id: traceId,
        span_id: sentSpanId,
      });
      // Probes are not logged; secrets never are, nor the API key.
      expect(linesOf(gateway).filter((l) => l.route === '/readyz')).toEqual([]);
      const output = [...gateway.logs, ...dispatcher.logs].join('');
      for (const secret of [...SECRETS, key]) expect(output).not.toContain(secret);
    },
    SLOW,
  );
});

describe('system: LOG_LEVEL=warn', () => {
  const quiet = gatewayStack({ LOG_LEVEL: 'warn' });

  it('prints warnings and drops the info lines', async () => {
    await quiet.api.expect(200, 'GET', '/v1/tasks');
    await quiet.api.expect(404, 'GET', '/v1/tasks/00000000-0000-4000-8000-000000000000');
    // Local mode says so at start-up, as a warning.
    const warned = await line(quiet.gateway, (l) => l.level === 40, 'the local-mode warning');
    expect(warned.msg).toContain('local mode');
    expect(linesOf(quiet.gateway).filter((l) => l.level < 40)).toEqual([]);
  });
});
