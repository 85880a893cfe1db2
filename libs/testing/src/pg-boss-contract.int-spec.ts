import type { PgBoss } from 'pg-boss';
import { DataSource } from 'typeorm';
import {
  createBoss,
  deliveryJob,
  fetchDeliveryJobs,
  JOB_TABLE_CONTRACT,
  jobsInsertStatement,
  newId,
  PGBOSS_SCHEMA,
  Queue,
  queryRows,
  readyJobs,
  withdrawUnfetchedJob,
} from '@hourglass/db';
import { TaskStatus } from '@hourglass/domain';
import { createTestDataSource, make, type TestDataSource } from './index.js';

/**
 * The contract with the installed pg-boss for what libs/db/src/queues.ts takes from its internals
 * (docs/decisions/0012). Each test fails when an upgrade changes one of them: then queues.ts must
 * change with it, not be embedded or queried blindly.
 */
describe('pg-boss internals the task writer relies on', () => {
  let fixture: TestDataSource;
  let db: DataSource;
  let boss: PgBoss;

  beforeAll(async () => {
    fixture = await createTestDataSource();
    db = fixture.db;
    boss = createBoss(fixture.database.url, 'producer');
    await boss.start();
  });
  afterAll(async () => {
    await boss.stop({ graceful: false });
    await fixture.close();
  });

  const jobFor = (orgId: string, status: TaskStatus = TaskStatus.Queued) =>
    deliveryJob({ id: newId(), orgId, status, runAt: new Date(), timeoutMs: 30_000 }, newId(), 1_094);

  it('boss.insert runs ONE plain INSERT into pgboss.job (or a partition of it) whose only parameter is $1', async () => {
    const statement = await jobsInsertStatement(boss, [jobFor(newId())]);
    const table = new RegExp(`^\\s*INSERT INTO (${PGBOSS_SCHEMA}\\.\\w+)\\s*\\(`).exec(statement.text)?.[1];
    expect(table).toBeDefined();
    // withdrawUnfetchedJob queries the parent table: the insert must land in it or in one of its partitions.
    const [{ within }] = await db.query(
      `SELECT $1::regclass = $2::regclass OR EXISTS (
         SELECT 1 FROM pg_inherits WHERE inhrelid = $1::regclass AND inhparent = $2::regclass) AS within`,
      [table, JOB_TABLE_CONTRACT.table],
    );
    expect(within).toBe(true);
    expect(new Set(statement.text.match(/\$\d+/g))).toEqual(new Set(['$1']));
    expect(statement.values).toHaveLength(1);
    expect(typeof statement.values[0]).toBe('string');
    // Taken, not run.
    expect(Number((await db.query('SELECT count(*) AS n FROM pgboss.job'))[0].n)).toBe(0);
  });

  it('embedded at $1 of a host statement whose own parameters follow, it writes the job with our options', async () => {
    const { org } = await make.org(db);
    const runAt = new Date(Date.now() + 60_000);
    const job = deliveryJob(
      { id: newId(), orgId: org.id, status: TaskStatus.Scheduled, runAt, timeoutMs: 5_000 },
      newId(),
      1_234,
    );
    const statement = await jobsInsertStatement(boss, [job]);
    const [row] = await queryRows<{ marker: string }>(
      db.manager,
      `WITH jobs AS (${statement.text}) SELECT $2::text AS marker`,
      [...statement.values, 'host'],
    );
    expect(row!.marker).toBe('host');
    const [written] = await db.query(
      `SELECT name, state, priority, data, start_after, group_id, expire_seconds FROM pgboss.job WHERE id = $1`,
      [job.id],
    );
    expect(written).toEqual({
      name: Queue.Deliver,
      state: 'created',
      priority: 1_234,
      data: job.data,
      start_after: runAt,
      group_id: org.id,
      expire_seconds: 15,
    });
  });

  it('pgboss.job has the columns and job states withdrawUnfetchedJob queries', async () => {
    const columns = await db.query(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'job'`,
      [PGBOSS_SCHEMA],
    );
    expect(columns.map((c: { column_name: string }) => c.column_name)).toEqual(
      expect.arrayContaining([...JOB_TABLE_CONTRACT.columns]),
    );
    const states = await db.query(
      `SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = $1 AND t.typname = 'job_state' ORDER BY e.enumsortorder`,
      [PGBOSS_SCHEMA],
    );
    expect(states.map((s: { enumlabel: string }) => s.enumlabel)).toEqual(
      expect.arrayContaining([...JOB_TABLE_CONTRACT.unfetched, JOB_TABLE_CONTRACT.fetched, ...JOB_TABLE_CONTRACT.live]),
    );
  });

  it('withdraws a job no dispatcher fetched, and reports (keeps) one that was fetched', async () => {
    const orgId = newId();
    const waiting = jobFor(orgId);
    const fetched = jobFor(orgId);
    await boss.insert(Queue.Deliver, [fetched]);
    expect((await fetchDeliveryJobs(boss, { batchSize: 10 })).map((job) => job.id)).toEqual([fetched.id]);
    await boss.insert(Queue.Deliver, [waiting]);
    const withdraw = (job: typeof waiting) =>
      db.transaction((em) => withdrawUnfetchedJob(em, { id: job.data.taskId, jobId: job.id! }));
    expect(await withdraw(waiting)).toBe('released');
    expect(await withdraw(fetched)).toBe('active');
    const left = await db.query(`SELECT id, state FROM pgboss.job WHERE id = ANY($1::uuid[])`, [
      [waiting.id, fetched.id],
    ]);
    expect(left).toEqual([{ id: fetched.id, state: 'active' }]);
  });

  it("counts a queue's due, unfetched jobs and the age of the oldest (not future or fetched ones)", async () => {
    const before = await readyJobs(db.manager, Queue.Deliver);
    const orgId = newId();
    const job = (runAt: Date) =>
      deliveryJob({ id: newId(), orgId, status: TaskStatus.Scheduled, runAt, timeoutMs: 30_000 }, newId(), 1_094);
    await boss.insert(Queue.Deliver, [job(new Date(Date.now() - 3_600_000)), job(new Date(Date.now() + 3_600_000))]);
    const after = await readyJobs(db.manager, Queue.Deliver);
    expect(after.ready).toBe(before.ready + 1);
    expect(after.oldestReadyAgeSeconds).toBeGreaterThanOrEqual(3_599);
  });
});
