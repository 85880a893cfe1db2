import { DataSource } from 'typeorm';
import { PgBoss } from 'pg-boss';
import { newId, ScheduleTickRepository, writeTasks } from '@hourglass/db';
import { TaskStatus } from '@hourglass/domain';
import { newTaskWrite } from '@hourglass/testing';
import { jobPriority, nextFireTimes } from '@hourglass/domain';
import { startGateway, type Gateway } from './harness.js';

describe('schedules: create, read, change, pause, trigger, isolation', () => {
  let gw: Gateway;
  let db: DataSource;
  beforeAll(async () => {
    gw = await startGateway();
    db = gw.app.get(DataSource);
  });
  afterAll(() => gw.close());

  const request = { url: 'https://example.com/report', method: 'POST' };
  const as = (key: string) => ({
    post: (path: string, body: object = {}) => gw.http().post(path).set('authorization', `Bearer ${key}`).send(body),
    patch: (path: string, body: object, headers: Record<string, string> = {}) =>
      gw
        .http()
        .patch(path)
        .set({ authorization: `Bearer ${key}`, ...headers })
        .send(body),
    get: (path: string) => gw.http().get(path).set('authorization', `Bearer ${key}`),
    delete: (path: string) => gw.http().delete(path).set('authorization', `Bearer ${key}`),
  });
  const newClient = async () => as((await gw.newOrg()).key);

  it('creates a cron schedule in a timezone, with defaults, its first version and next run', async () => {
    const api = await newClient();
    const before = new Date();
    const res = await api
      .post('/v1/schedules', { name: 'nightly-report', cron: '0 9 * * 1-5', timezone: 'Europe/Amsterdam', request })
      .expect(201);
    expect(res.body).toMatchObject({
      name: 'nightly-report',
      cron: '0 9 * * 1-5',
      interval: null,
      intervalMs: null,
      timezone: 'Europe/Amsterdam',
      request: { url: request.url, method: 'POST', headers: {}, body: null },
      timeoutMs: 30000,
      retry: { maxAttempts: 1, backoff: 'exponential' },
      labels: {},
      priority: 5,
      missedRuns: 'skip',
      overlap: 'allow',
      paused: false,
      lastFireAt: null,
      version: 1,
    });
    const [expected] = nextFireTimes({ cron: '0 9 * * 1-5', timezone: 'Europe/Amsterdam' }, before, 1);
    expect(res.body.nextRunAt).toBe(expected!.toISOString());
    const [row] = await db.query('SELECT shortest_interval_ms FROM schedules WHERE id = $1', [res.body.id]);
    expect(Number(row.shortest_interval_ms)).toBeGreaterThanOrEqual(23 * 3_600_000);
  });

  it('creates an interval schedule anchored at its creation, with every field given', async () => {
    const api = await newClient();
    const body = {
      name: 'poll',
      interval: '15m',
      request: { url: 'https://example.com/poll', method: 'PUT', headers: { 'x-a': '1' }, body: '{}' },
      timeoutMs: 5000,
      retry: { maxAttempts: 11 },
      labels: { team: 'ops' },
      priority: 9,
      missedRuns: 'runAll',
      overlap: 'queue',
    };
    const res = await api.post('/v1/schedules', body).expect(201);
    expect(res.body).toMatchObject({
      cron: null,
      interval: '15m',
      intervalMs: 900_000,
      timezone: 'UTC',
      request: body.request,
      timeoutMs: 5000,
      retry: { maxAttempts: 11 },
      labels: body.labels,
      priority: 9,
      missedRuns: 'runAll',
      overlap: 'queue',
    });
    expect(Date.parse(res.body.nextRunAt)).toBe(Date.parse(res.body.createdAt) + 900_000);
  });

  it('answers 409 CONFLICT for a name the org already uses, and allows it in another org', async () => {
    const api = await newClient();
    await api.post('/v1/schedules', { name: 'dup', interval: '1h', request }).expect(201);
    const res = await api.post('/v1/schedules', { name: 'dup', cron: '@hourly', request }).expect(409);
    expect(res.body.code).toBe('CONFLICT');
    await (await newClient()).post('/v1/schedules', { name: 'dup', interval: '1h', request }).expect(201);
  });

  it('previews the next 5 fire times: weekdays at 09:00 in Amsterdam', async () => {
    const api = await newClient();
    const created = await api
      .post('/v1/schedules', { name: 'n', cron: '0 9 * * 1-5', timezone: 'Europe/Amsterdam', request })
      .expect(201);
    const before = new Date();
    const res = await api.get(`/v1/schedules/${created.body.id}/next?count=5`).expect(200);
    expect(res.body.data).toEqual(
      nextFireTimes({ cron: '0 9 * * 1-5', timezone: 'Europe/Amsterdam' }, before, 5).map((d) => d.toISOString()),
    );
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Amsterdam',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    for (const iso of res.body.data as string[]) {
      expect(iso).toMatch(/T0[78]:00:00\.000Z$/);
      expect(local.format(new Date(iso))).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    }
    expect([...res.body.data].sort()).toEqual(res.body.data);
    expect((await api.get(`/v1/schedules/${created.body.id}/next`).expect(200)).body.data).toHaveLength(10);
    for (const count of ['0', '101', 'x'])
      expect((await api.get(`/v1/schedules/${created.body.id}/next?count=${count}`).expect(400)).body.code).toBe(
        'VALIDATION_FAILED',
      );
  });

  it('PATCH changes fields, recomputes next run on a timing change, bumps the version and keeps history', async () => {
    const api = await newClient();
    const created = await api.post('/v1/schedules', { name: 'p', cron: '0 9 * * *', request }).expect(201);
    const id = created.body.id as string;
    const renamed = await api.patch(`/v1/schedules/${id}`, { name: 'p2', labels: { a: 'b' } }).expect(200);
    expect(renamed.body).toMatchObject({
      name: 'p2',
      labels: { a: 'b' },
      cron: '0 9 * * *',
      version: 2,
      nextRunAt: created.body.nextRunAt,
    });
    const before = new Date();
    const retimed = await api.patch(`/v1/schedules/${id}`, { interval: '1h' }, { 'if-match': '"2"' }).expect(200);
    expect(retimed.body).toMatchObject({ cron: null, interval: '1h', version: 3 });
    expect(Date.parse(retimed.body.nextRunAt)).toBeGreaterThan(before.getTime());
    expect(Date.parse(retimed.body.nextRunAt)).toBeLessThanOrEqual(before.getTime() + 3_600_000);
    const history = await api.get(`/v1/schedules/${id}/history`).expect(200);
    expect(history.body.data.map((v: { version: number; change: string }) => [v.version, v.change])).toEqual([
      [3, 'updated'],
      [2, 'updated'],
      [1, 'created'],
    ]);
    expect(history.body.data[2].schedule).toMatchObject({ name: 'p', cron: '0 9 * * *', version: 1 });
    expect(history.body.data[0].schedule).toMatchObject({ name: 'p2', interval: '1h', version: 3 });
    const page = await api.get(`/v1/schedules/${id}/history?limit=2`).expect(200);
    expect(page.body.data).toHaveLength(2);
    const rest = await api.get(`/v1/schedules/${id}/history?limit=2&cursor=${page.body.nextCursor}`).expect(200);
    expect(rest.body).toMatchObject({ data: [{ version: 1 }], nextCursor: null });
  });

  it('PATCH with a stale If-Match answers 409 CONFLICT and changes nothing', async () => {
    const api = await newClient();
    const created = await api.post('/v1/schedules', { name: 'v', interval: '1h', request }).expect(201);
    const res = await api.patch(`/v1/schedules/${created.body.id}`, { name: 'w' }, { 'if-match': '"7"' }).expect(409);
    expect(res.body.code).toBe('CONFLICT');
    expect((await api.get(`/v1/schedules/${created.body.id}`).expect(200)).body).toMatchObject({
      name: 'v',
      version: 1,
    });
    const bad = await api.patch(`/v1/schedules/${created.body.id}`, { name: 'w' }, { 'if-match': 'abc' }).expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });

  it('pauses (no next run) and resumes from now, recording both; repeating either changes nothing', async () => {
    const api = await newClient();
    const created = await api.post('/v1/schedules', { name: 'pr', interval: '1m', request }).expect(201);
    const id = created.body.id as string;
    const paused = await api.post(`/v1/schedules/${id}/pause`).expect(200);
    expect(paused.body).toMatchObject({ paused: true, nextRunAt: null, version: 2 });
    expect((await api.post(`/v1/schedules/${id}/pause`).expect(200)).body.version).toBe(2);
    const before = Date.now();
    const resumed = await api.post(`/v1/schedules/${id}/resume`).expect(200);
    expect(resumed.body).toMatchObject({ paused: false, version: 3 });
    expect(Date.parse(resumed.body.nextRunAt)).toBeGreaterThan(before);
    const history = await api.get(`/v1/schedules/${id}/history`).expect(200);
    expect(history.body.data.map((v: { change: string }) => v.change)).toEqual(['resumed', 'paused', 'created']);
  });

  it('trigger creates a task from the template, with scheduleId and a priority job', async () => {
    const api = await newClient();
    const created = await api
      .post('/v1/schedules', {
        name: 't',
        interval: '1h',
        request: { url: 'https://example.com/t', method: 'PUT', body: 'x' },
        labels: { k: 'v' },
        priority: 7,
        timeoutMs: 4000,
      })
      .expect(201);
    const task = await api.post(`/v1/schedules/${created.body.id}/trigger`).expect(201);
    expect(task.body).toMatchObject({
      status: 'queued',
      scheduleId: created.body.id,
      fireAt: null,
      request: { url: 'https://example.com/t', method: 'PUT', body: 'x' },
      labels: { k: 'v' },
      priority: 7,
      timeoutMs: 4000,
      retry: { maxAttempts: 1 },
    });
    expect((await api.get(`/v1/tasks/${task.body.id}`).expect(200)).body).toMatchObject({
      scheduleId: created.body.id,
      fireAt: null,
    });
    const [job] = await db.query(`SELECT priority FROM pgboss.job WHERE data->>'taskId' = $1`, [task.body.id]);
    expect(job.priority).toBe(jobPriority(1, 3_600_000, 7));
    const oneOff = await api.post('/v1/tasks', { request: { url: 'https://example.com' } }).expect(201);
    const [oneOffJob] = await db.query(`SELECT priority FROM pgboss.job WHERE data->>'taskId' = $1`, [oneOff.body.id]);
    expect(oneOffJob.priority).toBe(jobPriority(1, null, 5));
  });

  it('lists schedules newest first with a cursor, and deletes one (204, then 404)', async () => {
    const api = await newClient();
    for (const name of ['a', 'b', 'c']) await api.post('/v1/schedules', { name, interval: '1h', request }).expect(201);
    const first = await api.get('/v1/schedules?limit=2').expect(200);
    expect(first.body.data.map((s: { name: string }) => s.name)).toEqual(['c', 'b']);
    const second = await api.get(`/v1/schedules?limit=2&cursor=${first.body.nextCursor}`).expect(200);
    expect(second.body).toMatchObject({ data: [{ name: 'a' }], nextCursor: null });
    await api.delete(`/v1/schedules/${second.body.data[0].id}`).expect(204);
    expect((await api.get(`/v1/schedules/${second.body.data[0].id}`).expect(404)).body.code).toBe('SCHEDULE_NOT_FOUND');
  });

  it('shows the occurrence log newest first', async () => {
    const { orgId, key } = await gw.newOrg();
    const created = await as(key).post('/v1/schedules', { name: 'o', interval: '1m', request }).expect(201);
    const taskId = newId();
    await db.query(
      `INSERT INTO schedule_occurrences (id, schedule_id, org_id, fire_at, outcome, reason, task_id, skipped_count, lateness_ms)
       VALUES ($1, $3, $4, '2026-01-01T00:01:00Z', 'fired', NULL, $5, 1, 42), ($2, $3, $4, '2026-01-01T00:02:00Z', 'skipped', 'overlap', NULL, 3, NULL)`,
      [newId(), newId(), created.body.id, orgId, taskId],
    );
    const res = await as(key).get(`/v1/schedules/${created.body.id}/occurrences?limit=1`).expect(200);
    expect(res.body.data).toEqual([
      expect.objectContaining({
        fireAt: '2026-01-01T00:02:00.000Z',
        outcome: 'skipped',
        reason: 'overlap',
        taskId: null,
        skippedCount: 3,
      }),
    ]);
    const next = await as(key)
      .get(`/v1/schedules/${created.body.id}/occurrences?cursor=${res.body.nextCursor}`)
      .expect(200);
    expect(next.body).toEqual({
      data: [expect.objectContaining({ outcome: 'fired', taskId, latenessMs: 42, skippedCount: 1 })],
      nextCursor: null,
    });
  });

  it("answers 404 SCHEDULE_NOT_FOUND for another org's schedule and for a malformed id", async () => {
    const owner = await newClient();
    const created = await owner.post('/v1/schedules', { name: 'mine', interval: '1h', request }).expect(201);
    const other = await newClient();
    const id = created.body.id as string;
    const attempts = [
      other.get(`/v1/schedules/${id}`),
      other.patch(`/v1/schedules/${id}`, { name: 'x' }),
      other.delete(`/v1/schedules/${id}`),
      other.post(`/v1/schedules/${id}/trigger`),
      other.get(`/v1/schedules/${id}/next`),
      other.post(`/v1/schedules/${id}/pause`),
      other.get(`/v1/schedules/${id}/history`),
      other.get(`/v1/schedules/${id}/occurrences`),
      owner.get('/v1/schedules/not-a-uuid'),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('SCHEDULE_NOT_FOUND');
    }
    expect((await other.get('/v1/schedules').expect(200)).body.data).toEqual([]);
    expect((await owner.get(`/v1/schedules/${id}`).expect(200)).body).toMatchObject({ name: 'mine', version: 1 });
  });

  it('needs the write scope to change and the read scope to look', async () => {
    const { key } = await gw.newOrg(['read']);
    expect((await as(key).post('/v1/schedules', { name: 'r', interval: '1h', request }).expect(403)).body.code).toBe(
      'FORBIDDEN',
    );
    await as(key).get('/v1/schedules').expect(200);
  });

  describe('occurrences prepared ahead (docs/decisions/0007)', () => {
    /** What a tick writes when it prepares an occurrence ahead: a scheduled task, its job and its log row. */
    const prepare = async (schedule: { id: string; orgId: string }, fireAt: Date) => {
      const write = newTaskWrite({
        orgId: schedule.orgId,
        url: 'https://example.com/prepared',
        status: TaskStatus.Scheduled,
        runAt: fireAt,
        scheduleId: schedule.id,
        fireAt,
      });
      const [task] = await writeTasks(db.manager, gw.app.get(PgBoss), [write], {
        quota: { enforce: { free: 1_000 } },
      });
      await new ScheduleTickRepository(db).insertOccurrences(db.manager, [
        {
          id: newId(),
          scheduleId: schedule.id,
          orgId: schedule.orgId,
          fireAt,
          outcome: 'fired',
          reason: null,
          taskId: task!.id,
          skippedCount: 1,
        },
      ]);
      return task!;
    };
    const left = async (taskId: string) => ({
      tasks: (await db.query('SELECT count(*)::int AS n FROM tasks WHERE id = $1', [taskId]))[0].n,
      jobs: (await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE data->>'taskId' = $1`, [taskId]))[0].n,
      logged: (await db.query('SELECT count(*)::int AS n FROM schedule_occurrences WHERE task_id = $1', [taskId]))[0].n,
    });
    const used = async (orgId: string) =>
      Number(
        (await db.query('SELECT coalesce(sum(tasks_created), 0) AS n FROM org_usage WHERE org_id = $1', [orgId]))[0].n,
      );

    it('pause, delete and an edit of what runs take them back in their transaction; a rename keeps them', async () => {
      const { orgId, key } = await gw.newOrg();
      const api = as(key);
      const schedule = (await api.post('/v1/schedules', { name: 'hourly', interval: '1h', request }).expect(201)).body;
      const ahead = new Date(Math.ceil(Date.now() / 1_000) * 1_000 + 60_000);

      const kept = await prepare({ id: schedule.id, orgId }, ahead);
      await api.patch(`/v1/schedules/${schedule.id}`, { name: 'hourly-renamed' }).expect(200);
      expect(await left(kept.id)).toEqual({ tasks: 1, jobs: 1, logged: 1 });

      // An edit of the request: taken back, and planned again from its fire time with the new settings.
      expect(await used(orgId)).toBe(1);
      await api.patch(`/v1/schedules/${schedule.id}`, { request: { url: 'https://example.com/v2' } }).expect(200);
      expect(await left(kept.id)).toEqual({ tasks: 0, jobs: 0, logged: 0 });
      expect(await used(orgId)).toBe(0);
      const [row] = await db.query('SELECT next_run_at FROM schedules WHERE id = $1', [schedule.id]);
      expect(row.next_run_at).toEqual(ahead);

      const beforePause = await prepare({ id: schedule.id, orgId }, ahead);
      await api.post(`/v1/schedules/${schedule.id}/pause`).expect(200);
      expect(await left(beforePause.id)).toEqual({ tasks: 0, jobs: 0, logged: 0 });
      await api.post(`/v1/schedules/${schedule.id}/resume`).expect(200);

      const beforeDelete = await prepare({ id: schedule.id, orgId }, ahead);
      await api.delete(`/v1/schedules/${schedule.id}`).expect(204);
      expect(await left(beforeDelete.id)).toEqual({ tasks: 0, jobs: 0, logged: 0 });
    });
  });
});
