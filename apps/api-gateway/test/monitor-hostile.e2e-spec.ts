import type { Response } from 'supertest';
import { startGateway, type Gateway, type KeyClient } from './harness.js';

/**
 * Hostile input on the monitor and notification-channel routes, in production mode (not local: the
 * harness default), so private, loopback and metadata targets are refused. Every answer is a 4xx
 * application/problem+json with a stable code, never a 500.
 */
describe('hostile input: monitors and notification channels', () => {
  let gw: Gateway;
  let api: KeyClient;
  let theirs: { monitor: string; channel: string };
  beforeAll(async () => {
    gw = await startGateway();
    api = gw.as((await gw.newOrg()).key);
    const other = gw.as((await gw.newOrg()).key);
    theirs = {
      monitor: (await other.post('/v1/monitors', heartbeat).expect(201)).body.id,
      channel: (await other.post('/v1/notification-channels', slack).expect(201)).body.id,
    };
  });
  afterAll(() => gw.close());

  const NUL = 'a\u0000b';
  const heartbeat = { name: 'job', type: 'heartbeat', every: '1h' };
  const http = { name: 'site', type: 'http', every: '1m', request: { url: 'https://example.com/health' } };
  const slack = {
    name: 'ops',
    type: 'slack',
    url: 'https://hooks.slack.com/services/T0/B0/x',
    events: ['monitor.down'],
  };
  const SSRF = [
    'http://0x7f000001/',
    'http://[::ffff:127.0.0.1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://2130706433/',
    'http://127.1/',
    'http://localhost./',
    'http://[::1]/',
    'http://10.0.0.1/',
  ];
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

  function expectProblem(res: Response, status: number, code: string): void {
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  }
  const raw = (path: string, body: string) => gw.http().post(path).set('content-type', 'application/json').send(body);

  it.each<[string, object]>([
    ['a NUL in the name', { ...heartbeat, name: NUL }],
    ['a NUL in a label', { ...heartbeat, labels: { team: NUL } }],
    ['an impossible cron', { name: 'x', type: 'heartbeat', cron: '0 0 31 2 *' }],
    ['an unknown timezone', { name: 'x', type: 'heartbeat', cron: '0 3 * * *', timezone: 'Mars/Olympus' }],
    ['every 1e309s', { ...heartbeat, every: '1e309s' }],
    ['every -1s', { ...heartbeat, every: '-1s' }],
    ['grace NaN', { ...heartbeat, grace: 'NaNs' }],
    [
      '10,000 labels',
      { ...heartbeat, labels: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'v'])) },
    ],
    ['a 100 KB label', { ...heartbeat, labels: { big: 'x'.repeat(100_000) } }],
    ['a nested label', { ...heartbeat, labels: { a: { b: 'c' } } }],
    ['a NUL in the check URL', { ...http, request: { url: `https://example.com/${NUL}` } }],
    ['a NUL in a check header', { ...http, request: { url: 'https://example.com/', headers: { 'x-a': NUL } } }],
    ['a body pattern that is not RE2', { ...http, expect: { bodyPattern: '(a)\\1' } }],
    ['confirmAfter 1e9', { ...http, confirmAfter: 1e9 }],
  ])('POST /v1/monitors with %s is 400 VALIDATION_FAILED', async (_, body) => {
    expectProblem(await api.post('/v1/monitors', body), 400, 'VALIDATION_FAILED');
  });

  it.each(SSRF)('a check URL or a channel URL %s is 400 TARGET_NOT_ALLOWED (production mode)', async (url) => {
    expectProblem(await api.post('/v1/monitors', { ...http, request: { url } }), 400, 'TARGET_NOT_ALLOWED');
    for (const type of ['slack', 'discord', 'webhook'])
      expectProblem(await api.post('/v1/notification-channels', { ...slack, type, url }), 400, 'TARGET_NOT_ALLOWED');
  });

  it('PATCH to an SSRF check URL, a NUL name or an impossible cron is 400; nothing changes', async () => {
    const hb = (await api.post('/v1/monitors', { name: 'x', type: 'heartbeat', cron: '0 3 * * *' }).expect(201)).body;
    const site = (await api.post('/v1/monitors', http).expect(201)).body;
    for (const url of SSRF)
      expectProblem(await api.patch(`/v1/monitors/${site.id}`, { request: { url } }), 400, 'TARGET_NOT_ALLOWED');
    expectProblem(await api.patch(`/v1/monitors/${hb.id}`, { name: NUL }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.patch(`/v1/monitors/${hb.id}`, { cron: '0 0 30 2 *' }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.patch(`/v1/monitors/${hb.id}`, { timezone: 'Mars/Olympus' }), 400, 'VALIDATION_FAILED');
    expect((await api.get(`/v1/monitors/${site.id}`).expect(200)).body.request.url).toBe(http.request.url);
  });

  it.each<[string, object]>([
    ['a NUL in the name', { ...slack, name: NUL }],
    ['an unknown event', { ...slack, events: ['monitor.exploded'] }],
    ['10,000 events', { ...slack, events: Array.from({ length: 10_000 }, () => 'monitor.down') }],
    [
      'a header-injecting email',
      { name: 'm', type: 'email', email: 'a@example.com\r\nBcc: b@example.com', events: ['monitor.down'] },
    ],
    ['a NUL in the email', { name: 'm', type: 'email', email: `a${NUL}@example.com`, events: ['monitor.down'] }],
  ])('POST /v1/notification-channels with %s is 400 VALIDATION_FAILED', async (_, body) => {
    expectProblem(await api.post('/v1/notification-channels', body), 400, 'VALIDATION_FAILED');
  });

  it('deeply nested and huge bodies are 4xx problems on both routes', async () => {
    const key = (await gw.newOrg()).key;
    for (const path of ['/v1/monitors', '/v1/notification-channels']) {
      for (const body of [
        `{"name":"x","type":"heartbeat","every":"1h","labels":${nested(10_000)}}`,
        `{"name":"x","labels":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
        `{"name":"${'x'.repeat(2_000_000)}"}`,
      ]) {
        const res = await raw(path, body).set('authorization', `Bearer ${key}`);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(typeof res.body.code).toBe('string');
      }
    }
  });

  it("another org's monitor and channel are 404 on every route; other ids one stable 4xx each", async () => {
    const monitorRoutes = (id: string) => [
      ...['', '/pings', '/checks', '/incidents'].map((path) => api.get(`/v1/monitors/${id}${path}`)),
      api.patch(`/v1/monitors/${id}`, { name: 'mine' }),
      api.post(`/v1/monitors/${id}/pause`),
      api.post(`/v1/monitors/${id}/resume`),
      api.delete(`/v1/monitors/${id}`),
    ];
    const channelRoutes = (id: string) => [
      api.get(`/v1/notification-channels/${id}`),
      api.patch(`/v1/notification-channels/${id}`, { name: 'mine' }),
      api.post(`/v1/notification-channels/${id}/test`),
      api.delete(`/v1/notification-channels/${id}`),
    ];
    for (const res of await Promise.all(monitorRoutes(theirs.monitor))) expectProblem(res, 404, 'MONITOR_NOT_FOUND');
    for (const res of await Promise.all(channelRoutes(theirs.channel)))
      expectProblem(res, 404, 'NOTIFICATION_CHANNEL_NOT_FOUND');
    // Not a uuid: unknown (404); a NUL: 400 VALIDATION_FAILED; a 5,000-character id: 414 URI_TOO_LONG.
    for (const [id, status, monitorCode, channelCode] of [
      ['not-a-uuid', 404, 'MONITOR_NOT_FOUND', 'NOTIFICATION_CHANNEL_NOT_FOUND'],
      [`${theirs.monitor}%00`, 400, 'VALIDATION_FAILED', 'VALIDATION_FAILED'],
      ['x'.repeat(5_000), 414, 'URI_TOO_LONG', 'URI_TOO_LONG'],
    ] as const) {
      for (const res of await Promise.all(monitorRoutes(id))) expectProblem(res, status, monitorCode);
      for (const res of await Promise.all(channelRoutes(id))) expectProblem(res, status, channelCode);
    }
    // A monitor may not name another org's channel.
    expectProblem(
      await api.post('/v1/monitors', { ...heartbeat, notify: { channelIds: [theirs.channel] } }),
      400,
      'VALIDATION_FAILED',
    );
  });
});
