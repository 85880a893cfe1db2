import { DataSource } from 'typeorm';
import { newId } from '@hourglass/db';
import { ADMIN_ACTOR } from '@hourglass/domain';
import { newTask } from '../src/tasks/tasks.service.js';
import { TaskWriter } from '../src/tasks/task-writer.js';
import { startGateway, type Gateway } from './harness.js';

describe('tasks: create, read, cancel, isolation', () => {
  let gw: Gateway;
  let db: DataSource;
  beforeAll(async () => {
    gw = await startGateway();
    db = gw.app.get(DataSource);
  });
  afterAll(() => gw.close());

  const jobsFor = (taskId: string) =>
    db.query(`SELECT name, data, group_id, start_after FROM pgboss.job WHERE data->>'taskId' = $1`, [taskId]);

  it('creates a task with defaults: the row and its deliver job, in one transaction', async () => {
    const { orgId, key } = await gw.newOrg();
    const res = await gw
      .http()
      .post('/v1/tasks')
      .set('authorization', `Bearer ${key}`)
      .send({ request: { url: 'https://example.com/hook' } })
      .expect(201);
    expect(res.body).toMatchObject({
      status: 'queued',
      request: { url: 'https://example.com/hook', method: 'POST', headers: {}, body: null },
      timeoutMs: 30000,
      retry: { maxAttempts: 6, backoff: 'exponential' },
      attemptCount: 0,
      labels: {},
      priority: 5,
      queue: null,
      scheduleId: null,
      callbackUrl: null,
      lastAttempt: null,
    });
    const [row] = await db.query('SELECT org_id, status, trace_parent FROM tasks WHERE id = $1', [res.body.id]);
    expect(row).toMatchObject({ org_id: orgId, status: 'queued' });
    expect(row.trace_parent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const jobs = await jobsFor(res.body.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ name: 'deliver', data: { taskId: res.body.id, orgId }, group_id: orgId });
  });

  it("stores every field given, schedules a delayed task, and keeps the caller's traceparent", async () => {
    const { key } = await gw.newOrg();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const body = {
      request: {
        url: 'http://example.com/a?b=1',
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"user":42}',
      },
      delay: '10m',
      timeoutMs: 5000,
      retry: { maxAttempts: 3 },
      labels: { tenant: 'acme' },
      priority: 9,
      callbackUrl: 'https://example.com/done',
    };
    const before = Date.now();
    const res = await gw
      .http()
      .post('/v1/tasks')
      .set('authorization', `Bearer ${key}`)
      .set('traceparent', traceparent)
      .send(body)
      .expect(201);
    expect(res.body).toMatchObject({
      status: 'scheduled',
      request: body.request,
      timeoutMs: 5000,
      retry: { maxAttempts: 3 },
      labels: body.labels,
      priority: 9,
      callbackUrl: body.callbackUrl,
    });
    const runAt = Date.parse(res.body.runAt);
    expect(runAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(runAt).toBeLessThan(Date.now() + 600_000 + 1_000);
    const [row] = await db.query('SELECT trace_parent FROM tasks WHERE id = $1', [res.body.id]);
    expect(row.trace_parent).toBe(traceparent);
    const [job] = await jobsFor(res.body.id);
    expect(new Date(job.start_after).getTime()).toBe(runAt);
  });

  it('treats a runAt in the past as now', async () => {
    const { key } = await gw.newOrg();
    const res = await gw
      .http()
      .post('/v1/tasks')
      .set('authorization', `Bearer ${key}`)
      .send({ request: { url: 'https://example.com' }, runAt: '2020-01-01T00:00:00Z' })
      .expect(201);
    expect(res.body.status).toBe('queued');
    expect(Date.parse(res.body.runAt)).toBeGreaterThan(Date.parse('2025-01-01T00:00:00Z'));
  });

  it('leaves neither rows nor jobs when the transaction fails after the inserts', async () => {
    const { orgId } = await gw.newOrg();
    const writer = gw.app.get(TaskWriter);
    const trace = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const tasks = [
      newTask(orgId, { request: { url: 'https://example.com' } }, trace, new Date()),
      newTask(orgId, { request: { url: 'https://example.com' }, delay: '1h' }, trace, new Date()),
    ];
    await expect(
      db.transaction(async (em) => {
        await writer.insertBatch(em, tasks, [ADMIN_ACTOR, ADMIN_ACTOR]);
        const inside = await em.query(`SELECT 1 FROM pgboss.job WHERE data->>'taskId' = ANY($1)`, [
          tasks.map((t) => t.id),
        ]);
        expect(inside).toHaveLength(2);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    for (const task of tasks) {
      expect(await db.query('SELECT 1 FROM tasks WHERE id = $1', [task.id])).toHaveLength(0);
      expect(await jobsFor(task.id)).toHaveLength(0);
    }
  });

  it('writes a burst of concurrent creates, each row with exactly one job', async () => {
    const { orgId, key } = await gw.newOrg();
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        gw
          .http()
          .post('/v1/tasks')
          .set('authorization', `Bearer ${key}`)
          .send({ request: { url: `https://example.com/${i}` }, ...(i % 2 ? { delay: '5m' } : {}) }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(40).fill(201));
    responses.forEach((r, i) => expect(r.body.request.url).toBe(`https://example.com/${i}`));
    const [{ count }] = await db.query(`SELECT count(*)::int AS count FROM pgboss.job WHERE data->>'orgId' = $1`, [
      orgId,
    ]);
    expect(count).toBe(40);
    const rows = await db.query(
      `SELECT t.id FROM tasks t JOIN pgboss.job j ON j.data->>'taskId' = t.id::text WHERE t.org_id = $1`,
      [orgId],
    );
    expect(new Set(rows.map((r: { id: string }) => r.id))).toEqual(new Set(responses.map((r) => r.body.id)));
  });

  it('reads a task with its latest attempt, and lists attempts newest first', async () => {
    const { orgId, key } = await gw.newOrg();
    const auth = `Bearer ${key}`;
    const created = await gw
      .http()
      .post('/v1/tasks')
      .set('authorization', auth)
      .send({ request: { url: 'https://example.com' } })
      .expect(201);
    const id = created.body.id;
    const fresh = await gw.http().get(`/v1/tasks/${id}`).set('authorization', auth).expect(200);
    expect(fresh.body).toEqual(created.body);
    for (const [n, outcome, code] of [
      [1, 'retryable', 503],
      [2, 'delivered', 200],
    ] as const) {
      await db.query(
        `INSERT INTO attempts (id, task_id, org_id, number, outcome, status_code, duration_ms, response_body, response_truncated, error, started_at, finished_at)
         VALUES ($6, $1, $2, $3, $4, $5, 41, 'ok', false, NULL, now(), now())`,
        [id, orgId, n, outcome, code, newId()],
      );
    }
    const task = await gw.http().get(`/v1/tasks/${id}`).set('authorization', auth).expect(200);
    expect(task.body.lastAttempt).toMatchObject({
      number: 2,
      status: 'succeeded',
      statusCode: 200,
      durationMs: 41,
      error: null,
    });
    const attempts = await gw.http().get(`/v1/tasks/${id}/attempts`).set('authorization', auth).expect(200);
    expect(attempts.body.nextCursor).toBeNull();
    expect(attempts.body.data.map((a: { number: number }) => a.number)).toEqual([2, 1]);
    expect(attempts.body.data[1]).toMatchObject({
      number: 1,
      status: 'failed',
      outcome: 'retryable',
      statusCode: 503,
      durationMs: 41,
      error: null,
      responseBody: 'ok',
      responseTruncated: false,
    });
    expect(attempts.body.data[1].finishedAt).toEqual(expect.any(String));
  });

  it('cancels once, then answers 409 TASK_ALREADY_FINISHED', async () => {
    const { key } = await gw.newOrg();
    const auth = `Bearer ${key}`;
    const { body } = await gw
      .http()
      .post('/v1/tasks')
      .set('authorization', auth)
      .send({ request: { url: 'https://example.com' }, delay: '1h' })
      .expect(201);
    const cancelled = await gw.http().post(`/v1/tasks/${body.id}/cancel`).set('authorization', auth).expect(200);
    expect(cancelled.body).toMatchObject({ id: body.id, status: 'cancelled' });
    const again = await gw.http().post(`/v1/tasks/${body.id}/cancel`).set('authorization', auth).expect(409);
    expect(again.body.code).toBe('TASK_ALREADY_FINISHED');
  });

  it("isolates orgs: another org's task is 404 TASK_NOT_FOUND, as is a malformed id", async () => {
    const a = await gw.newOrg();
    const b = await gw.newOrg();
    const { body } = await gw
      .http()
      .post('/v1/tasks')
      .set('authorization', `Bearer ${a.key}`)
      .send({ request: { url: 'https://example.com' } })
      .expect(201);
    const asB = `Bearer ${b.key}`;
    for (const [method, path] of [
      ['get', `/v1/tasks/${body.id}`],
      ['post', `/v1/tasks/${body.id}/cancel`],
      ['get', `/v1/tasks/${body.id}/attempts`],
      ['get', '/v1/tasks/not-a-uuid'],
      ['post', '/v1/tasks/not-a-uuid/cancel'],
    ] as const) {
      const res = await gw.http()[method](path).set('authorization', asB).expect(404);
      expect(res.body.code).toBe('TASK_NOT_FOUND');
    }
    const list = await gw.http().get('/v1/tasks').set('authorization', asB).expect(200);
    expect(list.body.data).toEqual([]);
    const own = await gw.http().get('/v1/tasks').set('authorization', `Bearer ${a.key}`).expect(200);
    expect(own.body.data.map((t: { id: string }) => t.id)).toEqual([body.id]);
    const [row] = await db.query('SELECT status FROM tasks WHERE id = $1', [body.id]);
    expect(row.status).toBe('queued');
  });
});
