import type { PgBoss } from 'pg-boss';
import {
  createBoss,
  fanOutNotificationEvents,
  flushHeldNotifications,
  newId,
  NotificationChannelRepository,
  type NotificationEvent,
  raiseNotificationEvent,
  settleNotifications,
} from '@hourglass/db';
import { TaskStatus } from '@hourglass/domain';
import { createTestDataSource, make, type TestDataSource } from './index.js';

describe('the notification outbox: fan-out, grouping and outcome', () => {
  let t: TestDataSource;
  let boss: PgBoss;
  const options = { batchSize: 100, groupWindowMs: 60_000 };

  beforeAll(async () => {
    t = await createTestDataSource();
    boss = createBoss(t.database.url, 'producer');
    await boss.start();
  });
  afterAll(async () => {
    await boss.stop({ graceful: false });
    await t.close();
  });

  const channel = async (orgId: string, fields: { isDefault?: boolean; events?: string[] } = {}) =>
    (
      await new NotificationChannelRepository(t.db).insert({
        id: newId(),
        orgId,
        name: 'c',
        type: 'webhook',
        target: `https://example.com/${newId()}`,
        events: (fields.events ?? ['monitor.down']) as NotificationEvent['event'][],
        isDefault: fields.isDefault ?? true,
      })
    ).id;
  const event = (orgId: string, notify: NotificationEvent['notify'] = null): NotificationEvent => ({
    orgId,
    event: 'monitor.down',
    subjectType: 'monitor',
    subjectId: null,
    notify,
    payload: { title: 'down', summary: 'no ping', severity: 'critical' },
  });
  const outbox = async (channelId: string) =>
    (await t.db.query(
      `SELECT n.status, n.event_ids, n.task_id, tk.kind, tk.status AS task_status
         FROM notifications n LEFT JOIN tasks tk ON tk.id = n.task_id WHERE n.channel_id = $1 ORDER BY n.created_at`,
      [channelId],
    )) as { status: string; event_ids: string[]; task_id: string | null; kind: string; task_status: string }[];

  it('resolves defaults subscribed to the event, an override’s own channels, and "none"; never another org’s', async () => {
    const [{ org }, { org: other }] = [await make.org(t.db), await make.org(t.db)];
    const subscribed = await channel(org.id);
    const unsubscribed = await channel(org.id, { events: ['task.failed'] });
    const notDefault = await channel(org.id, { isDefault: false });
    const foreign = await channel(other.id, { isDefault: false });
    await raiseNotificationEvent(t.db.manager, event(org.id));
    await raiseNotificationEvent(t.db.manager, event(org.id, 'none'));
    await raiseNotificationEvent(t.db.manager, event(org.id, { channelIds: [notDefault, foreign] }));
    expect(await fanOutNotificationEvents(t.db, boss, options)).toBeGreaterThanOrEqual(3);
    expect((await outbox(subscribed)).map((n) => n.event_ids.length)).toEqual([1]);
    expect(await outbox(unsubscribed)).toEqual([]);
    expect(await outbox(foreign)).toEqual([]);
    const [overridden] = await outbox(notDefault);
    expect(overridden).toMatchObject({ status: 'pending', kind: 'notification', task_status: 'queued' });
    const pending = await t.db.query(
      `SELECT count(*)::int AS n FROM notification_events WHERE org_id = $1 AND dispatched_at IS NULL`,
      [org.id],
    );
    expect(pending[0].n).toBe(0);
    // The platform's own task is not counted toward the org's monthly quota.
    const usage = await t.db.query(
      `SELECT coalesce(sum(tasks_created), 0)::int AS n FROM org_usage WHERE org_id = $1`,
      [org.id],
    );
    expect(usage[0].n).toBe(0);
  });

  it('holds events inside the window after a message, and sends them as one when it is flushed', async () => {
    const { org } = await make.org(t.db);
    const id = await channel(org.id);
    await raiseNotificationEvent(t.db.manager, event(org.id));
    await fanOutNotificationEvents(t.db, boss, options);
    for (let i = 0; i < 3; i++) {
      await raiseNotificationEvent(t.db.manager, event(org.id));
      await fanOutNotificationEvents(t.db, boss, options);
    }
    const [sent, held] = await outbox(id);
    expect(sent!.status).toBe('pending');
    expect(held).toMatchObject({ status: 'held', task_id: null });
    expect(held!.event_ids).toHaveLength(3);
    await t.db.query(`UPDATE notifications SET send_after = now() WHERE channel_id = $1 AND status = 'held'`, [id]);
    expect(await flushHeldNotifications(t.db, boss, 10)).toBe(1);
    const after = await outbox(id);
    expect(after[1]).toMatchObject({ status: 'pending', kind: 'notification' });
    expect(after[1]!.event_ids).toHaveLength(3);
  });

  it('follows its task; a 410 disables the channel and cancels what it had not sent, with its task', async () => {
    const { org } = await make.org(t.db);
    const id = await channel(org.id);
    await raiseNotificationEvent(t.db.manager, event(org.id));
    await fanOutNotificationEvents(t.db, boss, options);
    await raiseNotificationEvent(t.db.manager, event(org.id));
    await fanOutNotificationEvents(t.db, boss, options);
    await t.db.query(`UPDATE notifications SET send_after = now() WHERE channel_id = $1 AND status = 'held'`, [id]);
    await flushHeldNotifications(t.db, boss, 10);
    const [first, second] = await outbox(id);
    await t.db.transaction((em) =>
      settleNotifications(em, [{ taskId: first!.task_id!, status: TaskStatus.Retrying, attempts: 1, statusCode: 503 }]),
    );
    expect((await outbox(id))[0]!.status).toBe('retrying');
    await t.db.transaction((em) =>
      settleNotifications(em, [{ taskId: first!.task_id!, status: TaskStatus.Failed, attempts: 2, statusCode: 410 }]),
    );
    const [failed, cancelled] = await outbox(id);
    expect(failed!.status).toBe('failed');
    expect(cancelled).toMatchObject({ status: 'cancelled', task_id: second!.task_id, task_status: 'cancelled' });
    const [row] = await t.db.query(`SELECT disabled_at, disabled_reason FROM notification_channels WHERE id = $1`, [
      id,
    ]);
    expect(row.disabled_at).not.toBeNull();
    expect(row.disabled_reason).toBe('target answered HTTP 410');
    const audit = await t.db.query(`SELECT actor_type, action FROM audit_log WHERE resource_id = $1`, [id]);
    expect(audit).toEqual([{ actor_type: 'system', action: 'notification_channel.disabled' }]);
  });
});
