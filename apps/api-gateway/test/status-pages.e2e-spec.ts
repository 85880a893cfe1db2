import superagent from 'superagent';
import { DataSource } from 'typeorm';
import { makeMonitor } from '@hourglass/testing';
import { startGateway, type Gateway } from './harness.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('status pages: /v1/status-pages', () => {
  let gw: Gateway;
  let db: DataSource;
  beforeAll(async () => {
    gw = await startGateway({ HOURGLASS_PUBLIC_URL: 'https://status.example.com/' });
    db = gw.app.get(DataSource);
  });
  afterAll(() => gw.close());

  it('creates, lists, reads, patches and deletes a page, each change audited', async () => {
    const { orgId, key } = await gw.newOrg();
    const api = gw.as(key);
    const [a, b] = [await makeMonitor.monitor(db, { orgId }), await makeMonitor.monitor(db, { orgId })];
    const created = await api
      .post('/v1/status-pages', { slug: 'acme-prod', title: 'Acme', monitorIds: [b.id, a.id] })
      .expect(201);
    const { id } = created.body;
    expect(created.body).toMatchObject({
      slug: 'acme-prod',
      title: 'Acme',
      monitorIds: [b.id, a.id],
      url: 'https://status.example.com/status/acme-prod',
    });
    expect((await api.get('/v1/status-pages').expect(200)).body.data.map((p: { id: string }) => p.id)).toEqual([id]);
    expect((await api.get(`/v1/status-pages/${id}`).expect(200)).body.title).toBe('Acme');

    const patched = await api.patch(`/v1/status-pages/${id}`, { title: 'Acme Inc', monitorIds: [a.id] }).expect(200);
    expect(patched.body).toMatchObject({ slug: 'acme-prod', title: 'Acme Inc', monitorIds: [a.id] });
    await api.delete(`/v1/status-pages/${id}`).expect(204);
    expect((await api.get(`/v1/status-pages/${id}`).expect(404)).body.code).toBe('STATUS_PAGE_NOT_FOUND');
    expect((await gw.http().get('/status/acme-prod').expect(404)).body.code).toBe('STATUS_PAGE_NOT_FOUND');

    const audit = await api.get(`/v1/audit-log?resourceId=${id}`).expect(200);
    expect(audit.body.data.map((e: { action: string }) => e.action).sort()).toEqual([
      'status_page.created',
      'status_page.deleted',
      'status_page.updated',
    ]);
    const updated = audit.body.data.find((e: { action: string }) => e.action === 'status_page.updated');
    expect(updated.changes.title).toEqual(['Acme', 'Acme Inc']);
  });

  it('refuses bad slugs, titles and monitor lists with a field, and a taken slug with 409', async () => {
    const { orgId, key } = await gw.newOrg();
    const api = gw.as(key);
    const mine = await makeMonitor.monitor(db, { orgId });
    const theirs = await makeMonitor.monitor(db, { orgId: (await gw.newOrg()).orgId });
    const body = { slug: 'valid-slug', title: 'T', monitorIds: [mine.id] };
    const refused = async (change: Record<string, unknown>, field: string) => {
      const res = await api.post('/v1/status-pages', { ...body, ...change }).expect(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    };
    for (const slug of [
      'ab',
      'Upper',
      '-dash',
      'dash-',
      'a_b',
      'x'.repeat(65),
      'status',
      'admin',
      'a.json',
      'a\u0000b',
    ])
      await refused({ slug }, 'slug');
    await refused({ title: '' }, 'title');
    await refused({ title: 'x'.repeat(201) }, 'title');
    await refused({ title: null }, 'title');
    await refused({ monitorIds: [theirs.id] }, 'monitorIds[0]');
    await refused({ monitorIds: [mine.id, '0193aaaa-0000-7000-8000-000000000000'] }, 'monitorIds[1]');
    await refused({ monitorIds: [mine.id, mine.id] }, 'monitorIds');
    await refused({ monitorIds: ['not-a-uuid'] }, 'monitorIds');
    await refused({ monitorIds: Array.from({ length: 51 }, () => mine.id) }, 'monitorIds');
    expect((await api.post('/v1/status-pages', { ...body, orgId }).expect(400)).body.code).toBe('VALIDATION_FAILED');

    const first = await api.post('/v1/status-pages', body).expect(201);
    const other = gw.as((await gw.newOrg()).key);
    const taken = await other.post('/v1/status-pages', { ...body, monitorIds: [] }).expect(409);
    expect(taken.body.code).toBe('STATUS_PAGE_SLUG_TAKEN');
    const second = await api.post('/v1/status-pages', { ...body, slug: 'second-page' }).expect(201);
    expect((await api.patch(`/v1/status-pages/${second.body.id}`, { slug: 'valid-slug' }).expect(409)).body.code).toBe(
      'STATUS_PAGE_SLUG_TAKEN',
    );
    expect(
      (await api.patch(`/v1/status-pages/${first.body.id}`, { monitorIds: [theirs.id] }).expect(400)).body.errors,
    ).toEqual([{ field: 'monitorIds[0]', message: 'is not a monitor of this organization' }]);
  });

  it("deleting a monitor takes its id off every page of the org, so a page's list can be sent back as read", async () => {
    const { orgId, key } = await gw.newOrg();
    const api = gw.as(key);
    const [a, b] = [await makeMonitor.monitor(db, { orgId }), await makeMonitor.monitor(db, { orgId })];
    const both = await api.post('/v1/status-pages', { slug: 'gone-both', title: 'T', monitorIds: [a.id, b.id] });
    const only = await api.post('/v1/status-pages', { slug: 'gone-only', title: 'T', monitorIds: [a.id] });
    await api.delete(`/v1/monitors/${a.id}`).expect(204);
    const read = await api.get(`/v1/status-pages/${both.body.id}`).expect(200);
    expect(read.body.monitorIds).toEqual([b.id]);
    expect((await api.get(`/v1/status-pages/${only.body.id}`).expect(200)).body.monitorIds).toEqual([]);
    const listed = await api.get('/v1/status-pages').expect(200);
    expect(listed.body.data.flatMap((p: { monitorIds: string[] }) => p.monitorIds)).toEqual([b.id]);
    await api.patch(`/v1/status-pages/${both.body.id}`, { monitorIds: read.body.monitorIds }).expect(200);
  });

  it("answers another org's page with 404 on every route", async () => {
    const owner = await gw.newOrg();
    const page = await gw.as(owner.key).post('/v1/status-pages', { slug: 'owned-page', title: 'T', monitorIds: [] });
    const other = gw.as((await gw.newOrg()).key);
    const id = page.body.id as string;
    expect((await other.get(`/v1/status-pages/${id}`).expect(404)).body.code).toBe('STATUS_PAGE_NOT_FOUND');
    await other.patch(`/v1/status-pages/${id}`, { title: 'mine now' }).expect(404);
    await other.delete(`/v1/status-pages/${id}`).expect(404);
    expect((await other.get('/v1/status-pages').expect(200)).body.data).toEqual([]);
    expect((await gw.as(owner.key).get(`/v1/status-pages/${id}`).expect(200)).body.title).toBe('T');
  });
});

