import { DataSource } from 'typeorm';
import { newId } from '@hourglass/db';
import { startGateway, type Gateway } from './harness.js';

describe('signing secrets: list, rotate, revoke', () => {
  let gw: Gateway;
  let db: DataSource;
  beforeAll(async () => {
    gw = await startGateway();
    db = gw.app.get(DataSource);
  });
  afterAll(() => gw.close());

  const as = (key: string) => ({
    list: () => gw.http().get('/v1/org/signing-secrets').set('authorization', `Bearer ${key}`),
    rotate: (body: object = {}) =>
      gw.http().post('/v1/org/signing-secrets/rotate').set('authorization', `Bearer ${key}`).send(body),
    revoke: (id: string) => gw.http().delete(`/v1/org/signing-secrets/${id}`).set('authorization', `Bearer ${key}`),
    revokePrevious: () =>
      gw.http().post('/v1/org/signing-secrets/revoke-previous').set('authorization', `Bearer ${key}`),
  });

  it('lists the creation secret by prefix only, never in full', async () => {
    const { key, signingSecret } = await gw.newOrg();
    const res = await as(key).list().expect(200);
    expect(res.body).toEqual({
      data: [
        {
          id: expect.any(String),
          prefix: signingSecret.slice(0, 10),
          active: true,
          createdAt: expect.any(String),
          expiresAt: null,
          revokedAt: null,
        },
      ],
      nextCursor: null,
    });
    expect(res.text).not.toContain(signingSecret.slice(6));
  });

  it('rotates: the new secret is shown once, the old one keeps signing for the overlap, then a revoke leaves only the new one', async () => {
    const { orgId, key, signingSecret: old } = await gw.newOrg();
    const rotated = await as(key).rotate({ overlap: '1h' }).expect(201);
    expect(rotated.body).toMatchObject({ active: true, expiresAt: null, revokedAt: null });
    expect(rotated.body.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(rotated.body.prefix).toBe(rotated.body.signingSecret.slice(0, 10));

    const listed = await as(key).list().expect(200);
    expect(listed.text).not.toContain(rotated.body.signingSecret.slice(6));
    expect(listed.text).not.toContain(old.slice(6));
    const [newest, previous] = listed.body.data;
    expect(newest.id).toBe(rotated.body.id);
    expect(previous).toMatchObject({ prefix: old.slice(0, 10), active: true, revokedAt: null });
    const overlapMs = Date.parse(previous.expiresAt) - Date.parse(rotated.body.createdAt);
    expect(overlapMs).toBeGreaterThan(3_590_000);
    expect(overlapMs).toBeLessThan(3_610_000);
    // N-1 dispatchers read the legacy array: it holds the active secrets, newest first.
    const [org] = await db.query('SELECT signing_secrets FROM organizations WHERE id = $1', [orgId]);
    expect(org.signing_secrets).toHaveLength(2);

    expect((await as(key).revoke(newest.id).expect(409)).body.code).toBe('CONFLICT');
    await as(key).revoke(previous.id).expect(204);
    expect((await as(key).revoke(previous.id).expect(404)).body.code).toBe('NOT_FOUND');
    const after = await as(key).list().expect(200);
    expect(
      after.body.data.map((s: { active: boolean; revokedAt: string | null }) => [s.active, s.revokedAt !== null]),
    ).toEqual([
      [true, false],
      [false, true],
    ]);
    const [legacy] = await db.query('SELECT signing_secrets FROM organizations WHERE id = $1', [orgId]);
    expect(legacy.signing_secrets).toHaveLength(1);
  });

  it('revoke-previous keeps only the newest, defaulting the overlap to 24h', async () => {
    const { key } = await gw.newOrg();
    await as(key).rotate().expect(201);
    const [, previous] = (await as(key).list().expect(200)).body.data;
    expect(Date.parse(previous.expiresAt) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    const revoked = await as(key).revokePrevious().expect(200);
    expect(revoked.body.data.map((s: { id: string }) => s.id)).toEqual([previous.id]);
    expect((await as(key).revokePrevious().expect(200)).body.data).toEqual([]);
    expect((await as(key).list().expect(200)).body.data.filter((s: { active: boolean }) => s.active)).toHaveLength(1);
  });

  it("hides another org's secrets: not listed, and revoking one is 404", async () => {
    const a = await gw.newOrg();
    const b = await gw.newOrg();
    await as(a.key).rotate().expect(201);
    const [, aPrevious] = (await as(a.key).list().expect(200)).body.data;
    expect((await as(b.key).list().expect(200)).body.data.map((s: { id: string }) => s.id)).not.toContain(aPrevious.id);
    expect((await as(b.key).revoke(aPrevious.id).expect(404)).body.code).toBe('NOT_FOUND');
    expect((await as(b.key).revoke('not-a-uuid').expect(404)).body.code).toBe('NOT_FOUND');
    expect((await as(b.key).revoke(newId()).expect(404)).body.code).toBe('NOT_FOUND');
    expect(
      (await as(a.key).list().expect(200)).body.data.every((s: { revokedAt: string | null }) => s.revokedAt === null),
    ).toBe(true);
  });

  it('lets at most 10 secrets sign at once: every delivery carries one signature per active secret', async () => {
    const { key } = await gw.newOrg();
    for (let i = 0; i < 9; i++) await as(key).rotate({ overlap: '30d' }).expect(201);
    const full = await as(key).rotate({ overlap: '30d' }).expect(409);
    expect(full.body.code).toBe('CONFLICT');
    expect(full.headers['content-type']).toMatch(/^application\/problem\+json/);
    const active = (await as(key).list().expect(200)).body.data.filter((s: { active: boolean }) => s.active);
    expect(active).toHaveLength(10);
    await as(key).revokePrevious().expect(200);
    await as(key).rotate({ overlap: '30d' }).expect(201);
  });

  it('needs the admin scope and a valid overlap', async () => {
    const { key } = await gw.newOrg(['read', 'write']);
    expect((await as(key).list().expect(403)).body.code).toBe('FORBIDDEN');
    expect((await as(key).rotate().expect(403)).body.code).toBe('FORBIDDEN');
    const admin = (await gw.newOrg()).key;
    for (const body of [{ overlap: 'soon' }, { overlap: '31d' }, { overlap: 5 }]) {
      const res = await as(admin).rotate(body).expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'overlap' }] });
    }
    expect((await as(admin).rotate({ secret: 'mine' }).expect(400)).body.code).toBe('VALIDATION_FAILED');
  });
});
