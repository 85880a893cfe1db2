import { DataSource } from 'typeorm';
import { startGateway, type Gateway } from './harness.js';

describe('named queues: /v1/queues and tasks naming a queue', () => {
  let gw: Gateway;
  let db: DataSource;
  beforeAll(async () => {
    gw = await startGateway();
    db = gw.app.get(DataSource);
  });
  afterAll(() => gw.close());

  const as = (key: string) => ({
    post: (path: string, body: object = {}) => gw.http().post(path).set('authorization', `Bearer ${key}`).send(body),
    patch: (path: string, body: object) => gw.http().patch(path).set('authorization', `Bearer ${key}`).send(body),
    get: (path: string) => gw.http().get(path).set('authorization', `Bearer ${key}`),
    delete: (path: string) => gw.http().delete(path).set('authorization', `Bearer ${key}`),
  });
  const newClient = async () => as((await gw.newOrg()).key);
  const task = (queue?: string) => ({ request: { url: 'https://example.com/hook' }, ...(queue ? { queue } : {}) });

  it('creates with defaults, lists, reads with stats, patches, pauses and resumes', async () => {
    const api = await newClient();
    const created = await api.post('/v1/queues', { name: 'billing-sync' }).expect(201);
    expect(created.body).toMatchObject({ name: 'billing-sync', parallelism: 1, rateLimit: null, paused: false });
    await api
      .post('/v1/queues', { name: 'emails', parallelism: 10, rateLimit: { count: 5, per: 'second' } })
      .expect(201);
    const list = await api.get('/v1/queues').expect(200);
    expect(list.body.data.map((q: { name: string }) => q.name)).toEqual(['billing-sync', 'emails']);

    const patched = await api
      .patch('/v1/queues/emails', { parallelism: 3, rateLimit: { count: 100, per: 'minute' } })
      .expect(200);
    expect(patched.body).toMatchObject({ parallelism: 3, rateLimit: { count: 100, per: 'minute' } });
    expect((await api.patch('/v1/queues/emails', { parallelism: 4 }).expect(200)).body.rateLimit).toEqual({
      count: 100,
      per: 'minute',
    });
    expect((await api.patch('/v1/queues/emails', { rateLimit: null }).expect(200)).body.rateLimit).toBeNull();

    expect((await api.post('/v1/queues/emails/pause').expect(200)).body.paused).toBe(true);
    expect((await api.post('/v1/queues/emails/resume').expect(200)).body.paused).toBe(false);

    await api.post('/v1/tasks', task('emails')).expect(201);
    const one = await api.get('/v1/queues/emails').expect(200);
    expect(one.body.stats).toEqual({ queued: 1, running: 0, retrying: 0, succeededLastHour: 0, failedLastHour: 0 });
  });

  it('rejects bad input: names, parallelism, rate periods, duplicates', async () => {
    const api = await newClient();
    await api.post('/v1/queues', { name: '-bad' }).expect(400);
    await api.post('/v1/queues', { name: 'a'.repeat(65) }).expect(400);
    await api.post('/v1/queues', { name: 'q', parallelism: 0 }).expect(400);
    await api.post('/v1/queues', { name: 'q', rateLimit: { count: 5, per: 'hour' } }).expect(400);
    await api.post('/v1/queues', { name: 'q', rateLimit: { count: 0, per: 'second' } }).expect(400);
    await api.post('/v1/queues', { name: 'q' }).expect(201);
    const dup = await api.post('/v1/queues', { name: 'q' }).expect(409);
    expect(dup.body.code).toBe('QUEUE_ALREADY_EXISTS');
  });

  it('a task naming a queue waits for admission (no delivery job); an unknown queue is a 400', async () => {
    const api = await newClient();
    await api.post('/v1/queues', { name: 'ordered' }).expect(201);
    const created = await api.post('/v1/tasks', task('ordered')).expect(201);
    expect(created.body.queue).toBe('ordered');
    const [row] = await db.query('SELECT queue, queue_admitted_at FROM tasks WHERE id = $1', [created.body.id]);
    expect(row).toEqual({ queue: 'ordered', queue_admitted_at: null });
    const jobs = await db.query(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'deliver' AND data->>'taskId' = $1`,
      [created.body.id],
    );
    expect(jobs[0].n).toBe(0);
    expect((await api.get('/v1/tasks?queue=ordered').expect(200)).body.data).toHaveLength(1);

    const unknown = await api.post('/v1/tasks', task('nope')).expect(400);
    expect(unknown.body.code).toBe('VALIDATION_FAILED');
    expect(unknown.body.errors).toEqual([{ field: 'queue', message: 'no queue named "nope"' }]);
  });

  it('deletes only an empty queue; finished tasks keep existing', async () => {
    const api = await newClient();
    await api.post('/v1/queues', { name: 'temp' }).expect(201);
    const t = await api.post('/v1/tasks', task('temp')).expect(201);
    expect((await api.delete('/v1/queues/temp').expect(409)).body.code).toBe('QUEUE_NOT_EMPTY');
    await api.post(`/v1/tasks/${t.body.id}/cancel`).expect(200);
    await api.delete('/v1/queues/temp').expect(204);
    await api.get('/v1/queues/temp').expect(404);
    expect((await api.get(`/v1/tasks/${t.body.id}`).expect(200)).body).toMatchObject({
      status: 'cancelled',
      queue: null,
    });
    await api.post('/v1/tasks', task('temp')).expect(400);
  });

  it("isolates tenants: another org's queue is 404 QUEUE_NOT_FOUND and cannot be used", async () => {
    const owner = await newClient();
    const other = await newClient();
    await owner.post('/v1/queues', { name: 'private' }).expect(201);
    for (const res of [
      await other.get('/v1/queues/private'),
      await other.patch('/v1/queues/private', { parallelism: 5 }),
      await other.post('/v1/queues/private/pause'),
      await other.post('/v1/queues/private/resume'),
      await other.delete('/v1/queues/private'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('QUEUE_NOT_FOUND');
    }
    expect((await other.get('/v1/queues').expect(200)).body.data).toEqual([]);
    await other.post('/v1/tasks', task('private')).expect(400);
    // The same name is free in another org.
    await other.post('/v1/queues', { name: 'private' }).expect(201);
    expect((await owner.get('/v1/queues/private').expect(200)).body.paused).toBe(false);
  });

  const jobCount = async (taskId: string) =>
    (
      await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'deliver' AND data->>'taskId' = $1`, [
        taskId,
      ])
    )[0].n as number;

  it('refuses to move a task into or out of a queue by PATCH: 400 VALIDATION_FAILED on `queue`, task unchanged', async () => {
    const api = await newClient();
    await api.post('/v1/queues', { name: 'a' }).expect(201);
    await api.post('/v1/queues', { name: 'b' }).expect(201);
    const inA = (await api.post('/v1/tasks', task('a')).expect(201)).body;
    const plain = (await api.post('/v1/tasks', task()).expect(201)).body;
    for (const [id, queue] of [
      [inA.id, 'b'],
      [inA.id, null],
      [plain.id, 'a'],
    ]) {
      const res = await api.patch(`/v1/tasks/${id}`, { queue }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors).toEqual([
        {
          field: 'queue',
          message: 'cannot be changed on an existing task; create a new task in the other queue instead',
        },
      ]);
    }
    expect((await api.get(`/v1/tasks/${inA.id}`).expect(200)).body).toMatchObject({ queue: 'a', version: 1 });
    expect((await api.get(`/v1/tasks/${plain.id}`).expect(200)).body).toMatchObject({ queue: null, version: 1 });
  });

  it('an edit, run-now or replay of a queue task leaves its job to admission (order, parallelism, rate limit)', async () => {
    const api = await newClient();
    await api.post('/v1/queues', { name: 'held' }).expect(201);
    await api.post('/v1/queues/held/pause').expect(200);
    const waiting = (await api.post('/v1/tasks', { ...task('held'), delay: '1h' }).expect(201)).body;
    await api.patch(`/v1/tasks/${waiting.id}`, { priority: 9 }).expect(200);
    await api.post(`/v1/tasks/${waiting.id}/run`).expect(200);
    expect(await jobCount(waiting.id)).toBe(0);
    // A failed task that had been admitted: replaying it queues it for admission again.
    const failed = (await api.post('/v1/tasks', task('held')).expect(201)).body;
    await db.query(`UPDATE tasks SET status = 'failed', finished_at = now(), queue_admitted_at = now() WHERE id = $1`, [
      failed.id,
    ]);
    await api.post(`/v1/tasks/${failed.id}/replay`).expect(200);
    expect(await jobCount(failed.id)).toBe(0);
    const [row] = await db.query('SELECT status, queue_admitted_at, job_id FROM tasks WHERE id = $1', [failed.id]);
    expect(row).toEqual({ status: 'queued', queue_admitted_at: null, job_id: null });
  });
});
