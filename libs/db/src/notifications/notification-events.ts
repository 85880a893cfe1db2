import type { EntityManager } from 'typeorm';
import { raiseNotificationEvents } from './raise-events.js';

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
  return (await raiseNotificationEvents(manager, [event])) === 1;
}
