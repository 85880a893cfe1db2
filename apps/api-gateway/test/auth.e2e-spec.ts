import { DataSource } from 'typeorm';
import { ADMIN_TOKEN, startGateway, type Gateway } from './harness.js';

describe('orgs, API keys and auth', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('creates an org with its signing secret, and a key for it', async () => {
    const org = await gw
      .admin(gw.http().post('/v1/admin/orgs'))
      .send({ name: 'Acme', plan: 'pro', retentionDays: 7 })
      .expect(201);
    expect(org.body).toMatchObject({ name: 'Acme', plan: 'pro', retentionDays: 7 });
    expect(org.body.signingSecret).toMatch(/^whsec_/);
    const key = await gw
      .admin(gw.http().post(`/v1/admin/orgs/${org.body.id}/api-keys`))
      .send({ name: 'ci' })
      .expect(201);
    expect(key.body).toMatchObject({ name: 'ci', scopes: ['read', 'write', 'admin'], expiresAt: null });
    expect(key.body.key).toMatch(/^hg_[0-9a-z]{16}_/);
    const me = await gw.http().get('/v1/org').set('authorization', `Bearer ${key.body.key}`).expect(200);
    expect(me.body).toEqual({
      id: org.body.id,
      name: 'Acme',
      plan: 'pro',
      retentionDays: 7,
      createdAt: org.body.createdAt,
      quotas: expect.objectContaining({ tier: 2 }),
      usage: { tasksThisMonth: 0 },
    });
    const sealed = await gw.app
      .get(DataSource)
      .query('SELECT signing_secrets FROM organizations WHERE id = $1', [org.body.id]);
    expect(sealed[0].signing_secrets[0]).not.toContain(org.body.signingSecret.slice(6));
  });

  it('answers 404 ORG_NOT_FOUND for a key on an unknown org', async () => {
    const res = await gw
      .admin(gw.http().post('/v1/admin/orgs/0193a0a0-0000-7000-8000-000000000000/api-keys'))
      .send({})
      .expect(404);
    expect(res.body.code).toBe('ORG_NOT_FOUND');
    const malformed = await gw.admin(gw.http().post('/v1/admin/orgs/nope/api-keys')).send({}).expect(404);
    expect(malformed.body.code).toBe('ORG_NOT_FOUND');
  });

  it('rejects missing, malformed and wrong credentials with 401 UNAUTHENTICATED', async () => {
    const { key } = await gw.newOrg();
    const wrongSecret = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const header of [
      undefined,
      'Bearer',
      'Basic abc',
      'Bearer hg_nope',
      `Bearer ${wrongSecret}`,
      `Bearer ${ADMIN_TOKEN}`,
    ]) {
      const req = gw.http().get('/v1/tasks');
      const res = await (header ? req.set('authorization', header) : req).expect(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe('UNAUTHENTICATED');
    }
  });

  it('keeps admin routes for the admin token only', async () => {
    const { key } = await gw.newOrg();
    const withKey = await gw
      .http()
      .post('/v1/admin/orgs')
      .set('authorization', `Bearer ${key}`)
      .send({ name: 'x' })
      .expect(401);
    expect(withKey.body.code).toBe('UNAUTHENTICATED');
    const wrong = await gw
      .http()
      .post('/v1/admin/orgs')
      .set('authorization', `Bearer ${ADMIN_TOKEN}x`)
      .send({ name: 'x' })
      .expect(401);
    expect(wrong.body.code).toBe('UNAUTHENTICATED');
  });

  it('enforces scopes with 403 FORBIDDEN', async () => {
    const { key } = await gw.newOrg(['read']);
    await gw.http().get('/v1/tasks').set('authorization', `Bearer ${key}`).expect(200);
    const write = await gw
      .http()
      .post('/v1/tasks')
      .set('authorization', `Bearer ${key}`)
      .send({ request: { url: 'https://example.com' } })
      .expect(403);
    expect(write.body.code).toBe('FORBIDDEN');
    const keys = await gw.http().get('/v1/api-keys').set('authorization', `Bearer ${key}`).expect(403);
    expect(keys.body.code).toBe('FORBIDDEN');
  });

  it('lets an org manage its own keys; a revoked key stops working', async () => {
    const { key } = await gw.newOrg();
    const auth = `Bearer ${key}`;
    const created = await gw
      .http()
      .post('/v1/api-keys')
      .set('authorization', auth)
      .send({ name: 'worker' })
      .expect(201);
    expect(created.body.scopes).toEqual(['read', 'write']);
    const other = `Bearer ${created.body.key}`;
    await gw.http().get('/v1/tasks').set('authorization', other).expect(200); // now cached
    const list = await gw.http().get('/v1/api-keys').set('authorization', auth).expect(200);
    expect(list.body.data.map((k: { id: string }) => k.id)).toContain(created.body.id);
    for (const k of list.body.data)
      expect(Object.keys(k).sort()).toEqual([
        'createdAt',
        'createdBy',
        'expiresAt',
        'graceEndsAt',
        'id',
        'lastUsedAt',
        'name',
        'replacedBy',
        'scopes',
      ]);
    await gw.http().delete(`/v1/api-keys/${created.body.id}`).set('authorization', auth).expect(204);
    const revoked = await gw.http().get('/v1/tasks').set('authorization', other).expect(401);
    expect(revoked.body.code).toBe('UNAUTHENTICATED');
    const again = await gw.http().delete(`/v1/api-keys/${created.body.id}`).set('authorization', auth).expect(404);
    expect(again.body.code).toBe('API_KEY_NOT_FOUND');
  });

  it("does not let one org revoke another org's key", async () => {
    const a = await gw.newOrg();
    const b = await gw.newOrg();
    const aKeys = await gw.http().get('/v1/api-keys').set('authorization', `Bearer ${a.key}`).expect(200);
    const res = await gw
      .http()
      .delete(`/v1/api-keys/${aKeys.body.data[0].id}`)
      .set('authorization', `Bearer ${b.key}`)
      .expect(404);
    expect(res.body.code).toBe('API_KEY_NOT_FOUND');
  });
});
