import { DataSource } from 'typeorm';
import { startGateway, type Gateway } from './harness.js';

describe('tasks: batch create', () => {
  let gw: Gateway;
  let db: DataSource;
  beforeAll(async () => {
    gw = await startGateway({
      HOURGLASS_PLANS: JSON.stringify({
        tiny: { tier: 0, minScheduleIntervalMs: 60_000, maxSchedules: 2, tasksPerMonth: 3, retentionDays: 3 },
      }),
    });
    db = gw.app.get(DataSource);
  });
  afterAll(() => gw.close());

  const item = (i: number) => ({ request: { url: `https://example.com/hook/${i}` }, labels: { n: String(i) } });
  const countFor = async (orgId: string) => {
    const [tasks] = await db.query('SELECT count(*)::int AS n FROM tasks WHERE org_id = $1', [orgId]);
    const [jobs] = await db.query(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'deliver' AND data->>'orgId' = $1`,
      [orgId],
    );
    return { tasks: tasks.n as number, jobs: jobs.n as number };
  };

  it('creates 1,000 tasks and their jobs in one call, answering them in order', async () => {
    const { orgId, key } = await gw.newOrg();
    const tasks = Array.from({ length: 1_000 }, (_, i) => item(i));
    tasks[7] = {
      ...tasks[7]!,
      delay: '1h',
      expectedStatusCodes: [200, 404],
      expectedBodyPattern: 'ok',
    } as (typeof tasks)[number];
    const res = await gw
      .http()
      .post('/v1/tasks/batch')
      .set('authorization', `Bearer ${key}`)
      .send({ tasks })
      .expect(201);
    expect(res.body.data).toHaveLength(1_000);
    expect(res.body.data.map((t: { labels: { n: string } }) => t.labels.n)).toEqual(tasks.map((_, i) => String(i)));
    expect(res.body.data[7]).toMatchObject({
      status: 'scheduled',
      expectedStatusCodes: [200, 404],
      expectedBodyPattern: 'ok',
      version: 1,
    });
    expect(res.body.data[0]).toMatchObject({
      status: 'queued',
      expectedStatusCodes: null,
      expectedBodyPattern: null,
      retry: { retryOn4xx: false },
    });
    expect(await countFor(orgId)).toEqual({ tasks: 1_000, jobs: 1_000 });
    const [linked] = await db.query(
      `SELECT count(*)::int AS n FROM tasks t JOIN pgboss.job j ON j.name = 'deliver' AND j.id = t.job_id WHERE t.org_id = $1`,
      [orgId],
    );
    expect(linked.n).toBe(1_000);
  });

  it('rejects the whole batch when one item is invalid, naming its index', async () => {
    const { orgId, key } = await gw.newOrg();
    const tasks = [item(0), item(1), item(2), { request: { url: 'ftp://nope' } }, item(4)];
    const res = await gw
      .http()
      .post('/v1/tasks/batch')
      .set('authorization', `Bearer ${key}`)
      .send({ tasks })
      .expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ field: 'tasks[3].request.url', message: 'must be an absolute http(s) URL' }]);
    expect(await countFor(orgId)).toEqual({ tasks: 0, jobs: 0 });
  });

  it('names a bad pattern or status code in an item', async () => {
    const { key } = await gw.newOrg();
    const res = await gw
      .http()
      .post('/v1/tasks/batch')
      .set('authorization', `Bearer ${key}`)
      .send({
        tasks: [item(0), { ...item(1), expectedBodyPattern: '(?=x)' }, { ...item(2), expectedStatusCodes: [99] }],
      })
      .expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'tasks[1].expectedBodyPattern',
      'tasks[2].expectedStatusCodes',
    ]);
  });

  it('refuses more than 1,000 tasks, and an empty batch', async () => {
    const { orgId, key } = await gw.newOrg();
    const tooMany = await gw
      .http()
      .post('/v1/tasks/batch')
      .set('authorization', `Bearer ${key}`)
      .send({ tasks: Array.from({ length: 1_001 }, (_, i) => item(i)) })
      .expect(400);
    expect(tooMany.body.code).toBe('VALIDATION_FAILED');
    expect(tooMany.body.errors[0].field).toBe('tasks');
    const empty = await gw
      .http()
      .post('/v1/tasks/batch')
      .set('authorization', `Bearer ${key}`)
      .send({ tasks: [] })
      .expect(400);
    expect(empty.body.code).toBe('VALIDATION_FAILED');
    expect(await countFor(orgId)).toEqual({ tasks: 0, jobs: 0 });
  });

  it('counts the whole batch against the monthly quota: over it, nothing is created', async () => {
    const { orgId, key } = await gw.newOrg();
    await gw
      .admin(gw.http().patch(`/v1/admin/orgs/${orgId}`))
      .send({ plan: 'tiny' })
      .expect(200);
    const res = await gw
      .http()
      .post('/v1/tasks/batch')
      .set('authorization', `Bearer ${key}`)
      .send({ tasks: [0, 1, 2, 3].map(item) })
      .expect(429);
    expect(res.body.code).toBe('QUOTA_EXCEEDED');
    expect(await countFor(orgId)).toEqual({ tasks: 0, jobs: 0 });
    await gw
      .http()
      .post('/v1/tasks/batch')
      .set('authorization', `Bearer ${key}`)
      .send({ tasks: [0, 1, 2].map(item) })
      .expect(201);
  });

  it('rejects an invalid expectedBodyPattern on a single create', async () => {
    const { key } = await gw.newOrg();
    const res = await gw
      .http()
      .post('/v1/tasks')
      .set('authorization', `Bearer ${key}`)
      .send({ request: { url: 'https://example.com' }, expectedBodyPattern: '(a' })
      .expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors[0].field).toBe('expectedBodyPattern');
  });
});
