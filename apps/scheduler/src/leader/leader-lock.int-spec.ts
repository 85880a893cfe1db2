import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@hourglass/testing';
import { LeaderLock } from './leader-lock.js';

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LeaderLock', () => {
  let db: TestDatabase;
  const locks: LeaderLock[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(locks.map((l) => l.stop()));
    await db.drop();
  });

  const lock = (events: string[], name: string) => {
    const l = new LeaderLock({
      url: db.url,
      retryMs: 100,
      checkMs: 100,
      onAcquired: () => events.push(`${name} acquired`),
      onLost: () => events.push(`${name} lost`),
    });
    locks.push(l);
    return l;
  };

  it('lets one replica lead; the standby takes over when the leader session dies', async () => {
    const events: string[] = [];
    const first = lock(events, 'a');
    first.start();
    await until(() => first.leading);
    const second = lock(events, 'b');
    second.start();
    await new Promise((r) => setTimeout(r, 400));
    expect(second.leading).toBe(false);

    // Kill the leader's session from outside, as a crashed pod or a network cut would.
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hourglass-scheduler-leader' AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`,
    );
    await admin.end();

    await until(() => second.leading);
    await until(() => events.includes('a lost'));
    expect(first.leading).toBe(false);
    expect(events.slice(0, 1)).toEqual(['a acquired']);
    expect(events).toContain('b acquired');
  });
});