describe('public status pages and badges', () => {
  let gw: Gateway;
  let db: DataSource;
  beforeAll(async () => {
    gw = await startGateway();
    db = gw.app.get(DataSource);
  });
  afterAll(() => gw.close());

  const xss = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`;

  async function seeded() {
    const { orgId, key } = await gw.newOrg();
    const today = Math.floor(Date.now() / DAY) * DAY;
    const api = await makeMonitor.monitor(db, {
      orgId,
      name: 'api-up',
      type: 'http',
      status: 'up',
      createdAt: new Date(today - 10 * DAY + 12 * HOUR),
    });
    const backup = await makeMonitor.monitor(db, { orgId, name: xss, status: 'down' });
    // 6 h of day -3 (75 %), and 4 h across the midnight between day -2 and day -1 (22/24 each).
    await makeMonitor.incident(db, api, new Date(today - 3 * DAY), new Date(today - 3 * DAY + 6 * HOUR), 'status 503');
    await makeMonitor.incident(
      db,
      api,
      new Date(today - DAY - 2 * HOUR),
      new Date(today - DAY + 2 * HOUR),
      `connect ECONNREFUSED 10.1.2.3:443 ${xss}`,
    );
    await makeMonitor.incident(db, backup, new Date(Date.now() - 60_000), null, 'missed heartbeat');
    const slug = `acme-${orgId.slice(-8)}`;
    await gw
      .as(key)
      .post('/v1/status-pages', { slug, title: `Acme ${xss}`, monitorIds: [api.id, backup.id] })
      .expect(201);
    return { orgId, key, slug, api, backup };
  }

  it('serves the page data as JSON: states, 90 daily bars from incidents, no data before creation', async () => {
    const { slug } = await seeded();
    const res = await gw.http().get(`/status/${slug}.json`).expect(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.headers['cache-control']).toBe('public, max-age=30');
    expect(res.body).toMatchObject({ slug, title: `Acme ${xss}`, status: 'down' });
    const [api, backup] = res.body.monitors;
    expect(api).toMatchObject({ name: 'api-up', status: 'up' });
    expect(backup).toMatchObject({ name: xss, status: 'down' });
    expect(api.days).toHaveLength(90);
    const day = (k: number) => api.days[89 - k].uptime;
    expect(day(11)).toBeNull();
    expect(day(10)).toBe(100);
    expect(day(3)).toBe(75);
    expect(day(2)).toBe(91.66);
    expect(day(1)).toBe(91.66);
    expect(api.days.slice(0, 79).every((d: { uptime: null }) => d.uptime === null)).toBe(true);
    expect(api.uptime).toBeLessThan(100);
    expect(api.uptime).toBeGreaterThan(95);
    expect(backup.days[89].uptime).toBeLessThan(100);
    // A cause that is not one the state machine writes (a network error naming an address) is not shown.
    expect(res.body.incidents.map((i: { cause: string }) => i.cause)).toEqual([
      'missed heartbeat',
      'check failed',
      'status 503',
    ]);
    expect(JSON.stringify(res.body)).not.toContain('10.1.2.3');
    expect(res.body.incidents[0]).toMatchObject({ monitor: xss, resolvedAt: null });
    expect(res.body.incidents[2]).toMatchObject({ monitor: 'api-up', durationMs: 6 * HOUR });
    expect(JSON.stringify(res.body)).not.toMatch(/orgId|badge|token/i);
  });

  it('renders HTML with everything escaped, a strict CSP and no external assets', async () => {
    const { slug } = await seeded();
    const res = await gw.http().get(`/status/${slug}`).expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=30');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[\w+/=]+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    const html = res.text;
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    expect(html).not.toMatch(/ style=/);
    expect(html).toContain('Outage');
    expect(html).toContain('api-up');
    expect(html.match(/class="bar[ "]/g)).toHaveLength(180);
    expect(html).toContain('title="' + new Date().toISOString().slice(0, 10));
  });

  it('answers unknown or malformed slugs with a problem 404, and stops serving a deleted org', async () => {
    const cases: [string, number][] = [
      ['/status/no-such-page', 404],
      ['/status/no-such-page.json', 404],
      ['/status/'.padEnd(108, 'x'), 404],
      ['/status/%00', 400],
      ['/status/%E0%A4%A', 400],
    ];
    for (const [path, status] of cases) {
      const res = await gw.http().get(path);
      expect([path, res.status]).toEqual([path, status]);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const { orgId, slug, api } = await seeded();
    // Answers are kept 5 s per replica: this one (another label) is not what is asked for after the delete.
    await gw.http().get(`/badge/${api.badgeToken}.json?label=before`).expect(200);
    await gw.admin(gw.http().delete(`/v1/admin/orgs/${orgId}`)).expect((r) => expect(r.status).toBeLessThan(300));
    await gw.http().get(`/status/${slug}`).expect(404);
    await gw.http().get(`/badge/${api.badgeToken}.svg`).expect(404);
  });

  it('serves shields.io endpoint JSON and a flat SVG for state and uptime', async () => {
    const { api, backup } = await seeded();
    const json = await gw.http().get(`/badge/${api.badgeToken}.json`).expect(200);
    expect(json.body).toEqual({ schemaVersion: 1, label: 'api-up', message: 'up', color: 'brightgreen' });
    expect(json.headers['cache-control']).toBe('public, max-age=60');
    expect(json.headers['access-control-allow-origin']).toBe('*');
    const down = await gw.http().get(`/badge/${backup.badgeToken}.json?label=backup`).expect(200);
    expect(down.body).toEqual({ schemaVersion: 1, label: 'backup', message: 'down', color: 'red' });
    const week = await gw.http().get(`/badge/${api.badgeToken}.json?period=7d`).expect(200);
    // 10 h down of 7 days: 94.04 %.
    expect(week.body).toEqual({ schemaVersion: 1, label: 'api-up', message: '94.04%', color: 'orange' });

    const svg = await gw
      .http()
      .get(`/badge/${backup.badgeToken}.svg`)
      .buffer(true)
      .parse(superagent.parse['text']!)
      .expect(200);
    expect(svg.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(svg.headers['content-security-policy']).toBe("default-src 'none'");
    const text = svg.text;
    expect(text).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="20"/);
    expect(text).toContain('#e05d44');
    expect(text).not.toContain('<script');
    expect(text).toContain('&lt;script&gt;');
  });

  it('shows a monitor made and pinged through the API: its badge token, its state after a ping', async () => {
    const api = gw.as((await gw.newOrg()).key);
    const monitor = (await api.post('/v1/monitors', { name: 'cron-job', type: 'heartbeat', every: '1h' }).expect(201))
      .body;
    const slug = `real-${String(monitor.id).slice(-12)}`;
    await api.post('/v1/status-pages', { slug, title: 'Real', monitorIds: [monitor.id] }).expect(201);
    const before = await gw.http().get(`/badge/${monitor.badgeToken}.json?label=before`).expect(200);
    expect(before.body).toMatchObject({ label: 'before', message: 'new', color: 'lightgrey' });
    await gw
      .http()
      .post(new URL(monitor.pingUrl as string).pathname)
      .expect(200);
    const after = await gw.http().get(`/badge/${monitor.badgeToken}.json`).expect(200);
    expect(after.body).toEqual({ schemaVersion: 1, label: 'cron-job', message: 'up', color: 'brightgreen' });
    const page = await gw.http().get(`/status/${slug}.json`).expect(200);
    expect(page.body).toMatchObject({ status: 'up', monitors: [{ name: 'cron-job', status: 'up', uptime: 100 }] });
  });

  it('refuses unknown tokens, formats and periods', async () => {
    const { api } = await seeded();
    for (const path of ['/badge/nope-nope-nope.svg', `/badge/${api.badgeToken}.png`, `/badge/${api.badgeToken}`]) {
      const res = await gw.http().get(path).expect(404);
      expect(res.body.code).toBe('BADGE_NOT_FOUND');
    }
    const bad = await gw.http().get(`/badge/${api.badgeToken}.json?period=1y`).expect(400);
    expect(bad.body.errors[0].field).toBe('period');
    await gw
      .http()
      .get(`/badge/${api.badgeToken}.json?label=${'x'.repeat(65)}`)
      .expect(400);
    await gw.http().get(`/badge/${api.badgeToken}.json?label=a&label=b`).expect(400);
  });
});
