import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { Webhook } from 'standardwebhooks';
import { AttemptRepository, cipherOf, OrganizationRepository, TaskRepository } from '@hourglass/db';
import { make, startHttpSink, until, type HttpSink } from '@hourglass/testing';
import { startDispatcher, waitFor, type Dispatcher } from './harness.js';

describe('dispatcher delivery (in process, real Postgres, real HTTP target)', () => {
  let dispatcher: Dispatcher;
  let sink: HttpSink;
  let db: DataSource;
  let boss: PgBoss;
  let tasks: TaskRepository;
  let attempts: AttemptRepository;

  beforeAll(async () => {
    sink = await startHttpSink();
    dispatcher = await startDispatcher({ DISPATCHER_CIRCUIT_THRESHOLD: 3 });
    ({ db, boss } = dispatcher);
    tasks = dispatcher.tasks;
    attempts = dispatcher.attempts;
  });

  afterAll(async () => {
    await dispatcher.close();
    await sink.close();
  });

  const finished = (orgId: string, id: string) => dispatcher.finished(orgId, id);

  it("commits without waiting for the WAL flush on its own sessions, typeorm's and pg-boss's (decision 0011)", async () => {
    const sql = `SELECT setting, source FROM pg_settings WHERE name = 'synchronous_commit'`;
    expect(await db.query(sql)).toEqual([{ setting: 'off', source: 'client' }]);
    expect((await boss.getDb().executeSql(sql)).rows).toEqual([{ setting: 'off', source: 'client' }]);
  });

  it('delivers a signed request that standardwebhooks verifies, and records the attempt', async () => {
    const { org, signingSecret } = await make.org(db);
    const body = JSON.stringify({ hello: 'world' });
    const task = await make.task(db, boss, {
      orgId: org.id,
      url: `${sink.url}/hook`,
      body,
      headers: { 'content-type': 'application/json', 'x-custom': 'yes' },
    });
    const [received] = await sink.waitFor(1, (r) => r.headers['webhook-id'] === task.id);
    expect(received!.path).toBe('/hook');
    expect(received!.headers['x-custom']).toBe('yes');
    expect(received!.headers['hourglass-attempt']).toBe('1');
    expect(received!.headers['user-agent']).toMatch(/^Hourglass\//);
    expect(new Webhook(signingSecret).verify(received!.body, received!.headers as Record<string, string>)).toEqual({
      hello: 'world',
    });

    expect((await finished(org.id, task.id))?.status).toBe('succeeded');
    const page = await attempts.listForTask(org.id, task.id, 10);
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({ number: 1, outcome: 'delivered', statusCode: 200, responseBody: 'ok' });
  });

  it("records an answer with NUL bytes (Postgres text refuses them), and other orgs' deliveries settled with it", async () => {
    const [hostile, bystander] = [await make.org(db), await make.org(db)];
    sink.reply((req, res) => {
      if (!req.path.startsWith('/nul')) return void res.end('ok');
      res.setHeader('content-type', 'application/octet-stream');
      res.end(Buffer.from('bad\u0000body', 'utf8'));
    });
    const nul = await make.task(db, boss, { orgId: hostile.org.id, url: `${sink.url}/nul` });
    const other = await make.task(db, boss, { orgId: bystander.org.id, url: `${sink.url}/fine` });
    expect((await finished(hostile.org.id, nul.id))?.status).toBe('succeeded');
    expect((await finished(bystander.org.id, other.id))?.status).toBe('succeeded');
    const page = await attempts.listForTask(hostile.org.id, nul.id, 10);
    expect(page.data).toMatchObject([{ number: 1, outcome: 'delivered', responseBody: 'bad\ufffdbody' }]);
  });

  it("a result the database refuses does not hold other orgs' results, and its task is not lost", async () => {
    const [hostile, bystander] = [await make.org(db), await make.org(db)];
    // A real refusal by PostgreSQL (23514) for one attempt row, as any value it cannot store would be.
    await db.query('ALTER TABLE attempts ADD CONSTRAINT test_refuses_418 CHECK (status_code IS DISTINCT FROM 418)');
    try {
      sink.reply((req, res) => {
        if (req.path.startsWith('/refused')) res.statusCode = 418;
        res.end('ok');
      });
      const refused = await make.task(db, boss, { orgId: hostile.org.id, url: `${sink.url}/refused` });
      await until(() => sink.requests.some((r) => r.headers['webhook-id'] === refused.id), {
        what: 'the refused task delivered',
      });
      const other = await make.task(db, boss, { orgId: bystander.org.id, url: `${sink.url}/fine` });
      expect((await finished(bystander.org.id, other.id))?.status).toBe('succeeded');
      // Not settled, not lost: unsettled and uncounted with its job active, delivered again when the lease lapses.
      const [row] = await db.query('SELECT status, attempt_count FROM tasks WHERE id = $1', [refused.id]);
      expect(row).toEqual({ status: 'queued', attempt_count: 0 });
      const jobs = await db.query(`SELECT state FROM pgboss.job WHERE data->>'taskId' = $1`, [refused.id]);
      expect(jobs.map((job: { state: string }) => job.state)).toEqual(['active']);
    } finally {
      await db.query('ALTER TABLE attempts DROP CONSTRAINT test_refuses_418');
    }
  });

  it("an org deleted while its delivery is in flight does not hold other orgs' results", async () => {
    const [doomed, bystander] = [await make.org(db), await make.org(db)];
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    sink.reply((req, res) => {
      if (req.path.startsWith('/doomed')) return void held.then(() => res.end('ok'));
      res.end('ok');
    });
    const inFlight = await make.task(db, boss, { orgId: doomed.org.id, url: `${sink.url}/doomed` });
    await until(() => sink.requests.some((r) => r.headers['webhook-id'] === inFlight.id), {
      what: 'the doomed task in flight',
    });
    await db.transaction((em) => new OrganizationRepository(db).markDeleted(doomed.org.id, em));
    cipherOf(db).keys.forget(doomed.org.id); // as the key cache's TTL would, on any replica
    release();
    const other = await make.task(db, boss, { orgId: bystander.org.id, url: `${sink.url}/fine` });
    expect((await finished(bystander.org.id, other.id))?.status).toBe('succeeded');
  });

  it('retries a 500 and succeeds on the next attempt with the same webhook-id', async () => {
    const { org } = await make.org(db);
    let calls = 0;
    sink.reply((req, res) => {
      if (!req.path.startsWith('/flaky')) return void res.end('ok');
      res.statusCode = ++calls === 1 ? 500 : 200;
      res.end(calls === 1 ? 'boom' : 'fine');
    });
    const task = await make.task(db, boss, { orgId: org.id, url: `${sink.url}/flaky` }, 1_042);
    expect((await finished(org.id, task.id))?.status).toBe('succeeded');
    // The retry's job keeps the first job's priority (plan tier, schedule frequency, task priority).
    const jobs: { id: string; priority: number }[] = await db.query(
      `SELECT id, priority FROM pgboss.job WHERE data->>'taskId' = $1 ORDER BY created_on, id`,
      [task.id],
    );
    expect(jobs.map((j) => j.priority)).toEqual([1_042, 1_042]);
    // The retry's job is recorded in job_id like every job the task writer writes (an edit finds it by id).
    const [row] = await db.query('SELECT job_id FROM tasks WHERE id = $1', [task.id]);
    expect(row.job_id).toBe(jobs[1]!.id);
    const hits = sink.requests.filter((r) => r.headers['webhook-id'] === task.id);
    expect(hits.map((r) => r.headers['hourglass-attempt'])).toEqual(['1', '2']);
    const page = await attempts.listForTask(org.id, task.id, 10);
    expect(page.data.map((a) => [a.number, a.statusCode, a.outcome])).toEqual([
      [2, 200, 'delivered'],
      [1, 500, 'retryable'],
    ]);
  });

  it('stops at 410 without retrying, and fails after maxAttempts', async () => {
    const { org } = await make.org(db);
    sink.reply((req, res) => {
      res.statusCode = req.path === '/gone' ? 410 : req.path === '/down' ? 503 : 200;
      if (req.path === '/down') res.setHeader('retry-after', '0');
      res.end();
    });
    const gone = await make.task(db, boss, { orgId: org.id, url: `${sink.url}/gone` });
    const down = await make.task(db, boss, { orgId: org.id, url: `${sink.url}/down`, maxAttempts: 2 });
    expect((await finished(org.id, gone.id))?.status).toBe('failed');
    expect((await finished(org.id, down.id))?.status).toBe('failed');
    expect(sink.requests.filter((r) => r.headers['webhook-id'] === gone.id)).toHaveLength(1);
    expect(sink.requests.filter((r) => r.headers['webhook-id'] === down.id)).toHaveLength(2);
  });

  it('a task cancelled mid-attempt stays cancelled, with that attempt recorded and counted', async () => {
    const { org } = await make.org(db);
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    sink.reply((req, res) => {
      if (req.path.startsWith('/held')) return void held.then(() => res.end('ok'));
      res.end('ok');
    });
    const task = await make.task(db, boss, { orgId: org.id, url: `${sink.url}/held` });
    await until(() => sink.requests.some((r) => r.headers['webhook-id'] === task.id), { what: 'the task in flight' });
    expect((await tasks.cancel(org.id, task.id))?.status).toBe('cancelled');
    release();
    await waitFor(
      () => attempts.listForTask(org.id, task.id, 10),
      (page) => page.data.length === 1,
      { what: 'the attempt row' },
    );
    await waitFor(
      () => tasks.findForOrg(org.id, task.id),
      (t) => t?.attemptCount === 1,
      { what: 'the attempt counted' },
    );
    expect((await tasks.findForOrg(org.id, task.id))?.status).toBe('cancelled');
  });

  it('never delivers a task cancelled before it ran', async () => {
    const { org } = await make.org(db);
    sink.reply((_req, res) => void res.end('ok'));
    const task = await make.task(db, boss, {
      orgId: org.id,
      url: `${sink.url}/later`,
      runAt: new Date(Date.now() + 1_500),
    });
    expect((await tasks.cancel(org.id, task.id))?.status).toBe('cancelled');
    const control = await make.task(db, boss, {
      orgId: org.id,
      url: `${sink.url}/control`,
      runAt: new Date(Date.now() + 1_500),
    });
    await sink.waitFor(1, (r) => r.headers['webhook-id'] === control.id);
    await finished(org.id, control.id);
    // The marker that the dispatcher is done with it: it completed the cancelled task's job without delivering.
    await waitFor(
      () => db.query(`SELECT state FROM pgboss.job WHERE name = 'deliver' AND data->>'taskId' = $1`, [task.id]),
      (jobs: { state: string }[]) => jobs.length === 1 && jobs[0]!.state === 'completed',
      { what: "the cancelled task's job to be completed" },
    );
    expect(sink.requests.filter((r) => r.headers['webhook-id'] === task.id)).toHaveLength(0);
    expect((await tasks.findForOrg(org.id, task.id))?.attemptCount).toBe(0);
  });

  it('shows running only for an attempt in flight a while; a lost mark (database crash, async commit) changes nothing', async () => {
    const { org } = await make.org(db);
    sink.reply(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      res.end('ok');
    });
    const task = await make.task(db, boss, { orgId: org.id, url: `${sink.url}/lost-mark` });
    await waitFor(
      () => tasks.findForOrg(org.id, task.id),
      (t) => t?.status === 'running',
      { what: 'the task to be marked running' },
    );
    // What PostgreSQL would hand back after losing the last asynchronous commits: the task as it was before the mark.
    await db.query(`UPDATE tasks SET status = 'queued' WHERE id = $1`, [task.id]);
    // The mark does not fence the settle (the attempt count does): the attempt settles and completes its job.
    expect(await finished(org.id, task.id)).toMatchObject({ status: 'succeeded', attemptCount: 1 });
    expect((await attempts.listForTask(org.id, task.id, 10)).data).toHaveLength(1);
    await waitFor(
      () => db.query(`SELECT state FROM pgboss.job WHERE name = 'deliver' AND data->>'taskId' = $1`, [task.id]),
      (jobs: { state: string }[]) => jobs.length === 1 && jobs[0]!.state === 'completed',
      { what: "the task's job to be completed" },
    );
  });

  it('settles each attempt once: a duplicate of the same attempt (a second dispatcher on a lapsed lease) is a no-op', async () => {
    const { org } = await make.org(db);
    // Due in an hour, so the dispatcher leaves it to the settles below.
    const task = await make.task(db, boss, {
      orgId: org.id,
      url: `${sink.url}/once`,
      runAt: new Date(Date.now() + 3_600_000),
    });
    const settle = (number: number) =>
      db.transaction((em) => tasks.settleMany([{ id: task.id, number, status: 'retrying', retryInMs: 1_000 }], em));
    expect((await settle(1)).size).toBe(1);
    expect((await settle(1)).size).toBe(0);
    expect((await settle(3)).size).toBe(0);
    expect(await tasks.findForOrg(org.id, task.id)).toMatchObject({ status: 'retrying', attemptCount: 1 });
    expect((await settle(2)).size).toBe(1);
    expect((await tasks.findForOrg(org.id, task.id))?.attemptCount).toBe(2);
  });

  it('pauses an origin that keeps failing: later tasks are not sent, and their attempts say why', async () => {
    const { org } = await make.org(db);
    const failing = await startHttpSink((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    try {
      const first = [];
      for (let i = 0; i < 3; i++)
        first.push(await make.task(db, boss, { orgId: org.id, url: `${failing.url}/x`, maxAttempts: 1 }));
      for (const task of first) expect((await finished(org.id, task.id))?.status).toBe('failed');
      const later = await make.task(db, boss, { orgId: org.id, url: `${failing.url}/x`, maxAttempts: 1 });
      expect((await finished(org.id, later.id))?.status).toBe('failed');
      expect(failing.requests).toHaveLength(3);
      const [attempt] = (await attempts.listForTask(org.id, later.id, 10)).data;
      expect(attempt).toMatchObject({ outcome: 'retryable', statusCode: null });
      expect(attempt!.error).toMatch(/^circuit_open: /);
    } finally {
      await failing.close();
    }
  });
});
