import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { AttemptRepository } from '@hourglass/db';
import { make, startHttpSink, type HttpSink } from '@hourglass/testing';
import { startDispatcher, type Dispatcher } from './harness.js';

describe('dispatcher: response assertions, retryOn4xx, replayed budgets', () => {
  let dispatcher: Dispatcher;
  let sink: HttpSink;
  let db: DataSource;
  let boss: PgBoss;
  let attempts: AttemptRepository;
  const calls = new Map<string, number>();

  beforeAll(async () => {
    // Each path answers with the scripted status/body of its n-th call (the last one repeats).
    const script: Record<string, [number, string][]> = {
      '/lacks-pattern': [
        [200, '{"ok":false}'],
        [200, '{"ok": true}'],
      ],
      '/not-found': [[404, 'gone?']],
      '/flaky-404': [
        [404, 'not yet'],
        [200, 'ok'],
      ],
      '/always-500': [[500, 'down']],
    };
    sink = await startHttpSink((req, res) => {
      const n = (calls.get(req.path) ?? 0) + 1;
      calls.set(req.path, n);
      const steps = script[req.path] ?? [[200, 'ok']];
      const [status, body] = steps[Math.min(n, steps.length) - 1]!;
      res.statusCode = status;
      res.end(body);
    });
    dispatcher = await startDispatcher();
    ({ db, boss } = dispatcher);
    attempts = dispatcher.attempts;
  });

  afterAll(async () => {
    await dispatcher.close();
    await sink.close();
  });

  const finished = (orgId: string, id: string) => dispatcher.finished(orgId, id);
  const history = async (orgId: string, id: string) =>
    (await attempts.listForTask(orgId, id, 10)).data.map((a) => [a.number, a.statusCode, a.outcome, a.error]);

  it('retries a 200 whose body lacks the pattern, recording assertion_failed', async () => {
    const { org } = await make.org(db);
    const task = await make.task(db, boss, {
      orgId: org.id,
      url: `${sink.url}/lacks-pattern`,
      expectedBodyPattern: '"ok":\\s*true',
    });
    expect((await finished(org.id, task.id))?.status).toBe('succeeded');
    expect(await history(org.id, task.id)).toEqual([
      [2, 200, 'delivered', null],
      [1, 200, 'retryable', 'assertion_failed: response body does not match /"ok":\\s*true/'],
    ]);
  });

  it('counts a listed status code as delivered: expectedStatusCodes [404]', async () => {
    const { org } = await make.org(db);
    const task = await make.task(db, boss, { orgId: org.id, url: `${sink.url}/not-found`, expectedStatusCodes: [404] });
    expect((await finished(org.id, task.id))?.status).toBe('succeeded');
    expect(await history(org.id, task.id)).toEqual([[1, 404, 'delivered', null]]);
  });

  it('retries a 404 only when the task sets retryOn4xx', async () => {
    const { org } = await make.org(db);
    const plain = await make.task(db, boss, { orgId: org.id, url: `${sink.url}/not-found` });
    expect((await finished(org.id, plain.id))?.status).toBe('failed');
    expect((await history(org.id, plain.id)).map((a) => a[2])).toEqual(['permanent']);
    const opted = await make.task(db, boss, { orgId: org.id, url: `${sink.url}/flaky-404`, retryOn4xx: true });
    expect((await finished(org.id, opted.id))?.status).toBe('succeeded');
    expect((await history(org.id, opted.id)).map((a) => [a[0], a[1], a[2]])).toEqual([
      [2, 200, 'delivered'],
      [1, 404, 'retryable'],
    ]);
  });

  it('gives a replayed task a fresh budget while attempt numbers continue', async () => {
    const { org } = await make.org(db);
    const task = await make.task(db, boss, {
      orgId: org.id,
      url: `${sink.url}/always-500`,
      maxAttempts: 2,
      runAt: new Date(Date.now() + 60_000),
    });
    // As if two attempts had failed and the task was replayed (POST /v1/tasks/{id}/replay).
    await db.query(`UPDATE tasks SET attempt_count = 2, attempt_offset = 2 WHERE id = $1`, [task.id]);
    await db.query(`UPDATE pgboss.job SET start_after = now() WHERE data->>'taskId' = $1`, [task.id]);
    expect((await finished(org.id, task.id))?.status).toBe('failed');
    expect((await history(org.id, task.id)).map((a) => [a[0], a[2]])).toEqual([
      [4, 'retryable'],
      [3, 'retryable'],
    ]);
  });
});
