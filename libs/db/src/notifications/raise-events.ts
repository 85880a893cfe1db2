import type { EntityManager } from 'typeorm';
import { sealRows } from '../encryption/sealed-rows.js';
import { newId } from '../ids.js';
import { Channel, notify } from '../notify.js';
import { queryRows } from '../sql.js';
import type { NotificationEvent } from './notification-events.js';

/**
 * `raiseNotificationEvent` for many events in one INSERT (a failure storm settles 500 tasks in one
 * batch; one round trip, not 500), in the caller's transaction. Each `dedupKey` already raised,
 * or repeated within `events`, is a no-op. Returns how many were raised.
 */
export async function raiseNotificationEvents(manager: EntityManager, events: NotificationEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const sealed = await sealRows(
    manager,
    'notification_events',
    events.map((event) => ({ id: newId(), orgId: event.orgId, payload: event.payload })),
  );
  const column = <T>(pick: (event: NotificationEvent) => T) => events.map(pick);
  const rows = await queryRows<{ id: string }>(
    manager,
    `INSERT INTO notification_events (id, org_id, event, subject_type, subject_id, notify, payload, dedup_key)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::jsonb[], $7::bytea[], $8::text[])
     ON CONFLICT (org_id, dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING
     RETURNING id`,
    [
      sealed.map((row) => row.id),
      column((e) => e.orgId),
      column((e) => e.event),
      column((e) => e.subjectType),
      column((e) => e.subjectId),
      column((e) => (e.notify === null ? null : JSON.stringify(e.notify))),
      sealed.map((row) => row.payload),
      column((e) => e.dedupKey ?? null),
    ],
  );
  if (rows.length > 0) await notify(manager, Channel.NotificationEvents, '');
  return rows.length;
}
