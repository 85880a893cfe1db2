import type { PgBoss } from 'pg-boss';
import { createBoss, newId, Queue, sendMonitorChecks } from '@hourglass/db';
import { createTestDataSource, make, type TestDataSource } from './index.js';

/**
 * The leader enqueues an HTTP monitor's check at each deadline whether or not a dispatcher runs:
 * the `monitor-check` queue keeps at most one queued (and one active) check per monitor, so an
 * outage of all dispatchers does not leave a pile of checks that run at once when one comes back.
 */
describe('monitor-check queue: one queued check per monitor', () => {
  let t: TestDataSource;
  let boss: PgBoss;

  beforeAll(async () => {
    t = await createTestDataSource();
    boss = createBoss(t.database.url, 'producer');
    await boss.start();
  });
  afterAll(async () => {
    await boss.stop({ graceful: false });
    await t.close();
  });

  const enqueue = (orgId: string, ...monitorIds: string[]) =>
    t.db.transaction((em) =>
      sendMonitorChecks(
        boss,
        em,
        monitorIds.map((monitorId) => ({ monitorId, orgId })),
      ),
    );
  const states = async (monitorId: string): Promise<string[]> =>
    (
      (await t.db.query(
        `SELECT state FROM pgboss.job WHERE name = $1 AND data->>'monitorId' = $2 ORDER BY state::text`,
        [Queue.MonitorCheck, monitorId],
      )) as { state: string }[]
    ).map((r) => r.state);

  it('deadlines passing while no dispatcher runs leave one queued check; another monitor has its own', async () => {
    const { org } = await make.org(t.db);
    const [a, b] = [newId(), newId()];
    for (let i = 0; i < 5; i++) await enqueue(org.id, a);
    await enqueue(org.id, a, b);
    expect(await states(a)).toEqual(['created']);
    expect(await states(b)).toEqual(['created']);
  });

  it('a re-check enqueued while its check is active is queued, and no more than one', async () => {
    const { org } = await make.org(t.db);
    const monitor = newId();
    await enqueue(org.id, monitor);
    // The other test's checks may be fetched too: this monitor's is among them.
    const jobs = await boss.fetch<{ monitorId: string }>(Queue.MonitorCheck, { batchSize: 10 });
    const job = jobs.find((j) => j.data.monitorId === monitor);
    await enqueue(org.id, monitor);
    await enqueue(org.id, monitor);
    expect(await states(monitor)).toEqual(['active', 'created']);
    await boss.complete(Queue.MonitorCheck, job!.id);
    await enqueue(org.id, monitor);
    expect(await states(monitor)).toEqual(['completed', 'created']);
  });
});
