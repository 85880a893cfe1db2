import { DataSource } from 'typeorm';
import { startGateway, type Gateway } from './harness.js';

describe('inbound endpoints: /v1/endpoints', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ HOURGLASS_PUBLIC_URL: 'https://hooks.example.com/' });
  });
  afterAll(() => gw.close());

  const stripe = {
    name: 'stripe-prod',
    verify: { provider: 'stripe', secrets: ['whsec_one'], toleranceSeconds: 300 },
    forward: [
      { url: 'https://api.example.com/stripe', filter: { 'body.type': ['invoice.paid'] } },
      { url: 'https://audit.example.com/in' },
    ],
    dedup: { window: '24h' },
    ordered: false,
    rateLimit: { count: 50, per: 'second' },
    response: { status: 200, body: 'ok' },
  };

  it('creates with the contract example, hides secrets, lists, reads, patches, pauses, rotates and deletes', async () => {
    const api = gw.as((await gw.newOrg()).key);
    const created = await api.post('/v1/endpoints', stripe).expect(201);
    const { id, slug } = created.body;
    expect(created.body).toMatchObject({
      name: 'stripe-prod',
      url: `https://hooks.example.com/in/${slug}`,
      verify: { provider: 'stripe', secretCount: 1, toleranceSeconds: 300 },
      dedup: { window: '1d', key: null },
      bodyLimit: 256 * 1024,
      response: { status: 200, body: 'ok', contentType: 'text/plain; charset=utf-8' },
      paused: false,
      whilePaused: 'store',
      rateLimit: { count: 50, per: 'second' },
    });
    expect(JSON.stringify(created.body)).not.toContain('whsec_one');
    expect(created.body.forward).toHaveLength(2);
    expect(created.body.forward[0]).toMatchObject({
      url: stripe.forward[0]!.url,
      filter: { 'body.type': ['invoice.paid'] },
    });
    expect(slug).toMatch(/^[\w-]{32}$/);

    expect((await api.get('/v1/endpoints').expect(200)).body.data.map((e: { id: string }) => e.id)).toEqual([id]);
    expect((await api.get(`/v1/endpoints/${id}`).expect(200)).body.id).toBe(id);

    const kept = created.body.forward[1].id as string;
    const patched = await api
      .patch(`/v1/endpoints/${id}`, {
        name: 'renamed',
        forward: [{ id: kept, url: 'https://audit.example.com/v2' }],
        bodyLimit: 1024,
      })
      .expect(200);
    expect(patched.body).toMatchObject({ name: 'renamed', bodyLimit: 1024, verify: { secretCount: 1 } });
    expect(patched.body.forward).toEqual([
      { id: kept, url: 'https://audit.example.com/v2', filter: null, allowHeaders: [] },
    ]);

    expect((await api.post(`/v1/endpoints/${id}/pause`).expect(200)).body.paused).toBe(true);
    expect((await api.post(`/v1/endpoints/${id}/resume`).expect(200)).body.paused).toBe(false);
    const rotated = await api.post(`/v1/endpoints/${id}/rotate-url`).expect(200);
    expect(rotated.body.slug).not.toBe(slug);

    const audit = await api.get(`/v1/audit-log?resourceId=${id}`).expect(200);
    expect(audit.body.data.map((e: { action: string }) => e.action).sort()).toEqual(
      ['endpoint.created', 'endpoint.paused', 'endpoint.resumed', 'endpoint.updated', 'endpoint.url_rotated'].sort(),
    );
    await api.delete(`/v1/endpoints/${id}`).expect(204);
    expect((await api.get(`/v1/endpoints/${id}`).expect(404)).body.code).toBe('ENDPOINT_NOT_FOUND');
  });

  it('seals secrets and forward URLs at rest', async () => {
    const api = gw.as((await gw.newOrg()).key);
    const { id } = (await api.post('/v1/endpoints', stripe).expect(201)).body;
    const [row] = await gw.app
      .get(DataSource)
      .query('SELECT verify, forwards FROM inbound_endpoints WHERE id = $1', [id]);
    expect(row.verify[0]).toBe(0); // the seal marker (docs/decisions/0014)
    expect(row.verify.toString('latin1')).not.toContain('whsec_one');
    expect(row.forwards.toString('latin1')).not.toContain('api.example.com');
  });

  it('refuses bad settings with field errors and another org’s endpoint with 404', async () => {
    const api = gw.as((await gw.newOrg()).key);
    const other = gw.as((await gw.newOrg()).key);
    const refuse = async (body: object, field: string) => {
      const res = await api.post('/v1/endpoints', body).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    };
    await refuse({ name: 'x', verify: { provider: 'github' } }, 'verify.secrets');
    await refuse({ name: 'x', verify: { provider: 'hmac', secrets: ['s'] } }, 'verify.header');
    await refuse({ name: 'x', forward: Array.from({ length: 26 }, () => ({ url: 'https://e.com' })) }, 'forward');
    await refuse({ name: 'x', forward: [{ url: 'https://e.com', filter: { 'nope.x': ['a'] } }] }, 'forward[0].filter');
    await refuse({ name: 'x', bodyLimit: 2 * 1024 * 1024 }, 'bodyLimit');
    await refuse({ name: 'x', orgId: 'mass' }, 'orgId');
    const { id } = (await api.post('/v1/endpoints', { name: 'mine' }).expect(201)).body;
    expect((await other.get(`/v1/endpoints/${id}`).expect(404)).body.code).toBe('ENDPOINT_NOT_FOUND');
    await other.patch(`/v1/endpoints/${id}`, { name: 'stolen' }).expect(404);
    await other.delete(`/v1/endpoints/${id}`).expect(404);
    await other.get('/v1/endpoints/not-a-uuid').expect(404);
  });
});
