import { DataSource } from 'typeorm';
import { startGateway, type Gateway } from './harness.js';

describe('notification channels: /v1/notification-channels and /v1/notifications', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  const slack = {
    name: 'ops-slack',
    type: 'slack',
    url: 'https://hooks.slack.com/services/T000/B000/secretpart',
    events: ['monitor.down', 'monitor.up'],
    default: true,
  };

  it('creates, lists, reads, patches, tests and deletes a channel, audited; the test send is in /v1/notifications', async () => {
    const api = gw.as((await gw.newOrg()).key);
    const created = await api.post('/v1/notification-channels', slack).expect(201);
    const { id } = created.body;
    expect(created.body).toMatchObject({ ...slack, enabled: true, disabledAt: null, disabledReason: null });
    expect((await api.get('/v1/notification-channels').expect(200)).body.data.map((c: { id: string }) => c.id)).toEqual(
      [id],
    );
    const patched = await api
      .patch(`/v1/notification-channels/${id}`, { name: 'renamed', events: ['task.failed'], default: false })
      .expect(200);
    expect(patched.body).toMatchObject({ name: 'renamed', events: ['task.failed'], default: false, url: slack.url });

    const sent = await api.post(`/v1/notification-channels/${id}/test`).expect(201);
    expect(sent.body).toMatchObject({ event: 'test', channelId: id, status: 'pending', attempts: 0, sentAt: null });
    const listed = await api.get(`/v1/notifications?channelId=${id}&event=test`).expect(200);
    expect(listed.body.data.map((n: { id: string }) => n.id)).toEqual([sent.body.id]);
    expect((await api.get('/v1/notifications?status=sent').expect(200)).body.data).toEqual([]);
    // The delivery task is the platform's own: not in the org's task list, not counted.
    expect((await api.get('/v1/tasks').expect(200)).body.data).toEqual([]);

    // Disabling cancels what it had not sent (with its task); enabling turns it back on.
    const disabled = await api.patch(`/v1/notification-channels/${id}`, { enabled: false }).expect(200);
    expect(disabled.body).toMatchObject({ enabled: false, disabledReason: 'disabled through the API' });
    const cancelled = await api.get(`/v1/notifications?channelId=${id}`).expect(200);
    expect(cancelled.body.data.map((n: { status: string }) => n.status)).toEqual(['cancelled']);
    const [task] = await gw.app
      .get(DataSource)
      .query(`SELECT t.status FROM tasks t JOIN notifications n ON n.task_id = t.id WHERE n.id = $1`, [sent.body.id]);
    expect(task.status).toBe('cancelled');
    const enabled = await api.patch(`/v1/notification-channels/${id}`, { enabled: true }).expect(200);
    expect(enabled.body).toMatchObject({ enabled: true, disabledAt: null, disabledReason: null });

    const audit = await api.get(`/v1/audit-log?resourceId=${id}`).expect(200);
    expect(audit.body.data.map((e: { action: string }) => e.action).sort()).toEqual(
      [
        'notification_channel.created',
        'notification_channel.tested',
        'notification_channel.updated',
        'notification_channel.updated',
        'notification_channel.updated',
      ].sort(),
    );
    expect(JSON.stringify(audit.body)).not.toContain('secretpart');
    await api.delete(`/v1/notification-channels/${id}`).expect(204);
    const gone = await api.get(`/v1/notification-channels/${id}`).expect(404);
    expect(gone.body.code).toBe('NOTIFICATION_CHANNEL_NOT_FOUND');
  });

  it('seals the target at rest and masks Slack URLs for keys without the admin scope', async () => {
    const org = await gw.newOrg(['read', 'write']);
    const api = gw.as(org.key);
    const { id } = (await api.post('/v1/notification-channels', slack).expect(201)).body;
    const [row] = await gw.app.get(DataSource).query('SELECT target FROM notification_channels WHERE id = $1', [id]);
    expect(row.target[0]).toBe(0);
    expect(row.target.toString('latin1')).not.toContain('secretpart');
    const read = await api.get(`/v1/notification-channels/${id}`).expect(200);
    expect(read.body.url).toBe('https://hooks.slack.com/***');
    const masked = await api.patch(`/v1/notification-channels/${id}`, { url: read.body.url }).expect(400);
    expect(masked.body.code).toBe('VALIDATION_FAILED');
  });

  it('refuses a masked URL sent back with anything around the mask (a trailing ? or #, a path after it)', async () => {
    const api = gw.as((await gw.newOrg()).key);
    for (const url of ['https://hooks.slack.com/***?', 'https://hooks.slack.com/***#', 'https://x.example/***/more']) {
      const res = await api.post('/v1/notification-channels', { ...slack, url }).expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'url' }] });
    }
    const discord = { ...slack, type: 'discord', url: 'https://discord.com/api/webhooks/***?wait=true' };
    expect((await api.post('/v1/notification-channels', discord).expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect((await api.get('/v1/notification-channels').expect(200)).body.data).toEqual([]);
  });

  it('refuses bad channels with field errors, private targets with TARGET_NOT_ALLOWED, other orgs with 404', async () => {
    const api = gw.as((await gw.newOrg()).key);
    const other = gw.as((await gw.newOrg()).key);
    const refuse = async (body: object, field: string) => {
      const res = await api.post('/v1/notification-channels', body).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    };
    await refuse({ ...slack, type: 'pager' }, 'type');
    await refuse({ ...slack, events: ['nope'] }, 'events');
    await refuse({ ...slack, events: [] }, 'events');
    await refuse({ name: 'x', type: 'email', events: ['task.failed'] }, 'email');
    await refuse({ name: 'x', type: 'email', email: 'not-an-address', events: ['task.failed'] }, 'email');
    await refuse({ name: 'x', type: 'webhook', events: ['task.failed'] }, 'url');
    await refuse({ ...slack, email: 'a@example.com' }, 'email');
    await refuse({ ...slack, url: 'ftp://example.com/x' }, 'url');
    await refuse({ ...slack, name: 'a\u0000b' }, 'name');
    await refuse({ ...slack, orgId: 'mass' }, 'orgId');
    const ssrf = await api
      .post('/v1/notification-channels', { ...slack, url: 'http://169.254.169.254/latest' })
      .expect(400);
    expect(ssrf.body.code).toBe('TARGET_NOT_ALLOWED');
    const email = await api
      .post('/v1/notification-channels', {
        name: 'mail',
        type: 'email',
        email: 'ops@example.com',
        events: ['digest.weekly'],
      })
      .expect(201);
    expect(email.body).toMatchObject({ type: 'email', email: 'ops@example.com', default: false });
    expect(email.body.url).toBeUndefined();
    const { id } = email.body;
    expect((await other.get(`/v1/notification-channels/${id}`).expect(404)).body.code).toBe(
      'NOTIFICATION_CHANNEL_NOT_FOUND',
    );
    await other.patch(`/v1/notification-channels/${id}`, { name: 'stolen' }).expect(404);
    await other.post(`/v1/notification-channels/${id}/test`).expect(404);
    await other.delete(`/v1/notification-channels/${id}`).expect(404);
    await other.get('/v1/notification-channels/not-a-uuid').expect(404);
    expect((await other.get(`/v1/notifications?channelId=${id}`).expect(200)).body.data).toEqual([]);
    await api.get('/v1/notifications?status=bogus').expect(400);
    await api.get('/v1/notifications?channelId=nope').expect(400);
    expect((await api.get('/v1/notifications?event=a%00b').expect(400)).body.code).toBeDefined();
    await api.get(`/v1/notifications?cursor=${'x'.repeat(300)}`).expect(400);
  });
});
