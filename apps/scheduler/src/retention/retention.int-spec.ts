import { DataSource } from 'typeorm';
import { KeyRing } from '@hourglass/crypto';
import { AttemptRepository, createBoss, IdempotencyRepository, newId } from '@hourglass/db';
import { createTestDataSource, make, type TestDataSource } from '@hourglass/testing';

describe('attempt retention', () => {
  let fixture: TestDataSource;
  let db: DataSource;
  beforeAll(async () => {
    fixture = await createTestDataSource();
    db = fixture.db;
  });
  afterAll(() => fixture.close());

  it("deletes attempts older than their org's retention, in batches, and keeps the rest", async () => {
    const keys = new KeyRing(KeyRing.generateSpec());
    const boss = createBoss(fixture.database.url, 'producer');
    await boss.start();
    const { org: shortLived } = await make.org(db, keys);
    const { org: longLived } = await make.org(db, keys);
    await db.query('UPDATE organizations SET retention_days = 1 WHERE id = $1', [shortLived.id]);
    const ages = [0, 2, 3, 5, 40];
    for (const org of [shortLived, longLived]) {
      const task = await make.task(db, boss, {
        orgId: org.id,
        url: 'http://127.0.0.1:9/x',
        runAt: new Date(Date.now() + 3_600_000),
      });
      await new AttemptRepository(db).insertMany(
        ages.map((days, i) => ({
          id: newId(),
          taskId: task.id,
          orgId: org.id,
          number: i + 1,
          outcome: 'retryable',
          statusCode: 500,
          durationMs: 1,
          responseHeaders: null,
          responseBody: null,
          responseTruncated: false,
          error: null,
          startedAt: new Date(Date.now() - days * 86_400_000),
          finishedAt: new Date(Date.now() - days * 86_400_000),
        })),
        db.manager,
      );
    }
    await boss.stop({ graceful: false });

    const repo = new AttemptRepository(db);
    let deleted = 0;
    for (let batch; (batch = await repo.deleteExpired(2)) > 0;) deleted += batch;
    // Short-lived org (1 day): 4 of 5 are older. Long-lived (30 days): only the 40-day one.
    expect(deleted).toBe(5);
    const left: { org_id: string; n: string }[] = await db.query(
      'SELECT org_id, count(*) AS n FROM attempts GROUP BY org_id',
    );
    expect(Object.fromEntries(left.map((r) => [r.org_id, Number(r.n)]))).toEqual({
      [shortLived.id]: 1,
      [longLived.id]: 4,
    });
  });

  it('deletes idempotency keys past their 24 h, and keeps the fresh ones', async () => {
    const keys = new IdempotencyRepository(db);
    for (const key of ['old-1', 'old-2', 'fresh']) await keys.claim('org-x', key, Buffer.from(key));
    await db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key LIKE 'old-%'`);
    expect(await keys.deleteExpired(1)).toBe(1);
    expect(await keys.deleteExpired(10)).toBe(1);
    const left: { key: string }[] = await db.query('SELECT key FROM idempotency_keys');
    expect(left.map((r) => r.key)).toEqual(['fresh']);
  });
});
