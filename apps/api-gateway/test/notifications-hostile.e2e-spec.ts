import { DataSource } from 'typeorm';
import { startGateway, type Gateway } from './harness.js';

describe('notifications, hostile', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  const slack = {
    name: 'ops-slack',
    type: 'slack',
    url: 'https://hooks.slack.com/services/T000/B000/secretpart',
    events: ['task.failed'],
  };

  it("a notification's delivery task is not a /v1/tasks resource: its id (a webhook's webhook-id) is 404 everywhere", async () => {
    // It answered 200 with the unmasked Slack URL to a key without the admin scope, and could be edited or re-run.
    const org = await gw.newOrg(['read', 'write']);
    const api = gw.as(org.key);
    const { id } = (await api.post('/v1/notification-channels', slack).expect(201)).body;
    const sent = await api.post(`/v1/notification-channels/${id}/test`).expect(201);
    const [{ task_id: taskId }] = await gw.app
      .get(DataSource)
      .query('SELECT task_id FROM notifications WHERE id = $1', [sent.body.id]);
    const row = () => gw.app.get(DataSource).query('SELECT status, version FROM tasks WHERE id = $1', [taskId]);
    const before = await row();
    const answers = [
      await api.get(`/v1/tasks/${taskId}`),
      await api.get(`/v1/tasks/${taskId}/attempts`),
      await api.patch(`/v1/tasks/${taskId}`, { request: { url: 'https://example.com/elsewhere' } }),
      await api.post(`/v1/tasks/${taskId}/run`),
      await api.post(`/v1/tasks/${taskId}/replay`),
      await api.post(`/v1/tasks/${taskId}/cancel`),
    ];
    for (const res of answers) {
      expect([res.status, res.body.code]).toEqual([404, 'TASK_NOT_FOUND']);
      expect(JSON.stringify(res.body)).not.toContain('secretpart');
    }
    expect(await row()).toEqual(before);
  });

  it('test sends are limited per org (each one is a request to a third party that no quota counts): 429 with Retry-After', async () => {
    const api = gw.as((await gw.newOrg()).key);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await api.post('/v1/notification-channels', slack).expect(201)).body.id);
    const statuses: number[] = [];
    let refused: { status: number; headers: Record<string, string>; body: { code: string } } | undefined;
    // 25 over three channels: one window boundary crossed at most lets 20 through.
    for (let i = 0; i < 25; i++) {
      const res = await api.post(`/v1/notification-channels/${ids[i % 3]}/test`);
      statuses.push(res.status);
      if (res.status !== 201) refused ??= res;
    }
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(20);
    expect(statuses.filter((s) => s !== 201 && s !== 429)).toEqual([]);
    expect(refused?.body.code).toBe('RATE_LIMITED');
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    // Another org's budget is its own.
    const other = gw.as((await gw.newOrg()).key);
    const { id } = (await other.post('/v1/notification-channels', slack).expect(201)).body;
    await other.post(`/v1/notification-channels/${id}/test`).expect(201);
  });

  it('an org has at most 100 channels (an event reaches each default one, outside the quota): 429 QUOTA_EXCEEDED', async () => {
    const org = await gw.newOrg();
    const api = gw.as(org.key);
    // 99 written directly, the 100th through the API.
    await gw.app.get(DataSource).query(
      `INSERT INTO notification_channels (id, org_id, name, type, target, events, is_default)
       SELECT gen_random_uuid(), $1, 'c' || n, 'email', 'x', '{task.failed}', true FROM generate_series(1, 99) n`,
      [org.orgId],
    );
    await api.post('/v1/notification-channels', slack).expect(201);
    const over = await api.post('/v1/notification-channels', slack).expect(429);
    expect(over.body.code).toBe('QUOTA_EXCEEDED');
  });
});
