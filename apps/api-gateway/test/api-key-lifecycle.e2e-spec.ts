import { DataSource } from 'typeorm';
import { startGateway, type Gateway } from './harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('API-key lifecycle: rotation with a grace window', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  const bearer = (key: string) => `Bearer ${key}`;
  const rotate = (admin: string, id: string, body: object = {}) =>
    gw.http().post(`/v1/api-keys/${id}/rotate`).set('authorization', bearer(admin)).send(body);
  /** An org, its admin key, and a read+write key it made (its id and secret). */
  async function orgWithKey(body: object = { name: 'worker' }) {
    const { key: admin } = await gw.newOrg();
    const made = await gw.http().post('/v1/api-keys').set('authorization', bearer(admin)).send(body).expect(201);
    return {
      admin,
      adminKeyId: made.body.createdBy as string,
      id: made.body.id as string,
      key: made.body.key as string,
    };
  }

  it('rotates into a key with the same name, scopes and expiry; the old one works until the grace ends', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const old = await orgWithKey({ name: 'worker', expiresAt });
    await gw.http().get('/v1/tasks').set('authorization', bearer(old.key)).expect(200); // cached on this replica
    const res = await rotate(old.admin, old.id, { graceSeconds: 1 }).expect(201);
    expect(res.body).toMatchObject({
      name: 'worker',
      scopes: ['read', 'write'],
      expiresAt,
      replacedBy: null,
      graceEndsAt: null,
      createdBy: old.adminKeyId,
    });
    expect(res.body.key).toMatch(/^hg_/);
    expect(res.body.id).not.toBe(old.id);
    const before = await gw.http().get(`/v1/api-keys/${old.id}`).set('authorization', bearer(old.admin)).expect(200);
    expect(before.body.replacedBy).toBe(res.body.id);
    expect(Date.parse(before.body.graceEndsAt) - Date.now()).toBeLessThanOrEqual(1000);
    expect(before.body).not.toHaveProperty('key');
    await gw.http().get('/v1/tasks').set('authorization', bearer(old.key)).expect(200); // within the grace
    await gw.http().get('/v1/tasks').set('authorization', bearer(res.body.key)).expect(200);
    await sleep(1100);
    const after = await gw.http().get('/v1/tasks').set('authorization', bearer(old.key)).expect(401);
    expect(after.body.code).toBe('UNAUTHENTICATED');
    await gw.http().get('/v1/tasks').set('authorization', bearer(res.body.key)).expect(200);
  });

  it('ends the old key at once with graceSeconds 0, even when this replica had it cached', async () => {
    const old = await orgWithKey();
    await gw.http().get('/v1/tasks').set('authorization', bearer(old.key)).expect(200);
    await rotate(old.admin, old.id, { graceSeconds: 0 }).expect(201);
    await gw.http().get('/v1/tasks').set('authorization', bearer(old.key)).expect(401);
  });

  it('revoking the replacement aborts the rotation: the old key stops at once, not at its grace end', async () => {
    const old = await orgWithKey();
    await gw.http().get('/v1/tasks').set('authorization', bearer(old.key)).expect(200);
    const replacement = (await rotate(old.admin, old.id, { graceSeconds: 3600 }).expect(201)).body;
    await gw.http().get('/v1/tasks').set('authorization', bearer(old.key)).expect(200);
    await gw.http().delete(`/v1/api-keys/${replacement.id}`).set('authorization', bearer(old.admin)).expect(204);
    await gw.http().get('/v1/tasks').set('authorization', bearer(replacement.key)).expect(401);
    await gw.http().get('/v1/tasks').set('authorization', bearer(old.key)).expect(401);
    const row = await gw.http().get(`/v1/api-keys/${old.id}`).set('authorization', bearer(old.admin)).expect(200);
    expect(Date.parse(row.body.graceEndsAt)).toBeLessThanOrEqual(Date.now() + 5000);
  });

  it('defaults the grace to an hour and rejects graces outside 0..604800 seconds', async () => {
    const old = await orgWithKey();
    await rotate(old.admin, old.id).expect(201);
    const row = await gw.http().get(`/v1/api-keys/${old.id}`).set('authorization', bearer(old.admin)).expect(200);
    expect(Math.abs(Date.parse(row.body.graceEndsAt) - Date.now() - 3_600_000)).toBeLessThan(5000);
    const other = await orgWithKey();
    for (const graceSeconds of [-1, 604_801, 1.5, '60']) {
      const res = await rotate(other.admin, other.id, { graceSeconds }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors[0].field).toBe('graceSeconds');
    }
  });

  it('answers 409 for a rotated, revoked or expired key, and 404 for an unknown or another org’s key', async () => {
    const old = await orgWithKey();
    await rotate(old.admin, old.id, { graceSeconds: 0 }).expect(201);
    expect((await rotate(old.admin, old.id).expect(409)).body.code).toBe('API_KEY_ALREADY_ROTATED');

    const revoked = await orgWithKey();
    await gw.http().delete(`/v1/api-keys/${revoked.id}`).set('authorization', bearer(revoked.admin)).expect(204);
    expect((await rotate(revoked.admin, revoked.id).expect(409)).body.code).toBe('API_KEY_EXPIRED');

    const expired = await orgWithKey();
    await gw.app
      .get(DataSource)
      .query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]);
    expect((await rotate(expired.admin, expired.id).expect(409)).body.code).toBe('API_KEY_EXPIRED');

    const stranger = await gw.newOrg();
    for (const id of [old.id, revoked.id, '0193a0a0-0000-7000-8000-000000000000', 'nope']) {
      expect((await rotate(stranger.key, id).expect(404)).body.code).toBe('API_KEY_NOT_FOUND');
      const get = await gw.http().get(`/v1/api-keys/${id}`).set('authorization', bearer(stranger.key)).expect(404);
      expect(get.body.code).toBe('API_KEY_NOT_FOUND');
    }
  });

  describe('minting bounds', () => {
    const mint = (by: string, body: object) =>
      gw.http().post('/v1/api-keys').set('authorization', bearer(by)).send(body);
    const exceeded = (res: { status: number; body: { code: string }; headers: Record<string, string> }) => {
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe('API_KEY_PRIVILEGE_EXCEEDED');
    };

    it('keeps admin-scope keys for the operator token: a key can neither create nor rotate one', async () => {
      const { orgId, key: admin } = await gw.newOrg();
      exceeded(await mint(admin, { scopes: ['admin'] }));
      exceeded(await mint(admin, { scopes: ['read', 'admin'] }));
      const operatorMade = await gw
        .admin(gw.http().post(`/v1/admin/orgs/${orgId}/api-keys`))
        .send({ scopes: ['admin', 'read'] })
        .expect(201);
      expect(operatorMade.body.createdBy).toBe('admin');
      exceeded(await rotate(admin, operatorMade.body.id));
      const self = (await gw.http().get('/v1/api-keys').set('authorization', bearer(admin))).body.data.find(
        (k: { id: string; createdBy: string }) => k.createdBy === 'admin' && k.id !== operatorMade.body.id,
      );
      exceeded(await rotate(admin, self.id)); // nor rotate itself into a successor
      await gw.http().get('/v1/org').set('authorization', bearer(admin)).expect(200); // and is still in place
    });

    it('bounds scopes and expiry by the minting key’s own, including when rotating', async () => {
      const { orgId } = await gw.newOrg();
      const endsAt = new Date(Date.now() + 3_600_000);
      const limited = await gw
        .admin(gw.http().post(`/v1/admin/orgs/${orgId}/api-keys`))
        .send({ scopes: ['admin', 'read'], expiresAt: endsAt.toISOString() })
        .expect(201);
      const by = limited.body.key as string;
      exceeded(await mint(by, { scopes: ['write'] }));
      exceeded(await mint(by, {})); // the default read + write is beyond it too
      exceeded(await mint(by, { scopes: ['read'], expiresAt: new Date(endsAt.getTime() + 1000).toISOString() }));
      const inherited = await mint(by, { scopes: ['read'] }).expect(201);
      expect(inherited.body.expiresAt).toBe(endsAt.toISOString());
      await mint(by, { scopes: ['read'], expiresAt: new Date(endsAt.getTime() - 1000).toISOString() }).expect(201);

      const unbounded = await gw
        .admin(gw.http().post(`/v1/admin/orgs/${orgId}/api-keys`))
        .send({ scopes: ['read', 'write'] })
        .expect(201);
      exceeded(await rotate(by, unbounded.body.id)); // its replacement would outlive and outrank the caller
      await rotate(by, inherited.body.id, { graceSeconds: 0 }).expect(201);
    });
  });

  it('lets only one of two concurrent rotations of a key win', async () => {
    const old = await orgWithKey();
    const results = await Promise.all([rotate(old.admin, old.id), rotate(old.admin, old.id)]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)!.body.code).toBe('API_KEY_ALREADY_ROTATED');
  });
});
