import type { DataSource, EntityManager } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { type Actor, TaskLimits, TaskStatus } from '@hourglass/domain';
import { AuditTrail } from '../audit/audit-trail.js';
import { decodeCursor, type Page, toPage } from '../cursor.js';
import { openRows } from '../encryption/sealed-rows.js';
import { isUuid, newId } from '../ids.js';
import type { NewTask } from '../repositories/task.repository.js';
import { queryRows } from '../sql.js';
import { writeTasks } from '../task-writer/task-writer.js';
import {
  cancelUnsentNotifications,
  CHANNEL_COLUMNS,
  type NotificationChannelRow,
} from './notification-channel.repository.js';
import type { NotificationPayload, NotifyOverride } from './notification-events.js';
import { type RenderedEvent, renderMessage } from './render.js';

/**
 * The notification outbox (docs/decisions/0022). `held`: waiting out its channel's grouping window,
 * no task yet. `pending`: its task is written. Then it follows the task: `retrying`, `sent`, `failed`;
 * `cancelled` when its channel was disabled before it went out.
 */
export type NotificationStatus = 'held' | 'pending' | 'retrying' | 'sent' | 'failed' | 'cancelled';
export const NOTIFICATION_STATUSES: readonly NotificationStatus[] = [
  'held',
  'pending',
  'retrying',
  'sent',
  'failed',
  'cancelled',
];

export interface NotificationRow {
  id: string;
  orgId: string;
  channelId: string;
  event: string;
  eventIds: string[];
  taskId: string | null;
  status: NotificationStatus;
  attempts: number;
  createdAt: Date;
  sentAt: Date | null;
}

const NOTIFICATION_COLUMNS = `id, org_id AS "orgId", channel_id AS "channelId", event, event_ids AS "eventIds",
  task_id AS "taskId", status, attempts, created_at AS "createdAt", sent_at AS "sentAt"`;

/** A notification is delivered like a callback: its own retries with backoff, then dead-lettered. */
export const NOTIFICATION_MAX_ATTEMPTS = 8;
const NOTIFICATION_TIMEOUT_MS = 15_000;
/** Above every plan tier's task (jobPriority < 10,000): an alert should not wait behind the backlog it reports. */
const NOTIFICATION_JOB_PRIORITY = 100_000;

/** The platform's own actor in the audit log (a channel disabled after its target answered 404/410). */
export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'notifications' };

type Channel = Pick<NotificationChannelRow, 'id' | 'orgId' | 'name' | 'type' | 'target' | 'events' | 'isDefault'> & {
  disabledAt: Date | null;
};

/** One notification to send now: its row and the events its message lists. */
export interface OutgoingNotification {
  id: string;
  channel: Channel;
  event: string;
  events: RenderedEvent[];
}

/**
 * Writes each notification's delivery task (kind `notification`, through the one task writer, not
 * counted toward the quota) and its outbox row as `pending`, in the caller's transaction.
 */
export async function sendNotifications(
  em: EntityManager,
  boss: PgBoss,
  outgoing: OutgoingNotification[],
): Promise<NotificationRow[]> {
  if (outgoing.length === 0) return [];
  const tasks = outgoing.map((n) => notificationTask(n));
  await writeTasks(
    em,
    boss,
    tasks.map((task) => ({ task, jobPriority: NOTIFICATION_JOB_PRIORITY })),
  );
  return queryRows<NotificationRow>(
    em,
    `INSERT INTO notifications (id, org_id, channel_id, event, event_ids, task_id, status)
     SELECT u.id, u.org_id, u.channel_id, u.event, ARRAY(SELECT jsonb_array_elements_text(u.event_ids)::uuid), u.task_id, 'pending'
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::jsonb[], $6::uuid[])
         AS u(id, org_id, channel_id, event, event_ids, task_id)
     ON CONFLICT (id) DO UPDATE SET status = 'pending', task_id = EXCLUDED.task_id, event_ids = EXCLUDED.event_ids
     RETURNING ${NOTIFICATION_COLUMNS}`,
    [
      outgoing.map((n) => n.id),
      outgoing.map((n) => n.channel.orgId),
      outgoing.map((n) => n.channel.id),
      outgoing.map((n) => n.event),
      outgoing.map((n) => JSON.stringify(n.events.map((e) => e.id).filter((id) => id !== n.id))),
      tasks.map((task) => task.id),
    ],
  );
}

