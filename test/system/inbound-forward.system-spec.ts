import { createHmac } from 'node:crypto';
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
import { type ApiClient, newOrgClient, serviceEnv } from './api-client.js';
import { promtoolCheck } from './promtool.js';

/**
 * An inbound webhook end to end across processes: a Stripe-signed request to /in/<slug> on the
 * api-gateway becomes a forward task the real dispatcher delivers to a local server, body byte for
 * byte, re-signed with the org's Standard Webhooks secret, with the event and endpoint ids.
 */
const SLOW = 60_000;
const STRIPE_SECRET = 'whsec_system_test';

describe('system: an inbound webhook forwarded by the dispatcher', () => {
  let database: TestDatabase;
  let sink: HttpSink;
  let api: ApiClient;
  let signingSecret: string;
  let gateway: RunningService;
  const services: RunningService[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await startHttpSink();
    const { adminToken, env } = serviceEnv(database.url);
    services.push(...(await Promise.all([startService('api-gateway', env), startService('dispatcher', env)])));
    gateway = services[0]!;
    const client = await newOrgClient(gateway.url, adminToken, { name: 'inbound' });
    api = client.api;
    signingSecret = client.org.signingSecret;
  }, SLOW);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.kill('SIGKILL')));
    await sink.close();
    await database.drop();
  }, SLOW);

  it(
    'delivers the verified request to the forward, signed, and the event shows the task succeeded',
    async () => {
      const endpoint = await api.expect<{ id: string; slug: string }>(201, 'POST', '/v1/endpoints', {
        name: 'stripe',
        verify: { provider: 'stripe', secrets: [STRIPE_SECRET] },
        forward: [{ url: `${sink.url}/stripe` }],
      });
      const body = '{ "id": "evt_9", "type": "invoice.paid",  "amount": 1e3 }';
      const t = Math.floor(Date.now() / 1000);
      const signature = createHmac('sha256', STRIPE_SECRET).update(`${t}.${body}`).digest('hex');
      const acked = await fetch(`${gateway.url}/in/${endpoint.slug}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${signature}` },
        body,
      });
      expect(acked.status).toBe(202);
      const { id: eventId } = (await acked.json()) as { id: string };

      const [delivered] = await sink.waitFor(1, (r) => r.path === '/stripe');
      expect(delivered!.body).toBe(body);
      expect(delivered!.headers['content-type']).toBe('application/json');
      expect(delivered!.headers['hourglass-event-id']).toBe(eventId);
      expect(delivered!.headers['hourglass-endpoint-id']).toBe(endpoint.id);
      expect(delivered!.headers['stripe-signature']).toBeUndefined();
      const headers = delivered!.headers as Record<string, string>;
      expect(() => new Webhook(signingSecret).verify(delivered!.body, headers)).not.toThrow();

      const event = await waitFor(
        () => api.expect<{ forwards: { status: string }[] }>(200, 'GET', `/v1/events/${eventId}`),
        (e) => e.forwards[0]?.status === 'succeeded',
        { timeoutMs: 20_000, intervalMs: 100, what: 'the forward task to succeed' },
      );
      expect(event.forwards).toHaveLength(1);
    },
    SLOW,
  );

  it(
    'counts received requests per verifier and outcome (dedup hits, rejections) and times them; promtool-clean',
    async () => {
      const endpoint = await api.expect<{ slug: string }>(201, 'POST', '/v1/endpoints', {
        name: 'metered',
        verify: { provider: 'stripe', secrets: [STRIPE_SECRET] },
      });
      const body = '{"id":"evt_metered","type":"charge.succeeded"}';
      const t = Math.floor(Date.now() / 1000);
      const good = `t=${t},v1=${createHmac('sha256', STRIPE_SECRET).update(`${t}.${body}`).digest('hex')}`;
      const send = (signature: string) =>
        fetch(`${gateway.url}/in/${endpoint.slug}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': signature },
          body,
        });
      expect((await send(good)).status).toBe(202);
      expect((await send(good)).status).toBe(202); // Stripe's retry: a dedup hit
      expect((await send(`t=${t},v1=${'0'.repeat(64)}`)).status).toBe(401);
      expect((await fetch(`${gateway.url}/in/no-such-slug`, { method: 'POST' })).status).toBe(404);

      const text = await (await fetch(`${gateway.url}/metrics`)).text();
      /** The value of the series `name` whose labels include `labels` (the registry adds `service`). */
      const valueOf = (name: string, labels: Record<string, string>) => {
        const line = text
          .split('\n')
          .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
        return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
      };
      const requests = 'hourglass_inbound_requests_total';
      const timed = 'hourglass_inbound_ingest_duration_seconds_count';
      expect(valueOf(requests, { provider: 'stripe', outcome: 'stored' })).toBe(1);
      expect(valueOf(requests, { provider: 'stripe', outcome: 'duplicate' })).toBe(1);
      expect(valueOf(requests, { provider: 'stripe', outcome: 'rejected' })).toBe(1);
      expect(valueOf(timed, { provider: 'stripe', outcome: 'stored' })).toBe(1);
      expect(valueOf(timed, { provider: 'stripe', outcome: 'rejected' })).toBe(1);
      expect(valueOf(timed, { provider: 'unknown', outcome: 'not_found' })).toBe(1);
      const lint = promtoolCheck(text);
      if (lint !== null) expect(lint.output).toBe('');
    },
    SLOW,
  );
});
