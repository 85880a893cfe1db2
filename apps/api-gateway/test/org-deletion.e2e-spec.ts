import { DataSource } from 'typeorm';
import { newId, TaskRepository } from '@hourglass/db';
import { startGateway, type Gateway } from './harness.js';

describe('DELETE /v1/admin/orgs/{orgId}: crypto-shredding', () => {
  let gw: Gateway;
  let db: DataSource;
  beforeAll(async () => {
    gw = await startGateway();
    db = gw.app.get(DataSource);
  });
  afterAll(() => gw.close());

  const bearer = (key: string) => `Bearer ${key}`;

  it("makes the org's data unreadable and its keys 401 at once; another org is untouched", async () => {
    const doomed = await gw.newOrg();
    const bystander = await gw.newOrg();
    const create = (key: string) =>
      gw
        .http()
        .post('/v1/tasks')
        .set('authorization', bearer(key))
        .send({ request: { url: 'https://example.com/hook?token=t0k3n', headers: { authorization: 'Bearer x' } } })
        .expect(201);
    const [task, other] = [(await create(doomed.key)).body.id, (await create(bystander.key)).body.id];
    // Warm the key caches of this replica (API key, data key) so "at once" is tested against them.
    await gw.http().get(`/v1/tasks/${task}`).set('authorization', bearer(doomed.key)).expect(200);

    await gw.admin(gw.http().delete(`/v1/admin/orgs/${doomed.orgId}`)).expect(204);

    await gw.http().get(`/v1/tasks/${task}`).set('authorization', bearer(doomed.key)).expect(401);
    expect(await db.query('SELECT count(*)::int AS n FROM org_data_keys WHERE org_id = $1', [doomed.orgId])).toEqual([
      { n: 0 },
    ]);
    const [secrets] = await db.query(
      `SELECT (SELECT count(*)::int FROM org_signing_secrets WHERE org_id = $1) AS rows,
              cardinality(signing_secrets) AS legacy FROM organizations WHERE id = $1`,
      [doomed.orgId],
    );
    expect(secrets).toEqual({ rows: 0, legacy: 0 });
    // The row is still there until the purge, but nothing can open it: it reads as not found.
    expect(await db.query('SELECT count(*)::int AS n FROM tasks WHERE id = $1', [task])).toEqual([{ n: 1 }]);
    expect(await new TaskRepository(db).findForOrg(doomed.orgId, task)).toBeNull();
    const started = await new TaskRepository(db).startMany([task]);
    expect(started).toMatchObject({ started: [], unreadable: [{ id: task }] });

    const kept = await gw.http().get(`/v1/tasks/${other}`).set('authorization', bearer(bystander.key)).expect(200);
    expect(kept.body.request.url).toBe('https://example.com/hook?token=t0k3n');
  });

  it('is 404 ORG_NOT_FOUND for an unknown, malformed or already deleted org, and a deleted org is gone from admin routes', async () => {
    const { orgId } = await gw.newOrg();
    await gw.admin(gw.http().delete(`/v1/admin/orgs/${orgId}`)).expect(204);
    for (const id of [orgId, newId(), 'not-a-uuid']) {
      const res = await gw.admin(gw.http().delete(`/v1/admin/orgs/${id}`)).expect(404);
      expect(res.body.code).toBe('ORG_NOT_FOUND');
    }
    await gw
      .admin(gw.http().patch(`/v1/admin/orgs/${orgId}`))
      .send({ name: 'x' })
      .expect(404);
    await gw
      .admin(gw.http().post(`/v1/admin/orgs/${orgId}/api-keys`))
      .send({})
      .expect(404);
  });

  it('is refused without the admin token', async () => {
    const { orgId, key } = await gw.newOrg();
    await gw.http().delete(`/v1/admin/orgs/${orgId}`).set('authorization', bearer(key)).expect(401);
    await gw.http().delete(`/v1/admin/orgs/${orgId}`).expect(401);
    await gw.http().get('/v1/org').set('authorization', bearer(key)).expect(200);
  });

  it("deletes the operator's idempotent replies about the org: a replay cannot show its destroyed key or secret", async () => {
    const created = await gw
      .admin(gw.http().post('/v1/admin/orgs'))
      .set('idempotency-key', 'org-create-1')
      .send({ name: 'doomed' })
      .expect(201);
    const orgId = created.body.id as string;
    const mint = () =>
      gw
        .admin(gw.http().post(`/v1/admin/orgs/${orgId}/api-keys`))
        .set('idempotency-key', 'mint-1')
        .send({});
    const minted = await mint().expect(201);
    expect((await mint().expect(201)).headers['idempotent-replayed']).toBe('true');

    await gw.admin(gw.http().delete(`/v1/admin/orgs/${orgId}`)).expect(204);

    const replayedMint = await mint();
    expect(replayedMint.status).toBe(404);
    expect(JSON.stringify(replayedMint.body)).not.toContain(minted.body.key);
    const again = await gw
      .admin(gw.http().post('/v1/admin/orgs'))
      .set('idempotency-key', 'org-create-1')
      .send({ name: 'doomed' })
      .expect(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.body.id).not.toBe(orgId);
    expect(again.body.signingSecret).not.toBe(created.body.signingSecret);
  });
});
