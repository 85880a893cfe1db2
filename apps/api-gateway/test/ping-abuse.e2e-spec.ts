import { randomBytes } from 'node:crypto';
import { startGateway, type Gateway, type KeyClient } from './harness.js';
import { PING_MISS_LIMITS } from '../src/monitors/ping-miss-limiter.js';

/** `/ping/{token}` under a flood of unknown tokens: 404s until the address's budget is spent, then 429. */
describe('pings: unknown tokens from one address are rate limited', () => {
  let gw: Gateway;
  let api: KeyClient;
  beforeAll(async () => {
    gw = await startGateway({ HOURGLASS_PUBLIC_URL: 'https://hc.example.com' });
    api = gw.as((await gw.newOrg()).key);
  });
  afterAll(() => gw.close());

  const newToken = async () => {
    const { body } = await api.post('/v1/monitors', { name: 'job', type: 'heartbeat', every: '1h' }).expect(201);
    return (body.pingUrl as string).slice('https://hc.example.com/ping/'.length);
  };
  const randomToken = () => randomBytes(18).toString('base64url');

  it('a burst of unknown tokens is 404 each, then 429 RATE_LIMITED with Retry-After; known tokens still ping', async () => {
    const known = await newToken();
    await gw.http().post(`/ping/${known}`).expect(200);
    const unseen = await newToken();
    for (let i = 0; i < PING_MISS_LIMITS.burst; i++) await gw.http().get(`/ping/${randomToken()}`).expect(404);

    const limited = await gw.http().get(`/ping/${randomToken()}/fail`).expect(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    // A token that pinged here before is always looked up; one that never did waits like any unknown one.
    await gw.http().post(`/ping/${known}`).send('still here').expect(200);
    await gw.http().post(`/ping/${known}/start`).expect(200);
    expect((await gw.http().post(`/ping/${unseen}`).expect(429)).body.code).toBe('RATE_LIMITED');
    // Malformed tokens cost no lookup and stay 404.
    await gw.http().get('/ping/x').expect(404);

    // The bucket refills at perSecond: after Retry-After the next lookup is made again.
    await new Promise((resolve) => setTimeout(resolve, Number(limited.headers['retry-after']) * 1000 + 100));
    await gw.http().post(`/ping/${unseen}`).expect(200);
    const pings = await api.get('/v1/monitors').expect(200);
    expect(pings.body.data.every((m: { lastPingAt: string | null }) => m.lastPingAt !== null)).toBe(true);
  });
});
