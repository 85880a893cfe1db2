import { newId, OrganizationRepository } from '@hourglass/db';
import { DEFAULT_PLANS } from '@hourglass/domain';
import { make } from '@hourglass/testing';
import { type RetentionFixture, startRetentionFixture } from './retention.fixture.js';

describe('retention of monitor pings and checks, and the purge of a deleted org’s monitors', () => {
  let setup: RetentionFixture;
  beforeAll(async () => {
    setup = await startRetentionFixture({ RETENTION_BATCH_SIZE: 2 });
  });
  afterAll(() => setup.close());

  const monitorOf = async (orgId: string) => {
    const id = newId();
    await setup.db.query(
      `INSERT INTO monitors (id, org_id, name, type, every_ms, badge_token, next_deadline_at, deadline_kind)
       VALUES ($1, $2, 'm', 'heartbeat', 60000, $3, now() + interval '1 hour', 'late')`,
      [id, orgId, `badge-${id}`],
    );
    return id;
  };
  const history = async (monitorId: string, orgId: string, daysAgo: number) => {
    await setup.db.query(
      `INSERT INTO monitor_pings (id, monitor_id, org_id, kind, received_at)
       VALUES ($1, $2, $3, 'success', now() - make_interval(days => $4))`,
      [newId(), monitorId, orgId, daysAgo],
    );
    await setup.db.query(
      `INSERT INTO monitor_checks (id, monitor_id, org_id, ok, checked_at)
       VALUES ($1, $2, $3, true, now() - make_interval(days => $4))`,
      [newId(), monitorId, orgId, daysAgo],
    );
  };

  it("deletes pings and checks older than the org's retention and keeps the rest", async () => {
    const { db, retention } = setup;
    const { org } = await make.org(db, 'free');
    const days = DEFAULT_PLANS.free!.retentionDays;
    await db.query('UPDATE organizations SET retention_days = $2 WHERE id = $1', [org.id, days]);
    const monitor = await monitorOf(org.id);
    for (const daysAgo of [days + 1, days + 2, days + 30, days - 1]) await history(monitor, org.id, daysAgo);

    expect(await retention.runOnce()).toMatchObject({ monitorPings: 3, monitorChecks: 3 });
    const [left] = await db.query(
      `SELECT (SELECT count(*) FROM monitor_pings WHERE monitor_id = $1)::int AS pings,
              (SELECT count(*) FROM monitor_checks WHERE monitor_id = $1)::int AS checks`,
      [monitor],
    );
    expect(left).toEqual({ pings: 1, checks: 1 });
    expect(await retention.runOnce()).toMatchObject({ monitorPings: 0, monitorChecks: 0 });
  });

  it('a deleted org stops being evaluated at once, and its monitors, pings, checks and incidents are purged', async () => {
    const { db, retention } = setup;
    const { org } = await make.org(db, 'free');
    const monitor = await monitorOf(org.id);
    await history(monitor, org.id, 0);
    await db.query(
      `INSERT INTO monitor_incidents (id, monitor_id, org_id, started_at, cause) VALUES ($1, $2, $3, now(), 'x')`,
      [newId(), monitor, org.id],
    );
    await db.transaction((em) => new OrganizationRepository(db).markDeleted(org.id, em));
    const [row] = await db.query('SELECT next_deadline_at FROM monitors WHERE id = $1', [monitor]);
    expect(row.next_deadline_at).toBeNull();

    const pass = await retention.runOnce();
    expect(pass.deletedOrgRows).toBeGreaterThanOrEqual(4);
    const [gone] = await db.query(
      `SELECT (SELECT count(*) FROM monitors WHERE org_id = $1)::int AS monitors,
              (SELECT count(*) FROM monitor_pings WHERE org_id = $1)::int AS pings,
              (SELECT count(*) FROM monitor_incidents WHERE org_id = $1)::int AS incidents,
              (SELECT count(*) FROM organizations WHERE id = $1)::int AS orgs`,
      [org.id],
    );
    expect(gone).toEqual({ monitors: 0, pings: 0, incidents: 0, orgs: 0 });
  });
});
