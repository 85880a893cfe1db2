import { raiseNotificationEvent } from '@hourglass/db';
import { make } from './factories.js';
import { createTestDataSource, type TestDataSource } from './test-database.js';

describe('raiseNotificationEvent', () => {
  let t: TestDataSource;
  beforeAll(async () => {
    t = await createTestDataSource();
  });
  afterAll(() => t.close());

  it('records an event once per dedup key, even when raised concurrently, and keeps keyless events apart', async () => {
    const { org } = await make.org(t.db);
    const event = {
      orgId: org.id,
      event: 'monitor.down' as const,
      subjectType: 'monitor' as const,
      subjectId: null,
      notify: null,
      payload: {
        title: 'Monitor "nightly-backup" is down',
        summary: 'No ping for 10 minutes.',
        severity: 'critical' as const,
      },
    };
    const raised = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.db.transaction((tx) => raiseNotificationEvent(tx, { ...event, dedupKey: 'incident:1:down' })),
      ),
    );
    expect(raised.filter(Boolean)).toHaveLength(1);
    await raiseNotificationEvent(t.db.manager, event);
    await raiseNotificationEvent(t.db.manager, { ...event, notify: 'none' });
    const rows: { notify: unknown; dedup_key: string | null }[] = await t.db.query(
      'SELECT notify, dedup_key FROM notification_events WHERE org_id = $1 ORDER BY id',
      [org.id],
    );
    const payloads: { payload: Buffer }[] = await t.db.query(
      'SELECT payload FROM notification_events WHERE org_id = $1',
      [org.id],
    );
    expect(payloads.every(({ payload }) => !payload.toString('latin1').includes('nightly-backup'))).toBe(true);
    expect(rows).toEqual([
      { notify: null, dedup_key: 'incident:1:down' },
      { notify: null, dedup_key: null },
      { notify: 'none', dedup_key: null },
    ]);
  });
});
