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
import { type ApiClient, newOrgClient, serviceEnv, waitForFinish } from './api-client.js';

/**
 * OpenTelemetry end to end (docs/decisions/0019): the real services export OTLP/HTTP JSON to a
 * local receiver, and one trace runs from the API request (or a schedule fire) to the target.
 */
const SLOW = 60_000;
const TRACING = { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' };

const traceparentOf = (value: unknown) => {
  const [, traceId, spanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(value)) ?? [];
  if (!traceId || !spanId) throw new Error(`not a sampled traceparent: ${String(value)}`);
  return { traceId, spanId };
};

interface Stack {
  database: TestDatabase;
  sink: HttpSink;
  services: RunningService[];
  api: ApiClient;
  gateway: string;
  key: string;
}

async function startStack(names: RunningService['name'][], extra: Record<string, string>): Promise<Stack> {
  const database = await createTestDatabase();
  const sink = await startHttpSink();
  const { env, adminToken } = serviceEnv(database.url, extra);
  const services = await Promise.all(names.map((name) => startService(name, env)));
  const gateway = services[0]!.url;
  const { api, key } = await newOrgClient(gateway, adminToken, { name: 'tracing' });
  return { database, sink, services, api, gateway, key };
}

async function stopStack(stack: Stack | undefined): Promise<void> {
  if (!stack) return;
  await Promise.all(stack.services.map((s) => s.kill('SIGKILL')));
  await stack.sink.close();
  await stack.database.drop();
}

/** A receiver and services for the describe block it is called in, started before its tests. */
function tracedStack(names: RunningService['name'][], extra: Record<string, string>) {
  const current = {} as { receiver: OtlpReceiver; stack: Stack };
  beforeAll(async () => {
    current.receiver = await startOtlpReceiver();
    current.stack = await startStack(names, {
      ...TRACING,
      OTEL_EXPORTER_OTLP_ENDPOINT: current.receiver.url,
      ...extra,
    });
  }, SLOW);
  afterAll(async () => {
    await stopStack(current.stack);
    await current.receiver?.close();
  }, SLOW);
  return current;
}

/** POST /v1/tasks with plain fetch, so a caller's own traceparent can be given. */
async function postTask(stack: Stack, path: string, traceparent?: string): Promise<string> {
  const response = await fetch(`${stack.gateway}/v1/tasks`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.key}`,
      'content-type': 'application/json',
      ...(traceparent ? { traceparent } : {}),
    },
    body: JSON.stringify({ request: { url: `${stack.sink.url}${path}`, body: '{}' } }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

describe('system: OpenTelemetry traces across the services', () => {
  const traced = tracedStack(['api-gateway', 'scheduler', 'dispatcher'], {
    // Per-second schedules on the default plan.
    HOURGLASS_PLANS: JSON.stringify({
      free: { tier: 1, minScheduleIntervalMs: 1_000, maxSchedules: 20, tasksPerMonth: 100_000, retentionDays: 7 },
    }),
  });

  const span = (traceId: string, service: string, kind: number, name?: string) =>
    waitFor(
      () =>
        traced.receiver.spans.find(
          (s) => s.traceId === traceId && s.service === service && s.kind === kind && (!name || s.name === name),
        ),
      (found): found is ReceivedSpan => found !== undefined,
      { timeoutMs: 15_000, what: `a ${service} span of kind ${kind} in trace ${traceId}` },
    ) as Promise<ReceivedSpan>;

  /** The dispatcher's CONSUMER and CLIENT spans under `parent`; the CLIENT span is what the target got. */
  const expectDelivery = async (traceId: string, parent: ReceivedSpan, sentSpanId: string) => {
    const consumer = await span(traceId, 'hourglass-dispatcher', OtlpKind.CONSUMER);
    const client = await span(traceId, 'hourglass-dispatcher', OtlpKind.CLIENT);
    expect(consumer.parentSpanId).toBe(parent.spanId);
    expect(client).toMatchObject({ parentSpanId: consumer.spanId, spanId: sentSpanId, name: 'POST' });
    expect(client.attributes['http.response.status_code']).toBe(200);
  };

  it(
    'runs one trace from POST /v1/tasks through the dispatcher to the traceparent the target receives',
    async () => {
      const id = await postTask(traced.stack, '/traced');
      const [hit] = await traced.stack.sink.waitFor(1, (r) => r.headers['webhook-id'] === id);
      const sent = traceparentOf(hit!.headers['traceparent']);

      const server = await span(sent.traceId, 'hourglass-api-gateway', OtlpKind.SERVER);
      expect(server).toMatchObject({ name: 'POST /v1/tasks', parentSpanId: undefined });
      expect(server.attributes).toMatchObject({ 'http.route': '/v1/tasks', 'http.response.status_code': 201 });
      const producer = await span(sent.traceId, 'hourglass-api-gateway', OtlpKind.PRODUCER);
      expect(producer).toMatchObject({ name: 'create task', parentSpanId: server.spanId });
      expect(producer.attributes['hourglass.task.id']).toBe(id);
      await expectDelivery(sent.traceId, producer, sent.spanId);
    },
    SLOW,
  );

  it(
    "keeps a caller's traceparent as the parent of the trace",
    async () => {
      const caller = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const id = await postTask(traced.stack, '/caller', caller);
      const [hit] = await traced.stack.sink.waitFor(1, (r) => r.headers['webhook-id'] === id);
      const sent = traceparentOf(hit!.headers['traceparent']);
      expect(sent.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      const server = await span(sent.traceId, 'hourglass-api-gateway', OtlpKind.SERVER);
      expect(server.parentSpanId).toBe('00f067aa0ba902b7');
    },
    SLOW,
  );

  it(
    "runs a schedule fire's trace from the scheduler's PRODUCER span, linked to the schedule, to the target",
    async () => {
      const schedule = await traced.stack.api.expect<{ id: string }>(201, 'POST', '/v1/schedules', {
        name: 'traced',
        interval: '1s',
        request: { url: `${traced.stack.sink.url}/fired` },
      });
      const [hit] = await traced.stack.sink.waitFor(1, (r) => r.headers['hourglass-schedule-id'] === schedule.id);
      const sent = traceparentOf(hit!.headers['traceparent']);
      const fire = await span(sent.traceId, 'hourglass-scheduler', OtlpKind.PRODUCER, 'fire schedule');
      expect(fire.parentSpanId).toBeUndefined();
      expect(fire.attributes['hourglass.schedule.id']).toBe(schedule.id);
      expect(fire.links.map((l) => l.traceId)).toEqual([schedule.id.replaceAll('-', '')]);
      await expectDelivery(sent.traceId, fire, sent.spanId);
      await traced.stack.api.expect(204, 'DELETE', `/v1/schedules/${schedule.id}`);
    },
    SLOW,
  );

  it(
    'runs one trace from POST /in/{slug} (its SERVER span, under the caller’s traceparent) to each forward’s target',
    async () => {
      const endpoint = await traced.stack.api.expect<{ slug: string }>(201, 'POST', '/v1/endpoints', {
        name: 'traced',
        forward: [{ url: `${traced.stack.sink.url}/in-a` }, { url: `${traced.stack.sink.url}/in-b` }],
      });
      const caller = '00-5bf92f3577b34da6a3ce929d0e0e4737-10f067aa0ba902b8-01';
      const acked = await fetch(`${traced.stack.gateway}/in/${endpoint.slug}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: caller },
        body: '{"n":1}',
      });
      expect(acked.status).toBe(202);
      const { id } = (await acked.json()) as { id: string };
      const hits = await traced.stack.sink.waitFor(2, (r) => r.headers['hourglass-event-id'] === id);
      const sent = hits.map((hit) => traceparentOf(hit.headers['traceparent']));
      expect(sent.map((s) => s.traceId)).toEqual([
        '5bf92f3577b34da6a3ce929d0e0e4737',
        '5bf92f3577b34da6a3ce929d0e0e4737',
      ]);
      const server = await span(sent[0]!.traceId, 'hourglass-api-gateway', OtlpKind.SERVER);
      expect(server).toMatchObject({ name: 'POST /in/:slug', parentSpanId: '10f067aa0ba902b8' });
      // The slug is the endpoint's credential: the span shows the route template only.
      expect(server.attributes).toMatchObject({ 'url.path': '/in/:slug', 'http.response.status_code': 202 });
      expect(JSON.stringify(server)).not.toContain(endpoint.slug);
      const deliveries = await waitFor(
        () =>
          traced.receiver.spans.filter(
            (s) =>
              s.traceId === sent[0]!.traceId && s.kind === OtlpKind.CONSUMER && s.service === 'hourglass-dispatcher',
          ),
        (found) => found.length === 2,
        { timeoutMs: 15_000, what: 'both forwards’ CONSUMER spans' },
      );
      expect(deliveries.map((d) => d.parentSpanId)).toEqual([server.spanId, server.spanId]);
      const clients = await waitFor(
        () => traced.receiver.spans.filter((s) => s.traceId === sent[0]!.traceId && s.kind === OtlpKind.CLIENT),
        (found) => found.length === 2,
        { timeoutMs: 15_000, what: 'both forwards’ CLIENT spans' },
      );
      expect(clients.map((c) => c.spanId).sort()).toEqual(sent.map((s) => s.spanId).sort());
    },
    SLOW,
  );
});

