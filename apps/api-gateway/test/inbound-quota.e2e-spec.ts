import { DataSource } from 'typeorm';
import { startGateway, type Gateway } from './harness.js';

const TINY = { tier: 1, minScheduleIntervalMs: 60_000, maxSchedules: 1, tasksPerMonth: 2, retentionDays: 7 };

/** Forwards are tasks and count toward the monthly quota (docs/decisions/0012): over it, nothing is acked. */
describe('inbound ingest over the monthly task quota', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ HOURGLASS_PLANS: JSON.stringify({ tiny: TINY }) });
  });
  afterAll(() => gw.close());

  it('answers 429 QUOTA_EXCEEDED and stores nothing once the forwards would pass the quota; a request without forwards is still stored', async () => {
    const org = await gw.admin(gw.http().post('/v1/admin/orgs')).send({ name: 'tiny', plan: 'tiny' }).expect(201);
    const key = await gw
      .admin(gw.http().post(`/v1/admin/orgs/${org.body.id}/api-keys`))
      .send({})
      .expect(201);
    const api = gw.as(key.body.key);
    const forwarding = await api
      .post('/v1/endpoints', { name: 'f', forward: [{ url: 'https://example.com/a' }] })
      .expect(201);
    const storing = await api.post('/v1/endpoints', { name: 's' }).expect(201);
    await gw.http().post(`/in/${forwarding.body.slug}`).send({ n: 1 }).expect(202);
    await gw.http().post(`/in/${forwarding.body.slug}`).send({ n: 2 }).expect(202);
    const over = await gw.http().post(`/in/${forwarding.body.slug}`).send({ n: 3 }).expect(429);
    expect(over.body.code).toBe('QUOTA_EXCEEDED');
    await gw.http().post(`/in/${storing.body.slug}`).send({ n: 4 }).expect(202);
    const rows: { n: number }[] = await gw.app
      .get(DataSource)
      .query('SELECT count(*)::int AS n FROM inbound_events WHERE org_id = $1', [org.body.id]);
    expect(rows[0]!.n).toBe(3);
  });
});
