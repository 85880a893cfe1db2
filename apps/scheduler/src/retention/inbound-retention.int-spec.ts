import { newId } from '@hourglass/db';
import { DEFAULT_PLANS } from '@hourglass/domain';
import { make } from '@hourglass/testing';
import { type RetentionFixture, startRetentionFixture } from './retention.fixture.js';

describe('retention of inbound events and dedup claims', () => {
  let setup: RetentionFixture;
  beforeAll(async () => {
    setup = await startRetentionFixture({ RETENTION_BATCH_SIZE: 2 });
  });
  afterAll(() => setup.close());

  it("deletes events older than the org's retention and expired dedup claims, keeps the rest", async () => {
    const { db, retention } = setup;
    const { org } = await make.org(db, 'free');
    const days = DEFAULT_PLANS.free!.retentionDays;
    await db.query('UPDATE organizations SET retention_days = $2 WHERE id = $1', [org.id, days]);
    const endpoint = newId();
    await db.query(
      `INSERT INTO inbound_endpoints (id, org_id, name, slug, verify, forwards, dedup_window_ms, body_limit)
       VALUES ($1, $2, 'e', $3, '{}', '[]', 0, 1024)`,
      [endpoint, org.id, `slug-${endpoint}`],
    );
    const event = async (daysAgo: number) => {
      const id = newId();
      await db.query(
        `INSERT INTO inbound_events (id, org_id, endpoint_id, received_at, method, path, query, headers, verified, status)
         VALUES ($1, $2, $3, now() - make_interval(days => $4), 'POST', '/in/x', '{}', '{}', true, 'stored')`,
        [id, org.id, endpoint, daysAgo],
      );
      return id;
    };
    const old = [await event(days + 1), await event(days + 2), await event(days + 30)];
    const fresh = await event(days - 1);
    await db.query(
      `INSERT INTO inbound_dedup_keys (endpoint_id, key, event_id, expires_at) VALUES
         ($1, 'gone', $2, now() - interval '1 second'), ($1, 'live', $2, now() + interval '1 hour')`,
      [endpoint, fresh],
    );

    const pass = await retention.runOnce();
    expect(pass).toMatchObject({ inboundEvents: old.length, inboundDedupKeys: 1 });
    const left: { id: string }[] = await db.query('SELECT id FROM inbound_events WHERE endpoint_id = $1', [endpoint]);
    expect(left.map((row) => row.id)).toEqual([fresh]);
    expect(await db.query('SELECT key FROM inbound_dedup_keys')).toEqual([{ key: 'live' }]);
    expect(await retention.runOnce()).toMatchObject({ inboundEvents: 0, inboundDedupKeys: 0 });
  });
});
