import { DataSource } from 'typeorm';
import { DEFAULT_PLANS } from '@hourglass/domain';
import { loadConfig } from '@hourglass/platform';
import { ApiGatewayEnv, toApiGatewayConfig } from '../src/config.js';
import { startGateway, type Gateway } from './harness.js';
import { testMasterKeys } from '@hourglass/testing';

const TINY = { tier: 0, minScheduleIntervalMs: 60_000, maxSchedules: 2, tasksPerMonth: 3, retentionDays: 3 };

describe('plans and quotas', () => {
  let gw: Gateway;
  let db: DataSource;
  beforeAll(async () => {
    gw = await startGateway({ HOURGLASS_PLANS: JSON.stringify({ tiny: TINY }) });
    db = gw.app.get(DataSource);
  });
  afterAll(() => gw.close());

  const request = { url: 'https://example.com/hook' };
  /** An org on `plan` and a key for it. */
  const orgOn = async (plan?: string) => {
    const { orgId, key } = await gw.newOrg();
    if (plan)
      await gw
        .admin(gw.http().patch(`/v1/admin/orgs/${orgId}`))
        .send({ plan })
        .expect(200);
    return {
      orgId,
      key,
      post: (path: string, body: object = {}) => gw.http().post(path).set('authorization', `Bearer ${key}`).send(body),
    };
  };

  it('creates orgs on a configured plan, taking its retention unless given, and refuses an unknown plan', async () => {
    const tiny = await gw.admin(gw.http().post('/v1/admin/orgs')).send({ name: 't', plan: 'tiny' }).expect(201);
    expect(tiny.body).toMatchObject({ plan: 'tiny', retentionDays: 3 });
    const free = await gw.admin(gw.http().post('/v1/admin/orgs')).send({ name: 'f' }).expect(201);
    expect(free.body).toMatchObject({ plan: 'free', retentionDays: DEFAULT_PLANS.free!.retentionDays });
    const given = await gw
      .admin(gw.http().post('/v1/admin/orgs'))
      .send({ name: 'g', plan: 'pro', retentionDays: 90 })
      .expect(201);
    expect(given.body).toMatchObject({ plan: 'pro', retentionDays: 90 });
    const unknown = await gw.admin(gw.http().post('/v1/admin/orgs')).send({ name: 'u', plan: 'platinum' }).expect(400);
    expect(unknown.body.code).toBe('VALIDATION_FAILED');
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'plan' })]);
  });

  it('PATCH /v1/admin/orgs/{id} changes plan, retention and name (admin token only)', async () => {
    const { orgId, key } = await gw.newOrg();
    const res = await gw
      .admin(gw.http().patch(`/v1/admin/orgs/${orgId}`))
      .send({ plan: 'pro', name: 'Renamed' })
      .expect(200);
    expect(res.body).toMatchObject({
      id: orgId,
      plan: 'pro',
      name: 'Renamed',
      retentionDays: DEFAULT_PLANS.pro!.retentionDays,
    });
    const kept = await gw
      .admin(gw.http().patch(`/v1/admin/orgs/${orgId}`))
      .send({ retentionDays: 12 })
      .expect(200);
    expect(kept.body).toMatchObject({ plan: 'pro', retentionDays: 12 });
    expect(
      (
        await gw
          .admin(gw.http().patch(`/v1/admin/orgs/${orgId}`))
          .send({ plan: 'gold' })
          .expect(400)
      ).body.code,
    ).toBe('VALIDATION_FAILED');
    expect(
      (
        await gw
          .admin(gw.http().patch(`/v1/admin/orgs/${orgId}`))
          .send({ signingSecrets: [] })
          .expect(400)
      ).body.code,
    ).toBe('VALIDATION_FAILED');
    expect(
      (
        await gw
          .admin(gw.http().patch('/v1/admin/orgs/0193a0a0-0000-7000-8000-000000000000'))
          .send({ name: 'x' })
          .expect(404)
      ).body.code,
    ).toBe('ORG_NOT_FOUND');
    expect((await gw.admin(gw.http().patch('/v1/admin/orgs/nope')).send({ name: 'x' }).expect(404)).body.code).toBe(
      'ORG_NOT_FOUND',
    );
    const asOrg = await gw
      .http()
      .patch(`/v1/admin/orgs/${orgId}`)
      .set('authorization', `Bearer ${key}`)
      .send({ plan: 'tiny' })
      .expect(401);
    expect(asOrg.body.code).toBe('UNAUTHENTICATED');
  });

  it("refuses a schedule firing more often than the plan's minimum interval (free: 1m), and pro takes it", async () => {
    const free = await orgOn();
    for (const [timing, field] of [
      [{ interval: '10s' }, 'interval'],
      [{ cron: '*/10 * * * * *' }, 'cron'],
    ] as const) {
      const res = await free.post('/v1/schedules', { name: 'fast', request, ...timing }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors).toEqual([
        { field, message: 'fires every 10s; the "free" plan allows at most one run every 1m' },
      ]);
    }
    const slow = await free.post('/v1/schedules', { name: 'slow', interval: '1m', request }).expect(201);
    const faster = await gw
      .http()
      .patch(`/v1/schedules/${slow.body.id}`)
      .set('authorization', `Bearer ${free.key}`)
      .send({ interval: '30s' })
      .expect(400);
    expect(faster.body.errors).toEqual([expect.objectContaining({ field: 'interval' })]);
    const pro = await orgOn('pro');
    await pro.post('/v1/schedules', { name: 'fast', interval: '10s', request }).expect(201);
  });

  it('refuses schedules past the plan limit with 429 QUOTA_EXCEEDED, also under a concurrent burst', async () => {
    const tiny = await orgOn('tiny');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => tiny.post('/v1/schedules', { name: `s${i}`, interval: '1h', request })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 429, 429, 429, 429]);
    expect(results.find((r) => r.status === 429)!.body.code).toBe('QUOTA_EXCEEDED');
    const [row] = await db.query('SELECT count(*)::int AS n FROM schedules WHERE org_id = $1', [tiny.orgId]);
    expect(row.n).toBe(2);
    const deleted = results.find((r) => r.status === 201)!.body.id as string;
    await gw.http().delete(`/v1/schedules/${deleted}`).set('authorization', `Bearer ${tiny.key}`).expect(204);
    await tiny.post('/v1/schedules', { name: 'after delete', interval: '1h', request }).expect(201);
  });

  it('takes 3 tasks a month on the tiny plan, refuses the 4th (and a trigger) with 429, and shows usage', async () => {
    const tiny = await orgOn('tiny');
    for (let i = 0; i < 3; i++) await tiny.post('/v1/tasks', { request }).expect(201);
    const fourth = await tiny.post('/v1/tasks', { request }).expect(429);
    expect(fourth.headers['content-type']).toContain('application/problem+json');
    expect(fourth.body.code).toBe('QUOTA_EXCEEDED');
    const schedule = await tiny.post('/v1/schedules', { name: 's', interval: '1h', request }).expect(201);
    expect((await tiny.post(`/v1/schedules/${schedule.body.id}/trigger`).expect(429)).body.code).toBe('QUOTA_EXCEEDED');
    const me = await gw.http().get('/v1/org').set('authorization', `Bearer ${tiny.key}`).expect(200);
    expect(me.body).toMatchObject({ plan: 'tiny', quotas: TINY, usage: { tasksThisMonth: 3 } });
  });

  it('never exceeds the monthly quota under a concurrent burst, and other orgs in the same batches are unaffected', async () => {
    const tiny = await orgOn('tiny');
    const other = await orgOn();
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? other : tiny).post('/v1/tasks', { request })),
    );
    const tinyStatuses = burst.filter((_, i) => i % 2 === 0).map((r) => r.status);
    expect(tinyStatuses.filter((s) => s === 201)).toHaveLength(3);
    expect(tinyStatuses.filter((s) => s === 429)).toHaveLength(7);
    expect(burst.filter((_, i) => i % 2 === 1).every((r) => r.status === 201)).toBe(true);
    const [rows] = await db.query('SELECT count(*)::int AS n FROM tasks WHERE org_id = $1', [tiny.orgId]);
    expect(rows.n).toBe(3);
    const [usage] = await db.query('SELECT tasks_created FROM org_usage WHERE org_id = $1', [tiny.orgId]);
    expect(Number(usage.tasks_created)).toBe(3);
    const [jobs] = await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE data->>'orgId' = $1`, [tiny.orgId]);
    expect(jobs.n).toBe(3);
  });

  it('dispatches by plan tier: the job priority follows the org plan', async () => {
    const pro = await orgOn('pro');
    const task = await pro.post('/v1/tasks', { request, priority: 10 }).expect(201);
    const [job] = await db.query(`SELECT priority FROM pgboss.job WHERE data->>'taskId' = $1`, [task.body.id]);
    expect(job.priority).toBe(2_000 + 90 + 9);
  });

  it('fails fast on a malformed HOURGLASS_PLANS', async () => {
    const env = {
      DATABASE_URL: 'postgres://x/y',
      HOURGLASS_ADMIN_TOKEN: 'x'.repeat(16),
      HOURGLASS_MASTER_KEYS: testMasterKeys(),
    };
    expect(() =>
      loadConfig(ApiGatewayEnv, toApiGatewayConfig, { ...env, HOURGLASS_PLANS: JSON.stringify({ bad: { tier: 1 } }) }),
    ).toThrow(/HOURGLASS_PLANS: plan "bad"/);
    expect(() => loadConfig(ApiGatewayEnv, toApiGatewayConfig, { ...env, HOURGLASS_PLANS: '{' })).toThrow(
      /HOURGLASS_PLANS/,
    );
  });
});
