import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { Webhook } from 'standardwebhooks';
import { AttemptRepository, TaskEntity } from '@hourglass/db';
import { make, startHttpSink, type HttpSink } from '@hourglass/testing';
import { startDispatcher, waitFor, type Dispatcher } from './harness.js';

// Not local mode: loopback is opened for the sink only, so the metadata address stays blocked.
describe('task callbacks (dispatcher in process, real Postgres, real HTTP targets, SSRF guard on)', () => {
  let dispatcher: Dispatcher;
  let sink: HttpSink;
  let db: DataSource;
  let boss: PgBoss;
  let attempts: AttemptRepository;

  beforeAll(async () => {
    sink = await startHttpSink();
    dispatcher = await startDispatcher({
      HOURGLASS_LOCAL_MODE: 'false',
      HOURGLASS_ALLOW_PRIVATE_TARGETS: '127.0.0.0/8',
    });
    ({ db, boss } = dispatcher);
    attempts = dispatcher.attempts;
  });

  afterAll(async () => {
    await dispatcher.close();
    await sink.close();
  });

  const finished = (orgId: string, id: string) => dispatcher.finished(orgId, id);
  const callbacksOf = (parentId: string) =>
    db.manager.find(TaskEntity, { where: { parentTaskId: parentId }, order: { url: 'ASC' } });

  it('sends task.succeeded to callbackUrl, signed, as a task of its own', async () => {
    const { org, signingSecret } = await make.org(db);
    const task = await make.task(db, boss, {
      orgId: org.id,
      url: `${sink.url}/work`,
      callbackUrl: `${sink.url}/done`,
      failureCallbackUrl: `${sink.url}/failed`,
    });
    const [received] = await sink.waitFor(
      1,
      (r) => r.path === '/done' && r.headers['hourglass-parent-task-id'] === task.id,
    );
    const payload = new Webhook(signingSecret).verify(received!.body, received!.headers as Record<string, string>);
    expect(payload).toMatchObject({
      type: 'task.succeeded',
      taskId: task.id,
      status: 'succeeded',
      attempts: 1,
      lastAttempt: { number: 1, statusCode: 200, outcome: 'delivered', error: null },
    });
    const [callback] = await callbacksOf(task.id);
    expect(callback).toMatchObject({
      kind: 'callback',
      parentTaskId: task.id,
      method: 'POST',
      callbackUrl: null,
      failureCallbackUrl: null,
    });
    expect(received!.headers['webhook-id']).toBe(callback!.id);
    expect(received!.headers['content-type']).toBe('application/json');
    expect((await finished(org.id, callback!.id))?.status).toBe('succeeded');
    // A callback never has callbacks of its own, and failureCallbackUrl is not called for a success.
    expect(await callbacksOf(callback!.id)).toEqual([]);
    expect(
      sink.requests.filter((r) => r.path === '/failed' && r.headers['hourglass-parent-task-id'] === task.id),
    ).toHaveLength(0);
  });

  it('sends task.failed to failureCallbackUrl and callbackUrl once retries are exhausted', async () => {
    const { org, signingSecret } = await make.org(db);
    sink.reply((req, res) => {
      res.statusCode = req.path === '/broken' ? 503 : 200;
      if (req.path === '/broken') res.setHeader('retry-after', '0');
      res.end();
    });
    const task = await make.task(db, boss, {
      orgId: org.id,
      url: `${sink.url}/broken`,
      maxAttempts: 2,
      callbackUrl: `${sink.url}/any`,
      failureCallbackUrl: `${sink.url}/failed`,
    });
    const received = await sink.waitFor(2, (r) => r.headers['hourglass-parent-task-id'] === task.id);
    expect(received.map((r) => r.path).sort()).toEqual(['/any', '/failed']);
    for (const r of received) {
      expect(new Webhook(signingSecret).verify(r.body, r.headers as Record<string, string>)).toMatchObject({
        type: 'task.failed',
        taskId: task.id,
        status: 'failed',
        attempts: 2,
        lastAttempt: { number: 2, statusCode: 503, outcome: 'retryable' },
      });
    }
    expect((await finished(org.id, task.id))?.status).toBe('failed');
    expect(await callbacksOf(task.id)).toHaveLength(2);
  });

  it('retries a callback whose target fails, with the same webhook-id', async () => {
    const { org } = await make.org(db);
    let calls = 0;
    sink.reply((req, res) => {
      if (req.path === '/flaky-callback') {
        res.statusCode = ++calls === 1 ? 503 : 200;
        res.setHeader('retry-after', '0');
      }
      res.end();
    });
    const task = await make.task(db, boss, {
      orgId: org.id,
      url: `${sink.url}/ok`,
      callbackUrl: `${sink.url}/flaky-callback`,
    });
    const hits = await sink.waitFor(
      2,
      (r) => r.path === '/flaky-callback' && r.headers['hourglass-parent-task-id'] === task.id,
    );
    expect(hits.map((r) => r.headers['hourglass-attempt'])).toEqual(['1', '2']);
    expect(hits[0]!.headers['webhook-id']).toBe(hits[1]!.headers['webhook-id']);
    const [callback] = await callbacksOf(task.id);
    expect((await finished(org.id, callback!.id))?.status).toBe('succeeded');
  });

  it('refuses a callback to the cloud metadata address (SSRF guard), without retrying', async () => {
    const { org } = await make.org(db);
    const task = await make.task(db, boss, {
      orgId: org.id,
      url: `${sink.url}/ok`,
      callbackUrl: 'http://169.254.169.254/latest/meta-data',
    });
    expect((await finished(org.id, task.id))?.status).toBe('succeeded');
    const [callback] = await waitFor(
      () => callbacksOf(task.id),
      (rows) => rows.length > 0,
    );
    expect((await finished(org.id, callback!.id))?.status).toBe('failed');
    const page = await attempts.listForTask(org.id, callback!.id, 10);
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({ outcome: 'permanent', statusCode: null });
    expect(page.data[0]!.error).toMatch(/^blocked: /);
  });
});
