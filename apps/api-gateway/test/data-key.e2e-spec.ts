import { DataSource } from 'typeorm';
import { newId } from '@hourglass/db';
import { startGateway, type Gateway } from './harness.js';

describe('/v1/admin/orgs/{orgId}/data-key: rotation', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  const bearer = (key: string) => `Bearer ${key}`;
  const url = 'https://example.com/hook?token=rotated';

  it('seals with the new version at once; values sealed before and after both read back', async () => {
    const { orgId, key } = await gw.newOrg();
    const create = () =>
      gw
        .http()
        .post('/v1/tasks')
        .set('authorization', bearer(key))
        .send({ request: { url, headers: { authorization: 'Bearer t' } }, delay: '1h' })
        .expect(201);
    const before = (await create()).body.id;
    const status = await gw.admin(gw.http().get(`/v1/admin/orgs/${orgId}/data-key`)).expect(200);
    expect(status.body).toMatchObject({ orgId, version: 1, rotationPending: false, versions: [{ version: 1 }] });

    const rotated = await gw.admin(gw.http().post(`/v1/admin/orgs/${orgId}/data-key/rotate`)).expect(202);
    expect(rotated.body).toMatchObject({ version: 2, rotationPending: true });
    expect(rotated.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const after = (await create()).body.id;
    const audited = await gw
      .http()
      .get('/v1/audit-log?action=data_key.rotated')
      .set('authorization', bearer(key))
      .expect(200);
    expect(audited.body.data).toMatchObject([
      { actor: { type: 'admin' }, resourceType: 'data_key', resourceId: orgId, changes: { version: [1, 2] } },
    ]);

    const db = gw.app.get(DataSource);
    const [row] = await db.query('SELECT get_byte(url, 1) * 256 + get_byte(url, 2) AS v FROM tasks WHERE id = $1', [
      after,
    ]);
    expect(row.v).toBe(2);
    for (const id of [before, after]) {
      const task = await gw.http().get(`/v1/tasks/${id}`).set('authorization', bearer(key)).expect(200);
      expect(task.body.request.url).toBe(url);
    }
  });

  it('serialises concurrent rotations: each gets its own version, none a 500', async () => {
    const { orgId } = await gw.newOrg();
    const rotations = await Promise.all(
      Array.from({ length: 5 }, () => gw.admin(gw.http().post(`/v1/admin/orgs/${orgId}/data-key/rotate`))),
    );
    expect(rotations.map((res) => res.status)).toEqual([202, 202, 202, 202, 202]);
    const status = await gw.admin(gw.http().get(`/v1/admin/orgs/${orgId}/data-key`)).expect(200);
    expect(status.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('is 404 ORG_NOT_FOUND for an unknown, malformed or deleted org, and needs the admin token', async () => {
    const { orgId, key } = await gw.newOrg();
    await gw.http().post(`/v1/admin/orgs/${orgId}/data-key/rotate`).set('authorization', bearer(key)).expect(401);
    await gw.admin(gw.http().delete(`/v1/admin/orgs/${orgId}`)).expect(204);
    for (const id of [orgId, newId(), 'not-a-uuid']) {
      for (const res of [
        await gw.admin(gw.http().post(`/v1/admin/orgs/${id}/data-key/rotate`)),
        await gw.admin(gw.http().get(`/v1/admin/orgs/${id}/data-key`)),
      ]) {
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('ORG_NOT_FOUND');
      }
    }
    const nul = await gw.admin(gw.http().post('/v1/admin/orgs/%00/data-key/rotate'));
    expect(nul.status).toBe(400);
  });
});