function notificationTask(n: OutgoingNotification): NewTask {
  const message = renderMessage(n.channel.type, n.channel.target, n.id, n.events);
  return {
    id: newId(),
    orgId: n.channel.orgId,
    status: TaskStatus.Queued,
    url: message.url,
    method: 'POST',
    headers: { ...message.headers, 'hourglass-notification-id': n.id },
    body: message.body,
    timeoutMs: NOTIFICATION_TIMEOUT_MS,
    runAt: new Date(),
    maxAttempts: NOTIFICATION_MAX_ATTEMPTS,
    labels: {},
    priority: TaskLimits.defaultPriority,
    queue: null,
    callbackUrl: null,
    failureCallbackUrl: null,
    scheduleId: null,
    fireAt: null,
    traceParent: null,
    kind: 'notification',
  };
}

interface PendingEvent {
  id: string;
  orgId: string;
  event: string;
  subjectType: string;
  subjectId: string | null;
  notify: NotifyOverride;
  payload: NotificationPayload;
  createdAt: Date;
}

const EVENT_COLUMNS = `id, org_id AS "orgId", event, subject_type AS "subjectType", subject_id AS "subjectId", notify,
  payload, created_at AS "createdAt"`;

export interface FanOutOptions {
  batchSize: number;
  /** A channel that got a message less than this long ago gets the next events as one message at the window's end. */
  groupWindowMs: number;
}

/** The channels that hear `event`: the override's (within the org), else its default channels subscribed to it. */
function channelsFor(event: PendingEvent, channels: Channel[]): Channel[] {
  const own = channels.filter((c) => c.orgId === event.orgId && c.disabledAt === null);
  if (event.notify === 'none') return [];
  if (event.notify && typeof event.notify === 'object' && Array.isArray(event.notify.channelIds)) {
    const named = new Set(event.notify.channelIds);
    return own.filter((c) => named.has(c.id));
  }
  return own.filter((c) => c.isDefault && (c.events as string[]).includes(event.event));
}

async function channelsOf(em: EntityManager, where: string, values: unknown[]): Promise<Channel[]> {
  const rows = await queryRows<Channel>(
    em,
    `SELECT ${CHANNEL_COLUMNS} FROM notification_channels WHERE ${where}`,
    values,
  );
  return openRows(em, 'notification_channels', rows);
}

const toRendered = (e: PendingEvent): RenderedEvent => ({
  id: e.id,
  event: e.event,
  subjectType: e.subjectType,
  subjectId: e.subjectId,
  createdAt: e.createdAt,
  payload: e.payload,
});

/**
 * One batch of the fan-out, in one transaction: takes up to `batchSize` pending events (FOR UPDATE
 * SKIP LOCKED, oldest first), resolves each to its channels and marks them dispatched, writing the
 * outbox rows in the same transaction. Grouping per channel (docs/decisions/0022): the events of a
 * batch to one channel are one message; a channel that got a message within the window gets later
 * events in one `held` notification, sent when the window since that message ends.
 * Returns how many events it took (0: none pending).
 */