describe('system: OTEL_SDK_DISABLED=true', () => {
  const untraced = tracedStack(['api-gateway', 'dispatcher'], { OTEL_SDK_DISABLED: 'true' });

  it(
    "exports nothing, and a delivery still carries the caller's traceparent as is",
    async () => {
      const caller = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const id = await postTask(untraced.stack, '/untraced', caller);
      const [hit] = await untraced.stack.sink.waitFor(1, (r) => r.headers['webhook-id'] === id);
      expect(hit!.headers['traceparent']).toBe(caller);
      expect((await waitForFinish(untraced.stack.api, id)).status).toBe('succeeded');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(untraced.receiver.posts).toBe(0);
    },
    SLOW,
  );
});

describe('system: tracing on SIGTERM', () => {
  // A batch delay far past the test: only the shutdown's flush can export the spans.
  const flushed = tracedStack(['api-gateway'], { OTEL_BSP_SCHEDULE_DELAY: '600000', OTEL_SERVICE_NAME: 'edge-api' });

  it(
    'exports the spans still batched before the process exits, under OTEL_SERVICE_NAME',
    async () => {
      const id = await postTask(flushed.stack, '/never-delivered');
      expect(flushed.receiver.spans).toEqual([]);
      expect(await flushed.stack.services[0]!.kill('SIGTERM')).toBe(0);
      const producer = flushed.receiver.spans.find((s) => s.kind === OtlpKind.PRODUCER);
      expect(producer?.attributes['hourglass.task.id']).toBe(id);
      expect(producer?.service).toBe('edge-api');
      expect(flushed.receiver.spans.find((s) => s.name === 'POST /v1/tasks')?.traceId).toBe(producer?.traceId);
      expect(flushed.receiver.spans.filter((s) => s.name === 'GET /readyz')).toEqual([]);
    },
    SLOW,
  );
});
