import { DataSource } from 'typeorm';
import { startGateway, type Gateway, type KeyClient } from './harness.js';

const heartbeat = {
  name: 'nightly-backup',
  type: 'heartbeat',
  cron: '0 3 * * *',
  timezone: 'Europe/Amsterdam',
  grace: '10m',
  maxRuntime: '1h',
  failAfter: 1,
};
const http = {
  name: 'api-up',
  type: 'http',
  request: { url: 'https://api.example.com/health' },
  every: '1m',
  expect: { statusCodes: [200] },
  confirmAfter: 2,
};

describe('monitors: /v1/monitors and /ping/{token}', () => {
  let gw: Gateway;
  let api: KeyClient;
  beforeAll(async () => {
    gw = await startGateway({ HOURGLASS_PUBLIC_URL: 'https://hc.example.com' });
    api = gw.as((await gw.newOrg()).key);
  });
  afterAll(() => gw.close());

  const tokenOf = (pingUrl: string) => pingUrl.slice('https://hc.example.com/ping/'.length);

  it('creates both contract examples, lists, reads, patches, pauses, resumes and deletes (audited)', async () => {
    const hb = await api.post('/v1/monitors', heartbeat).expect(201);
    expect(hb.body).toMatchObject({
      name: 'nightly-backup',
      type: 'heartbeat',
      status: 'new',
      cron: '0 3 * * *',
      timezone: 'Europe/Amsterdam',
      grace: '10m',
      maxRuntime: '1h',
      failAfter: 1,
      request: null,
      notify: null,
      nextDeadlineAt: null,
    });
    expect(hb.body.pingUrl).toMatch(/^https:\/\/hc\.example\.com\/ping\/[\w-]{24}$/);
    expect(hb.body.badgeToken).toMatch(/^[\w-]{22}$/);
    const up = await api.post('/v1/monitors', http).expect(201);
    expect(up.body).toMatchObject({
      type: 'http',
      status: 'new',
      every: '1m',
      pingUrl: null,
      request: { url: 'https://api.example.com/health', method: 'GET', timeoutMs: 10_000 },
      expect: { statusCodes: [200], bodyPattern: null },
      confirmAfter: 2,
    });
    expect(up.body.nextDeadlineAt).not.toBeNull();

    const list = await api.get('/v1/monitors?limit=1').expect(200);
    expect(list.body.data.map((m: { id: string }) => m.id)).toEqual([up.body.id]);
    const next = await api.get(`/v1/monitors?limit=1&cursor=${list.body.nextCursor}`).expect(200);
    expect(next.body.data.map((m: { id: string }) => m.id)).toEqual([hb.body.id]);

    const id = hb.body.id as string;
    const patched = await api.patch(`/v1/monitors/${id}`, { every: '2h', name: 'renamed' }).expect(200);
    expect(patched.body).toMatchObject({ name: 'renamed', every: '2h', cron: null, timezone: null, version: 2 });
    expect((await api.post(`/v1/monitors/${id}/pause`).expect(200)).body.status).toBe('paused');
    expect((await api.post(`/v1/monitors/${id}/resume`).expect(200)).body.status).toBe('new');
    await api.delete(`/v1/monitors/${id}`).expect(204);
    await api.get(`/v1/monitors/${id}`).expect(404);

    const audit = await api.get(`/v1/audit-log?resourceId=${id}`).expect(200);
    expect(audit.body.data.map((e: { action: string }) => e.action).sort()).toEqual([
      'monitor.created',
      'monitor.deleted',
      'monitor.paused',
      'monitor.resumed',
      'monitor.updated',
    ]);
  });

  it.each([
    [{ ...heartbeat, cron: '61 * * * *' }, 'cron'],
    [{ ...heartbeat, timezone: 'Mars/Olympus' }, 'timezone'],
    [{ name: 'x', type: 'heartbeat', every: '1s' }, 'every'],
    [{ name: 'x', type: 'heartbeat', every: '99999d' }, 'every'],
    [{ name: 'x', type: 'heartbeat' }, 'every'],
    [{ name: 'x', type: 'heartbeat', every: '1h', cron: '0 3 * * *' }, 'cron'],
    [{ name: 'x', type: 'heartbeat', every: '1h', grace: 'soon' }, 'grace'],
    [{ name: 'x', type: 'heartbeat', every: '1h', failAfter: 1e9 }, 'failAfter'],
    [{ name: 'x', type: 'heartbeat', every: '1h', maxRuntime: '1m', minRuntime: '2m' }, 'minRuntime'],
    [{ name: 'x', type: 'heartbeat', every: '1h', request: { url: 'https://a.example' } }, 'request'],
    [{ name: 'x', type: 'heartbeat', every: '1h', notify: 'all' }, 'notify'],
    [{ name: 'x', type: 'heartbeat', every: '1h', notify: { channelIds: ['nope'] } }, 'notify'],
    [{ ...http, request: undefined }, 'request'],
    [{ ...http, expect: { bodyPattern: '(?<=a)b' } }, 'expect.bodyPattern'],
    [{ ...http, expect: { statusCodes: [999] } }, 'expect.statusCodes'],
    [{ ...http, request: { url: 'https://a.example', timeoutMs: 1e9 } }, 'request.timeoutMs'],
    [{ ...http, cron: '0 3 * * *' }, 'cron'],
    [{ ...http, name: 'a\u0000'.repeat(300) }, 'name'],
  ])('refuses %j naming %s', async (body, field) => {
    const res = await api.post('/v1/monitors', body).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('refuses channel ids the org does not own, and private check targets with TARGET_NOT_ALLOWED', async () => {
    const res = await api
      .post('/v1/monitors', { ...heartbeat, notify: { channelIds: ['0190a0a0-0000-7000-8000-000000000000'] } })
      .expect(400);
    expect(res.body.errors[0].field).toBe('notify.channelIds');
    const ssrf = await api.post('/v1/monitors', { ...http, request: { url: 'http://169.254.169.254/' } }).expect(400);
    expect(ssrf.body.code).toBe('TARGET_NOT_ALLOWED');
  });

  it('takes "none" and goes back to the org defaults on a PATCH of notify: null', async () => {
    const { id } = (await api.post('/v1/monitors', { ...heartbeat, notify: 'none' }).expect(201)).body;
    expect((await api.get(`/v1/monitors/${id}`).expect(200)).body.notify).toBe('none');
    const patched = await api.patch(`/v1/monitors/${id}`, { notify: null }).expect(200);
    expect(patched.body.notify).toBeNull();
  });

  it('a read-only key lists and reads but cannot create, change or delete', async () => {
    const { id } = (await api.post('/v1/monitors', { name: 'ro', type: 'heartbeat', every: '1h' }).expect(201)).body;
    const minted = await api.post('/v1/api-keys', { name: 'ro', scopes: ['read'] }).expect(201);
    const readOnly = gw.as(minted.body.key);
    await readOnly.get('/v1/monitors').expect(200);
    await readOnly.get(`/v1/monitors/${id}/pings`).expect(200);
    for (const denied of [
      readOnly.post('/v1/monitors', heartbeat),
      readOnly.patch(`/v1/monitors/${id}`, { name: 'x' }),
      readOnly.post(`/v1/monitors/${id}/pause`),
      readOnly.delete(`/v1/monitors/${id}`),
    ])
      expect((await denied.expect(403)).body.code).toBe('FORBIDDEN');
  });

  it("another org's monitor is 404 on every route; its token still pings only its own monitor", async () => {
    const other = gw.as((await gw.newOrg()).key);
    const theirs = (await other.post('/v1/monitors', heartbeat).expect(201)).body;
    for (const path of ['', '/pings', '/checks', '/incidents'])
      expect((await api.get(`/v1/monitors/${theirs.id}${path}`).expect(404)).body.code).toBe('MONITOR_NOT_FOUND');
    await api.patch(`/v1/monitors/${theirs.id}`, { name: 'mine' }).expect(404);
    await api.post(`/v1/monitors/${theirs.id}/pause`).expect(404);
    await api.delete(`/v1/monitors/${theirs.id}`).expect(404);
    await api.get('/v1/monitors/not-a-uuid').expect(404);
  });

  it('pings: success, start/end paired by rid with a duration, exit codes, fail, log, bodies cut at 10 KB', async () => {
    const created = (await api.post('/v1/monitors', { name: 'job', type: 'heartbeat', every: '1h' }).expect(201)).body;
    const token = tokenOf(created.pingUrl);
    const ping = (path: string) => gw.http().post(`/ping/${token}${path}`);
    expect((await ping('').send('all good').expect(200)).text).toBe('OK');
    const up = (await api.get(`/v1/monitors/${created.id}`).expect(200)).body;
    expect(up.status).toBe('up');
    expect(up.lastPingAt).not.toBeNull();
    expect(Date.parse(up.nextDeadlineAt) - Date.parse(up.lastPingAt)).toBe(3_600_000);

    await gw.http().get(`/ping/${token}/start?rid=run-1`).expect(200);
    await gw.http().put(`/ping/${token}/0?rid=run-1`).expect(200);
    await ping('/log').set('content-type', 'text/plain').send('x'.repeat(20_000)).expect(200);
    await ping('/3').expect(200);
    expect((await api.get(`/v1/monitors/${created.id}`).expect(200)).body.status).toBe('down');
    await ping('').expect(200);

    const pings = (await api.get(`/v1/monitors/${created.id}/pings`).expect(200)).body.data;
    expect(pings.map((p: { kind: string; exitCode: number | null }) => [p.kind, p.exitCode])).toEqual([
      ['success', null],
      ['success', 3],
      ['log', null],
      ['success', 0],
      ['start', null],
      ['success', null],
    ]);
    expect(pings[3]).toMatchObject({ runId: 'run-1' });
    expect(pings[3].durationMs).toBeGreaterThanOrEqual(0);
    expect(pings[2].body).toHaveLength(10 * 1024);
    expect(pings[5].body).toBe('all good');

    const incidents = (await api.get(`/v1/monitors/${created.id}/incidents`).expect(200)).body.data;
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ cause: 'exit code 3' });
    expect(incidents[0].resolvedAt).not.toBeNull();
    const events: { event: string; dedup_key: string }[] = await gw.app
      .get(DataSource)
      .query(`SELECT event, dedup_key FROM notification_events WHERE subject_id = $1 ORDER BY created_at`, [
        created.id,
      ]);
    expect(events.map((e) => e.event)).toEqual(['monitor.down', 'monitor.up']);
    expect(events[0]!.dedup_key).toBe(`incident:${incidents[0].id}:down`);
  });

  it('a pause silences without mending: pings are stored, the incident stays open, resume is down until a success', async () => {
    const created = (await api.post('/v1/monitors', { name: 'paused', type: 'heartbeat', every: '1h' }).expect(201))
      .body;
    const ping = (path: string) => gw.http().post(`/ping/${tokenOf(created.pingUrl)}${path}`);
    await ping('/fail').expect(200);
    expect((await api.post(`/v1/monitors/${created.id}/pause`).expect(200)).body.status).toBe('paused');
    await ping('').send('ran while paused').expect(200);
    expect((await api.get(`/v1/monitors/${created.id}`).expect(200)).body.status).toBe('paused');
    const pings = (await api.get(`/v1/monitors/${created.id}/pings`).expect(200)).body.data;
    expect(pings[0]).toMatchObject({ kind: 'success', body: 'ran while paused' });
    const incidents = async () => (await api.get(`/v1/monitors/${created.id}/incidents`).expect(200)).body.data;
    expect((await incidents())[0].resolvedAt).toBeNull();

    expect((await api.post(`/v1/monitors/${created.id}/resume`).expect(200)).body.status).toBe('down');
    await ping('').expect(200);
    expect((await api.get(`/v1/monitors/${created.id}`).expect(200)).body.status).toBe('up');
    const [incident] = await incidents();
    expect(incident.resolvedAt).not.toBeNull();
    const events: { event: string }[] = await gw.app
      .get(DataSource)
      .query(`SELECT event FROM notification_events WHERE subject_id = $1 ORDER BY created_at`, [created.id]);
    expect(events.map((e) => e.event)).toEqual(['monitor.down', 'monitor.up']);
    // Resumed with nothing open: new again.
    await api.post(`/v1/monitors/${created.id}/pause`).expect(200);
    expect((await api.post(`/v1/monitors/${created.id}/resume`).expect(200)).body.status).toBe('new');
  });

  it('concurrent pings of one monitor are all stored; the losers of the version race take the locked path', async () => {
    const created = (await api.post('/v1/monitors', { name: 'busy', type: 'heartbeat', every: '1h' }).expect(201)).body;
    const token = tokenOf(created.pingUrl);
    await gw.http().post(`/ping/${token}`).expect(200);
    const answers = await Promise.all(Array.from({ length: 20 }, () => gw.http().post(`/ping/${token}`)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const pings = (await api.get(`/v1/monitors/${created.id}/pings?limit=100`).expect(200)).body.data;
    expect(pings).toHaveLength(21);
    const view = (await api.get(`/v1/monitors/${created.id}`).expect(200)).body;
    expect(view.lastPingAt).toBe(pings[0].receivedAt);
    expect(view.status).toBe('up');
  });

  it('pings with unknown tokens, bad exit codes or bad rids are 404/400 problems', async () => {
    const created = (await api.post('/v1/monitors', { name: 'job2', type: 'heartbeat', every: '1h' }).expect(201)).body;
    const token = tokenOf(created.pingUrl);
    for (const path of ['/ping/AAAAAAAAAAAAAAAAAAAAAAAA', '/ping/x', `/ping/${token}/256`, `/ping/${token}/abc`]) {
      const res = await gw.http().get(path).expect(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    await gw
      .http()
      .get(`/ping/${token}?rid=${'r'.repeat(200)}`)
      .expect(400);
    await gw.http().get(`/ping/${token}?rid=a%00b`).expect(400);
  });
});
