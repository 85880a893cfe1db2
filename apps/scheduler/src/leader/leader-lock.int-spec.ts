import pg from 'pg';
import { createTestDatabase, until, type TestDatabase } from '@hourglass/testing';
import { LeaderLock } from './leader-lock.js';

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
    await until(() => first.leading, { timeoutMs: 10_000, what: 'the first lock to lead' });
    const second = lock(events, 'b');
    second.start();
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    // The marker: a leader session that is not holding the lock has already asked for it (and was refused).
    await until(
      async () =>
        (
          await admin.query(
            `SELECT 1 FROM pg_stat_activity a
              WHERE a.application_name = 'hourglass-scheduler-leader' AND a.state = 'idle'
                AND a.query LIKE 'SELECT pg_try_advisory_lock%'
                AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted)`,
          )
        ).rowCount! > 0,
      { timeoutMs: 10_000, what: 'the standby to be refused the lock' },
    );
    expect(second.leading).toBe(false);

    // Kill the leader's session from outside, as a crashed pod or a network cut would.
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hourglass-scheduler-leader' AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`,
    );
    await admin.end();

    await until(() => second.leading, { timeoutMs: 10_000, what: 'the standby to take over' });
    await until(() => events.includes('a lost'), { timeoutMs: 10_000, what: 'the first lock to report the loss' });
    expect(first.leading).toBe(false);
    expect(events.slice(0, 1)).toEqual(['a acquired']);
    expect(events).toContain('b acquired');
  });
});
