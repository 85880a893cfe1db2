import { DataSource } from 'typeorm';
import { newId } from '@hourglass/db';
import { startGateway, type Gateway } from './harness.js';

describe('tasks: dead letters, replay, bulk cancel and replay', () => {
  let gw: Gateway;
  let db: DataSource;
  beforeAll(async () => {
    gw = await startGateway();
    db = gw.app.get(DataSource);
  });
  afterAll(() => gw.close());

  const orgWith = async () => {
    const { orgId, key } = await gw.newOrg();
    const as = <T extends { set: (k: string, v: string) => T }>(req: T) => req.set('authorization', `Bearer ${key}`);
    const create = async (labels: Record<string, string> = {}, delay = '1h') =>
      (
        await as(gw.http().post('/v1/tasks'))
          .send({ request: { url: 'https://example.com/hook' }, delay, labels })
          .expect(201)
      ).body.id as string;
    /**
     * What the dispatcher leaves behind when a task runs out of attempts: status failed, an attempt row, its job done.
     */
    const fail = async (id: string, attempts = 6) => {
      await db.query(`UPDATE tasks SET status = 'failed', attempt_count = $2, finished_at = now() WHERE id = $1`, [
        id,
        attempts,
      ]);
      await db.query(`DELETE FROM pgboss.job WHERE data->>'taskId' = $1`, [id]);
      await db.query(
        `INSERT INTO attempts (id, task_id, org_id, number, outcome, status_code, duration_ms, started_at, finished_at)
                      VALUES ($1, $2, $3, $4, 'permanent', 404, 12, now(), now())`,
        [newId(), id, orgId, attempts],
      );
    };
    return { orgId, as, create, fail };
  };
  const statusOf = async (id: string) =>
    (await db.query('SELECT status FROM tasks WHERE id = $1', [id]))[0].status as string;

  it('lists failed tasks newest first with their last attempt, filtered by label and time, paged', async () => {
    const { as, create, fail } = await orgWith();
    const [a, b, c] = [await create({ team: 'x' }), await create({ team: 'y' }), await create({ team: 'x' })];
    await create({ team: 'x' });
    for (const id of [a, b, c]) await fail(id);
    const all = await as(gw.http().get('/v1/dead-letters')).expect(200);
    expect(all.body.data.map((t: { id: string }) => t.id)).toEqual([c, b, a]);
    expect(all.body.data[0]).toMatchObject({
      status: 'failed',
      lastAttempt: { number: 6, status: 'failed', statusCode: 404 },
    });
    const labelled = await as(gw.http().get('/v1/dead-letters?label=team:x&limit=1')).expect(200);
    expect(labelled.body.data.map((t: { id: string }) => t.id)).toEqual([c]);
    const next = await as(
      gw.http().get(`/v1/dead-letters?label=team:x&limit=1&cursor=${labelled.body.nextCursor}`),
    ).expect(200);
    expect(next.body.data.map((t: { id: string }) => t.id)).toEqual([a]);
    const future = await as(
      gw.http().get(`/v1/dead-letters?createdAfter=${new Date(Date.now() + 60_000).toISOString()}`),
    ).expect(200);
    expect(future.body.data).toEqual([]);
    expect((await as(gw.http().get('/v1/dead-letters?status=failed')).expect(400)).body.code).toBe('VALIDATION_FAILED');
  });

  it('replays one failed task: queued, a fresh budget, attempts kept, a new job; 409 when not failed', async () => {
    const { as, create, fail } = await orgWith();
    const id = await create();
    await fail(id, 6);
    const res = await as(gw.http().post(`/v1/tasks/${id}/replay`)).expect(200);
    expect(res.body).toMatchObject({ status: 'queued', attemptCount: 6, lastAttempt: { number: 6 } });
    const [row] = await db.query('SELECT attempt_offset, job_id, finished_at FROM tasks WHERE id = $1', [id]);
    expect(row).toMatchObject({ attempt_offset: 6, finished_at: null });
    const jobs = await db.query(`SELECT id FROM pgboss.job WHERE name = 'deliver' AND data->>'taskId' = $1`, [id]);
    expect(jobs).toEqual([{ id: row.job_id }]);
    const again = await as(gw.http().post(`/v1/tasks/${id}/replay`)).expect(409);
    expect(again.body.code).toBe('CONFLICT');
    expect((await as(gw.http().post(`/v1/tasks/${newId()}/replay`)).expect(404)).body.code).toBe('TASK_NOT_FOUND');
  });

  it('bulk-cancels by filter: dryRun counts, the real run cancels, a repeat affects nothing', async () => {
    const { as, create, fail } = await orgWith();
    const targets = [await create({ batch: '1' }), await create({ batch: '1' }, '0s'), await create({ batch: '1' })];
    const other = await create({ batch: '2' });
    const failed = await create({ batch: '1' });
    await fail(failed);
    const running = await create({ batch: '1' });
    await db.query(`UPDATE tasks SET status = 'running' WHERE id = $1`, [running]);
    const body = { filter: { label: 'batch:1' } };
    const dry = await as(gw.http().post('/v1/tasks/cancel'))
      .send({ ...body, dryRun: true })
      .expect(200);
    expect(dry.body).toEqual({ matched: 3, affected: 0 });
    expect(await statusOf(targets[0]!)).toBe('scheduled');
    expect((await as(gw.http().post('/v1/tasks/cancel')).send(body).expect(200)).body).toEqual({
      matched: 3,
      affected: 3,
    });
    for (const id of targets) expect(await statusOf(id)).toBe('cancelled');
    expect([await statusOf(other), await statusOf(failed), await statusOf(running)]).toEqual([
      'scheduled',
      'failed',
      'running',
    ]);
    expect((await as(gw.http().post('/v1/tasks/cancel')).send(body).expect(200)).body).toEqual({
      matched: 0,
      affected: 0,
    });
    const onlyFailed = await as(gw.http().post('/v1/tasks/cancel'))
      .send({ filter: { status: 'failed' } })
      .expect(200);
    expect(onlyFailed.body).toEqual({ matched: 0, affected: 0 });
  });

  it('bulk-replays failed tasks in batches of 1,000 and is safe to repeat', async () => {
    const { orgId, as, fail } = await orgWith();
    await db.query(
      `INSERT INTO tasks (id, org_id, status, url, method, headers, timeout_ms, run_at, max_attempts, attempt_count, labels, priority, finished_at)
       SELECT gen_random_uuid(), $1, 'failed', 'https://example.com/x', 'POST', '{}', 30000, now(), 3, 3, '{"bulk":"yes"}', 5, now()
         FROM generate_series(1, 1100)`,
      [orgId],
    );
    await fail(
      (
        await as(gw.http().post('/v1/tasks'))
          .send({ request: { url: 'https://example.com/hook' }, labels: { bulk: 'no' } })
          .expect(201)
      ).body.id,
    );
    const body = { filter: { status: 'failed', label: 'bulk:yes' } };
    expect(
      (
        await as(gw.http().post('/v1/tasks/replay'))
          .send({ ...body, dryRun: true })
          .expect(200)
      ).body,
    ).toEqual({ matched: 1_100, affected: 0 });
    expect((await as(gw.http().post('/v1/tasks/replay')).send(body).expect(200)).body).toEqual({
      matched: 1_100,
      affected: 1_100,
    });
    const [counts] = await db.query(
      `SELECT count(*) FILTER (WHERE t.status = 'queued' AND t.attempt_offset = 3)::int AS queued,
              count(j.id)::int AS jobs
         FROM tasks t LEFT JOIN pgboss.job j ON j.name = 'deliver' AND j.id = t.job_id
        WHERE t.org_id = $1 AND t.labels @> '{"bulk":"yes"}'`,
      [orgId],
    );
    expect(counts).toEqual({ queued: 1_100, jobs: 1_100 });
    expect((await as(gw.http().post('/v1/tasks/replay')).send(body).expect(200)).body).toEqual({
      matched: 0,
      affected: 0,
    });
    const [stillFailed] = await db.query(
      `SELECT count(*)::int AS n FROM tasks WHERE org_id = $1 AND status = 'failed'`,
      [orgId],
    );
    expect(stillFailed.n).toBe(1);
  });

  it('rejects a bulk body without a filter or with unknown fields', async () => {
    const { as } = await orgWith();
    expect((await as(gw.http().post('/v1/tasks/cancel')).send({}).expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect(
      (
        await as(gw.http().post('/v1/tasks/replay'))
          .send({ filter: { orgId: 'x' } })
          .expect(400)
      ).body.code,
    ).toBe('VALIDATION_FAILED');
  });
});