export async function fanOutNotificationEvents(db: DataSource, boss: PgBoss, options: FanOutOptions): Promise<number> {
  return db.transaction(async (em) => {
    const taken = await queryRows<PendingEvent>(
      em,
      `SELECT ${EVENT_COLUMNS} FROM notification_events WHERE dispatched_at IS NULL
        ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [options.batchSize],
    );
    if (taken.length === 0) return 0;
    // A deleted org's events (data key gone) are marked dispatched and never sent.
    const events = await openRows(em, 'notification_events', [...taken]);
    const orgIds = [...new Set(events.map((e) => e.orgId))];
    const channels = orgIds.length
      ? await channelsOf(em, 'org_id = ANY($1::uuid[]) AND disabled_at IS NULL', [orgIds])
      : [];
    const perChannel = new Map<string, { channel: Channel; events: PendingEvent[] }>();
    for (const event of events)
      for (const channel of channelsFor(event, channels)) {
        const entry = perChannel.get(channel.id) ?? { channel, events: [] };
        entry.events.push(event);
        perChannel.set(channel.id, entry);
      }
    await dispatchPerChannel(em, boss, [...perChannel.values()], options.groupWindowMs);
    await em.query('UPDATE notification_events SET dispatched_at = now() WHERE id = ANY($1::uuid[])', [
      taken.map((e) => e.id),
    ]);
    return taken.length;
  });
}

async function dispatchPerChannel(
  em: EntityManager,
  boss: PgBoss,
  groups: { channel: Channel; events: PendingEvent[] }[],
  windowMs: number,
): Promise<void> {
  if (groups.length === 0) return;
  const ids = groups.map((g) => g.channel.id);
  const held = await queryRows<{ id: string; channelId: string }>(
    em,
    `SELECT id, channel_id AS "channelId" FROM notifications WHERE channel_id = ANY($1::uuid[]) AND status = 'held'
       FOR UPDATE`,
    [ids],
  );
  const recent = await queryRows<{ channelId: string; sendAfter: Date }>(
    em,
    // A message went out at its creation, or (a held one) at the end of its window.
    `SELECT channel_id AS "channelId", max(COALESCE(send_after, created_at)) + $2 * interval '1 millisecond' AS "sendAfter"
       FROM notifications WHERE channel_id = ANY($1::uuid[]) AND status <> 'held' AND event <> 'test'
        AND COALESCE(send_after, created_at) > now() - $2 * interval '1 millisecond'
      GROUP BY channel_id`,
    [ids, windowMs],
  );
  const heldOf = new Map(held.map((h) => [h.channelId, h.id]));
  const windowOf = new Map(recent.map((r) => [r.channelId, r.sendAfter]));
  const now: OutgoingNotification[] = [];
  for (const { channel, events } of groups) {
    const eventIds = events.map((e) => e.id);
    const heldId = heldOf.get(channel.id);
    const sendAfter = windowOf.get(channel.id);
    if (heldId) {
      await em.query('UPDATE notifications SET event_ids = event_ids || $2::uuid[] WHERE id = $1', [heldId, eventIds]);
    } else if (sendAfter) {
      await em.query(
        `INSERT INTO notifications (id, org_id, channel_id, event, event_ids, status, send_after)
         VALUES ($1, $2, $3, $4, $5::uuid[], 'held', $6)`,
        [newId(), channel.orgId, channel.id, events[0]!.event, eventIds, sendAfter],
      );
    } else {
      now.push({ id: newId(), channel, event: events[0]!.event, events: events.map(toRendered) });
    }
  }
  await sendNotifications(em, boss, now);
}

/**
 * Sends the held notifications whose window has ended (up to `limit`, FOR UPDATE SKIP LOCKED), each
 * as one message listing its events; a held notification of a channel disabled meanwhile is cancelled.
 * Returns how many it took.
 */
export async function flushHeldNotifications(db: DataSource, boss: PgBoss, limit: number): Promise<number> {
  return db.transaction(async (em) => {
    const due = await queryRows<{ id: string; channelId: string; event: string; eventIds: string[] }>(
      em,
      `SELECT id, channel_id AS "channelId", event, event_ids AS "eventIds" FROM notifications
        WHERE status = 'held' AND send_after <= now() ORDER BY send_after LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    if (due.length === 0) return 0;
    const channels = new Map(
      (await channelsOf(em, 'id = ANY($1::uuid[])', [due.map((n) => n.channelId)])).map((c) => [c.id, c]),
    );
    const rows = await queryRows<PendingEvent>(
      em,
      `SELECT ${EVENT_COLUMNS} FROM notification_events WHERE id = ANY($1::uuid[]) ORDER BY created_at, id`,
      [due.flatMap((n) => n.eventIds)],
    );
    const events = new Map((await openRows(em, 'notification_events', rows)).map((e) => [e.id, e]));
    const outgoing: OutgoingNotification[] = [];
    const cancelled: string[] = [];
    for (const n of due) {
      const channel = channels.get(n.channelId);
      const listed = n.eventIds.flatMap((id) => events.get(id) ?? []);
      if (!channel || channel.disabledAt !== null || listed.length === 0) cancelled.push(n.id);
      else outgoing.push({ id: n.id, channel, event: n.event, events: listed.map(toRendered) });
    }
    if (cancelled.length > 0)
      await em.query(`UPDATE notifications SET status = 'cancelled' WHERE id = ANY($1::uuid[])`, [cancelled]);
    await sendNotifications(em, boss, outgoing);
    return due.length;
  });
}

/** When the earliest held notification is due (null: none held), for the leader's sleep. */
export async function nextHeldNotificationAt(db: DataSource): Promise<Date | null> {
  const [row] = await queryRows<{ at: Date | null }>(
    db.manager,
    `SELECT min(send_after) AS at FROM notifications WHERE status = 'held'`,
  );
  return row?.at ?? null;
}

/** A notification task's attempt just settled, as the dispatcher's result writer saw it. */
export interface NotificationSettlement {
  taskId: string;
  status: typeof TaskStatus.Succeeded | typeof TaskStatus.Retrying | typeof TaskStatus.Failed;
  attempts: number;
  statusCode: number | null;
}

const OUTBOX_STATUS = { succeeded: 'sent', retrying: 'retrying', failed: 'failed' } as const;

/** Answers that say the target is gone for good: its channel is disabled. */
const GONE_STATUS_CODES = new Set([404, 410]);

/**
 * Makes the outbox rows follow their tasks, in the dispatcher's settle transaction `em` (one UPDATE;
 * none when the batch held no notification task). A notification that failed because its target
 * answered 404 or 410 disables its channel (audited, actor `system`) and cancels the channel's
 * notifications not sent yet, with their tasks.
 */
export async function settleNotifications(em: EntityManager, settled: NotificationSettlement[]): Promise<void> {
  if (settled.length === 0) return;
  const rows = await queryRows<{ channelId: string; taskId: string }>(
    em,
    `UPDATE notifications n
        SET status = u.status, attempts = u.attempts,
            sent_at = CASE WHEN u.status = 'sent' THEN now() ELSE n.sent_at END
       FROM unnest($1::uuid[], $2::text[], $3::int[]) AS u(task_id, status, attempts)
      WHERE n.task_id = ANY($1::uuid[]) AND n.task_id = u.task_id AND n.status <> 'cancelled'
      RETURNING n.channel_id AS "channelId", n.task_id AS "taskId"`,
    [settled.map((s) => s.taskId), settled.map((s) => OUTBOX_STATUS[s.status]), settled.map((s) => s.attempts)],
  );
  const gone = new Map(
    settled
      .filter((s) => s.status === TaskStatus.Failed && s.statusCode !== null && GONE_STATUS_CODES.has(s.statusCode))
      .map((s) => [s.taskId, s.statusCode]),
  );
  const goneChannels = new Map<string, number>();
  for (const row of rows) if (gone.has(row.taskId)) goneChannels.set(row.channelId, gone.get(row.taskId)!);
  if (goneChannels.size > 0) await disableChannels(em, goneChannels);
}

async function disableChannels(em: EntityManager, codes: Map<string, number>): Promise<void> {
  const ids = [...codes.keys()];
  const disabled = await queryRows<{ id: string; orgId: string }>(
    em,
    `UPDATE notification_channels c
        SET disabled_at = now(), disabled_reason = 'target answered HTTP ' || u.code, updated_at = now()
       FROM unnest($1::uuid[], $2::int[]) AS u(id, code)
      WHERE c.id = ANY($1::uuid[]) AND c.id = u.id AND c.disabled_at IS NULL
      RETURNING c.id, c.org_id AS "orgId"`,
    [ids, ids.map((id) => codes.get(id))],
  );
  if (disabled.length === 0) return;
  await new AuditTrail(em.connection).record(
    em,
    disabled.map((c) => ({
      orgId: c.orgId,
      actor: SYSTEM_ACTOR,
      action: 'notification_channel.disabled',
      resourceType: 'notification_channel',
      resourceId: c.id,
      changes: { disabledReason: [null, `target answered HTTP ${codes.get(c.id)}`] },
    })),
  );
  await cancelUnsentNotifications(
    em,
    disabled.map((c) => c.id),
  );
}

export interface NotificationFilter {
  limit: number;
  cursor?: string;
  event?: string;
  channelId?: string;
  status?: NotificationStatus;
}

/** What was sent, for `GET /v1/notifications`. */
export class NotificationRepository {
  constructor(private readonly db: DataSource) {}

  /** Newest first, by id (UUID v7). An id that is not a UUID matches nothing. */
  async list(orgId: string, filter: NotificationFilter): Promise<Page<NotificationRow>> {
    if (filter.channelId !== undefined && !isUuid(filter.channelId)) return { data: [], nextCursor: null };
    const before = decodeCursor(filter.cursor);
    const rows = await queryRows<NotificationRow>(
      this.db.manager,
      `SELECT ${NOTIFICATION_COLUMNS} FROM notifications
        WHERE org_id = $1 AND ($2::uuid IS NULL OR id < $2) AND ($3::text IS NULL OR event = $3)
          AND ($4::uuid IS NULL OR channel_id = $4) AND ($5::text IS NULL OR status = $5)
        ORDER BY id DESC LIMIT $6`,
      [orgId, before ?? null, filter.event ?? null, filter.channelId ?? null, filter.status ?? null, filter.limit + 1],
    );
    return toPage(rows, filter.limit);
  }

  async find(orgId: string, id: string, em: EntityManager = this.db.manager): Promise<NotificationRow | null> {
    const rows = await queryRows<NotificationRow>(
      em,
      `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE org_id = $1 AND id = $2`,
      [orgId, id],
    );
    return rows[0] ?? null;
  }
}
