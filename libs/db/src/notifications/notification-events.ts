import type { EntityManager } from 'typeorm';
import { sealRows } from '../encryption/sealed-rows.js';
import { newId } from '../ids.js';
import { Channel, notify } from '../notify.js';

/** The events an org can be notified of (API: "Notifications"). */
export const NOTIFICATION_EVENT_TYPES = [
  'monitor.down',
  'monitor.up',
  'task.failed',
  'schedule.failed',
  'schedule.recovered',
  'usage.threshold',
  'digest.weekly',
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

/** A resource's own override: `null` is the org's default channels, `'none'` is silence. */
export type NotifyOverride = { channelIds: string[] } | 'none' | null;

/** What every event's payload carries, so every channel can render any event the same way. */
export interface NotificationPayload {
  /** One line, e.g. `Monitor "nightly-backup" is down`. */
  title: string;
  /** A sentence or two: the cause, since when. */
  summary: string;
  severity: 'critical' | 'warning' | 'ok' | 'info';
  /** Short labelled values shown under the summary (state, cause, duration, counts). */
  fields?: Record<string, string | number>;
  /** digest.weekly only: the tables of the weekly email. */
  digest?: WeeklyDigest;
  [extra: string]: unknown;
}

export interface WeeklyDigest {
  periodStart: string;
  periodEnd: string;
  counts: Record<string, number>;
  failures: { name: string; count: number }[];
  slowestTargets: { host: string; p95Ms: number; count: number }[];
}

export interface NotificationEvent {
  orgId: string;
  event: NotificationEventType;
  subjectType: 'monitor' | 'task' | 'schedule' | 'org';
  subjectId: string | null;
  notify: NotifyOverride;
  /** What the message says: names, states, causes, counts (sealed at rest: it may name targets). */
  payload: NotificationPayload;
  /** Raising an event with a key already raised by the org is a no-op (two evaluators, one alert). */
  dedupKey?: string;
}

/**
 * Records that something happened, in the caller's transaction, so the event exists exactly when
 * the state change that raised it committed. Fan-out to channels happens later, from the table.
 * Returns false when `dedupKey` had been raised already.
 */
export async function raiseNotificationEvent(manager: EntityManager, event: NotificationEvent): Promise<boolean> {
  const id = newId();
  const [sealed] = await sealRows(manager, 'notification_events', [{ id, orgId: event.orgId, payload: event.payload }]);
  const rows: unknown[] = await manager.query(
    `INSERT INTO notification_events (id, org_id, event, subject_type, subject_id, notify, payload, dedup_key)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
     ON CONFLICT (org_id, dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING
     RETURNING id`,
    [
      id,
      event.orgId,
      event.event,
      event.subjectType,
      event.subjectId,
      event.notify === null ? null : JSON.stringify(event.notify),
      sealed!.payload,
      event.dedupKey ?? null,
    ],
  );
  if (rows.length === 0) return false;
  await notify(manager, Channel.NotificationEvents, '');
  return true;
}
