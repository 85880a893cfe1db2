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
});
