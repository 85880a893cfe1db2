import { DataSource } from 'typeorm';
import { startGateway, type Gateway } from './harness.js';

describe('tasks: edit, run now, clone', () => {
  let gw: Gateway;
  let db: DataSource;
  let key: string;
  beforeAll(async () => {
    gw = await startGateway();
    db = gw.app.get(DataSource);
    ({ key } = await gw.newOrg());
  });
  afterAll(() => gw.close());

  const as = <T extends { set: (k: string, v: string) => T }>(req: T) => req.set('authorization', `Bearer ${key}`);
  const create = async (body: object = {}) =>
    (
      await as(gw.http().post('/v1/tasks'))
        .send({ request: { url: 'https://example.com/hook' }, delay: '1h', ...body })
        .expect(201)
    ).body;
  const jobsFor = (taskId: string) =>
    db.query(
      `SELECT id, state, start_after, priority FROM pgboss.job WHERE name = 'deliver' AND data->>'taskId' = $1`,
      [taskId],
    );
  const jobIdOf = async (taskId: string) =>
    (await db.query('SELECT job_id FROM tasks WHERE id = $1', [taskId]))[0].job_id as string;

  it('edits a scheduled task, bumps its version, and moves its job to the new runAt', async () => {
    const task = await create({ labels: { a: '1' } });
    const [before] = await jobsFor(task.id);
    const runAt = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const res = await as(gw.http().patch(`/v1/tasks/${task.id}`))
      .set('if-match', '"1"')
      .send({
        request: { method: 'PUT', body: 'x' },
        runAt,
        timeoutMs: 5_000,
        retry: { maxAttempts: 2, retryOn4xx: true },
        labels: { b: '2' },
        priority: 9,
        expectedStatusCodes: [202],
        expectedBodyPattern: 'done',
      })
      .expect(200);
    expect(res.body).toMatchObject({
      status: 'scheduled',
      version: 2,
      runAt,
      timeoutMs: 5_000,
      labels: { b: '2' },
      priority: 9,
      request: { url: 'https://example.com/hook', method: 'PUT', body: 'x' },
      retry: { maxAttempts: 2, retryOn4xx: true },
      expectedStatusCodes: [202],
      expectedBodyPattern: 'done',
    });
    const jobs = await jobsFor(task.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].id).not.toBe(before.id);
    expect(jobs[0].id).toBe(await jobIdOf(task.id));
    expect(new Date(jobs[0].start_after).toISOString()).toBe(runAt);
    const cleared = await as(gw.http().patch(`/v1/tasks/${task.id}`))
      .send({ expectedStatusCodes: null, expectedBodyPattern: null })
      .expect(200);
    expect(cleared.body).toMatchObject({
      version: 3,
      expectedStatusCodes: null,
      expectedBodyPattern: null,
      priority: 9,
    });
  });

  it('moves a job to now when runAt is in the past, making the task queued', async () => {
    const task = await create();
    const res = await as(gw.http().patch(`/v1/tasks/${task.id}`))
      .send({ runAt: '2020-01-01T00:00:00Z' })
      .expect(200);
    expect(res.body.status).toBe('queued');
    const [job] = await jobsFor(task.id);
    expect(new Date(job.start_after).getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it('refuses a stale If-Match with 409 CONFLICT, and a malformed one with 400', async () => {
    const task = await create();
    await as(gw.http().patch(`/v1/tasks/${task.id}`))
      .send({ priority: 2 })
      .expect(200);
    const stale = await as(gw.http().patch(`/v1/tasks/${task.id}`))
      .set('if-match', '"1"')
      .send({ priority: 3 })
      .expect(409);
    expect(stale.body.code).toBe('CONFLICT');
    const bad = await as(gw.http().patch(`/v1/tasks/${task.id}`))
      .set('if-match', 'abc')
      .send({ priority: 3 })
      .expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect((await as(gw.http().get(`/v1/tasks/${task.id}`)).expect(200)).body).toMatchObject({
      priority: 2,
      version: 2,
    });
  });

  it('refuses to edit or run a running task (CONFLICT), a finished one (TASK_ALREADY_FINISHED), and one being fetched', async () => {
    const running = await create();
    await db.query(`UPDATE tasks SET status = 'running' WHERE id = $1`, [running.id]);
    expect(
      (
        await as(gw.http().patch(`/v1/tasks/${running.id}`))
          .send({ priority: 2 })
          .expect(409)
      ).body.code,
    ).toBe('CONFLICT');
    expect((await as(gw.http().post(`/v1/tasks/${running.id}/run`)).expect(409)).body.code).toBe('CONFLICT');
    const done = await create();
    await db.query(`UPDATE tasks SET status = 'succeeded', finished_at = now() WHERE id = $1`, [done.id]);
    expect(
      (
        await as(gw.http().patch(`/v1/tasks/${done.id}`))
          .send({ priority: 2 })
          .expect(409)
      ).body.code,
    ).toBe('TASK_ALREADY_FINISHED');
    expect((await as(gw.http().post(`/v1/tasks/${done.id}/run`)).expect(409)).body.code).toBe('TASK_ALREADY_FINISHED');
    const fetched = await create();
    await db.query(`UPDATE pgboss.job SET state = 'active' WHERE name = 'deliver' AND data->>'taskId' = $1`, [
      fetched.id,
    ]);
    expect(
      (
        await as(gw.http().patch(`/v1/tasks/${fetched.id}`))
          .send({ priority: 2 })
          .expect(409)
      ).body.code,
    ).toBe('CONFLICT');
    expect(await jobsFor(fetched.id)).toHaveLength(1);
  });

  it("validates a patch like a create and 404s another org's task", async () => {
    const task = await create();
    const res = await as(gw.http().patch(`/v1/tasks/${task.id}`))
      .send({ request: { url: 'nope' }, status: 'succeeded' })
      .expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const other = await gw.newOrg();
    const foreign = await gw
      .http()
      .patch(`/v1/tasks/${task.id}`)
      .set('authorization', `Bearer ${other.key}`)
      .send({ priority: 2 })
      .expect(404);
    expect(foreign.body.code).toBe('TASK_NOT_FOUND');
  });

  it('runs a scheduled task now: queued, runAt now, its job moved to now', async () => {
    const task = await create();
    const res = await as(gw.http().post(`/v1/tasks/${task.id}/run`)).expect(200);
    expect(res.body).toMatchObject({ status: 'queued', version: 2 });
    expect(Date.parse(res.body.runAt)).toBeLessThanOrEqual(Date.now() + 1_000);
    const jobs = await jobsFor(task.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].id).toBe(await jobIdOf(task.id));
    expect(new Date(jobs[0].start_after).getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it('moves a job the task does not record (written by older code), found by its payload', async () => {
    const task = await create();
    await db.query('UPDATE tasks SET job_id = NULL WHERE id = $1', [task.id]);
    await as(gw.http().post(`/v1/tasks/${task.id}/run`)).expect(200);
    expect(await jobsFor(task.id)).toHaveLength(1);
  });

  it('clones a task of any status: same request and settings, due now', async () => {
    const task = await create({
      request: { url: 'https://example.com/c', method: 'PUT', body: 'b' },
      labels: { x: 'y' },
      retry: { maxAttempts: 2 },
      expectedBodyPattern: 'ok',
    });
    await db.query(`UPDATE tasks SET status = 'failed', attempt_count = 2, finished_at = now() WHERE id = $1`, [
      task.id,
    ]);
    const res = await as(gw.http().post(`/v1/tasks/${task.id}/clone`)).expect(201);
    expect(res.body.id).not.toBe(task.id);
    expect(res.body).toMatchObject({
      status: 'queued',
      attemptCount: 0,
      version: 1,
      request: task.request,
      labels: { x: 'y' },
      retry: { maxAttempts: 2 },
      expectedBodyPattern: 'ok',
    });
    expect(await jobsFor(res.body.id)).toHaveLength(1);
  });
});
