import { DataSource } from 'typeorm';
import { newId } from '@hourglass/db';
import { startGateway, type Gateway } from './harness.js';

// `notify` on tasks and schedules (API.md "Notifications"): { channelIds } | "none", omitted or null = org defaults.
describe('notify overrides on tasks and schedules', () => {
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
  const request = { url: 'https://example.com/hook' };
  const stored = async (table: 'tasks' | 'schedules', id: string) =>
    ((await db.query(`SELECT notify FROM ${table} WHERE id = $1`, [id])) as { notify: unknown }[])[0]!.notify;
  const channel = newId();

  it("stores, returns and edits a task's override; omitted is null (the org's defaults)", async () => {
    const plain = (await as(gw.http().post('/v1/tasks')).send({ request, delay: '1h' }).expect(201)).body;
    expect(plain.notify).toBeNull();
    expect(await stored('tasks', plain.id)).toBeNull();

    const upper = channel.toUpperCase();
    const res = await as(gw.http().post('/v1/tasks'))
      .send({ request, delay: '1h', notify: { channelIds: [upper] } })
      .expect(201);
    expect(res.body.notify).toEqual({ channelIds: [channel] });
    expect(await stored('tasks', res.body.id)).toEqual({ channelIds: [channel] });
    expect((await as(gw.http().get(`/v1/tasks/${res.body.id}`)).expect(200)).body.notify).toEqual({
      channelIds: [channel],
    });

    const silenced = await as(gw.http().patch(`/v1/tasks/${res.body.id}`))
      .send({ notify: 'none' })
      .expect(200);
    expect(silenced.body.notify).toBe('none');
    const reset = await as(gw.http().patch(`/v1/tasks/${res.body.id}`))
      .send({ notify: null })
      .expect(200);
    expect(reset.body.notify).toBeNull();
    expect(await stored('tasks', res.body.id)).toBeNull();

    const batch = await as(gw.http().post('/v1/tasks/batch'))
      .send({
        tasks: [
          { request, delay: '1h', notify: 'none' },
          { request, delay: '1h' },
        ],
      })
      .expect(201);
    expect(batch.body.data.map((t: { notify: unknown }) => t.notify)).toEqual(['none', null]);
    const clone = await as(gw.http().post(`/v1/tasks/${batch.body.data[0].id}/clone`)).expect(201);
    expect(clone.body.notify).toBe('none');
  });

  it.each([
    ['a string other than none', 'all'],
    ['an empty list', { channelIds: [] }],
    ['a non-uuid', { channelIds: ['slack'] }],
    ['a repeated id', { channelIds: [channel, channel] }],
    ['too many ids', { channelIds: Array.from({ length: 21 }, () => newId()) }],
    ['another key', { channelIds: [channel], events: ['task.failed'] }],
    ['a list', [channel]],
    ['a NUL byte', `none\u0000`],
  ])('refuses %s with 400 VALIDATION_FAILED on notify', async (_what, notify) => {
    for (const [path, body] of [
      ['/v1/tasks', { request, notify }],
      ['/v1/tasks/batch', { tasks: [{ request, notify }] }],
      ['/v1/schedules', { name: `s-${newId()}`, cron: '0 9 * * *', request, notify }],
    ] as const) {
      const res = await as(gw.http().post(path)).send(body).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.body)).toContain('notify');
    }
  });

  it("stores, returns and edits a schedule's override; its manual run carries it", async () => {
    const created = await as(gw.http().post('/v1/schedules'))
      .send({ name: `s-${newId()}`, cron: '0 9 * * *', request, notify: { channelIds: [channel] } })
      .expect(201);
    expect(created.body.notify).toEqual({ channelIds: [channel] });
    expect(await stored('schedules', created.body.id)).toEqual({ channelIds: [channel] });
    const edited = await as(gw.http().patch(`/v1/schedules/${created.body.id}`))
      .send({ notify: 'none' })
      .expect(200);
    expect(edited.body.notify).toBe('none');
    expect((await as(gw.http().get(`/v1/schedules/${created.body.id}`)).expect(200)).body.notify).toBe('none');
    const run = await as(gw.http().post(`/v1/schedules/${created.body.id}/trigger`)).expect(201);
    expect(await stored('tasks', run.body.id ?? run.body.taskId)).toBe('none');
    const reset = await as(gw.http().patch(`/v1/schedules/${created.body.id}`))
      .send({ notify: null })
      .expect(200);
    expect(reset.body.notify).toBeNull();
    expect(await stored('schedules', created.body.id)).toBeNull();
  });
});
