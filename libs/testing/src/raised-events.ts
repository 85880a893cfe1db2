import type { DataSource } from 'typeorm';
import { openRows, type NotificationPayload } from '@hourglass/db';

export interface RaisedEvent {
  id: string;
  orgId: string;
  event: string;
  subjectType: string;
  subjectId: string | null;
  notify: unknown;
  dedupKey: string | null;
  payload: NotificationPayload;
}

/** The notification events an org has raised, oldest first, payloads opened. */
export async function raisedEvents(db: DataSource, orgId: string, event?: string): Promise<RaisedEvent[]> {
  const rows: RaisedEvent[] = await db.query(
    `SELECT id, org_id AS "orgId", event, subject_type AS "subjectType", subject_id AS "subjectId", notify,
            dedup_key AS "dedupKey", payload
       FROM notification_events WHERE org_id = $1 AND ($2::text IS NULL OR event = $2) ORDER BY created_at, id`,
    [orgId, event ?? null],
  );
  return openRows(db.manager, 'notification_events', rows);
}
