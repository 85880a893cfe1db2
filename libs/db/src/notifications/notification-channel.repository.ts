import type { DataSource, EntityManager } from 'typeorm';
import { decodeCursor, type Page, toPage } from '../cursor.js';
import { openOne, openRows, sealRows } from '../encryption/sealed-rows.js';
import { isUuid } from '../ids.js';
import { queryRows } from '../sql.js';
import type { NotificationEventType } from './notification-events.js';

export type ChannelType = 'webhook' | 'slack' | 'discord' | 'email';
export const CHANNEL_TYPES: readonly ChannelType[] = ['webhook', 'slack', 'discord', 'email'];

/** A place an org hears of events; `target` (a URL, or an email address) is sealed at rest. */
export interface NotificationChannelRow {
  id: string;
  orgId: string;
  name: string;
  type: ChannelType;
  target: string;
  events: NotificationEventType[];
  isDefault: boolean;
  disabledAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewNotificationChannel = Pick<
  NotificationChannelRow,
  'id' | 'orgId' | 'name' | 'type' | 'target' | 'events' | 'isDefault'
>;
export type NotificationChannelPatch = Partial<
  Pick<NotificationChannelRow, 'name' | 'target' | 'events' | 'isDefault'>
> & {
  /** true re-enables a disabled channel (its target answered 404/410); false disables it. */
  enabled?: boolean;
};

export const CHANNEL_COLUMNS = `id, org_id AS "orgId", name, type, target, events, is_default AS "isDefault",
  disabled_at AS "disabledAt", disabled_reason AS "disabledReason", created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * Cancels the channels' notifications not sent yet (held, pending, retrying) and their tasks still
 * waiting (a cancelled task's job is completed unsent): a disabled or deleted channel sends nothing more.
 */
export async function cancelUnsentNotifications(em: EntityManager, channelIds: string[]): Promise<void> {
  const open = await queryRows<{ taskId: string | null }>(
    em,
    `UPDATE notifications SET status = 'cancelled'
      WHERE channel_id = ANY($1::uuid[]) AND status IN ('held', 'pending', 'retrying')
      RETURNING task_id AS "taskId"`,
    [channelIds],
  );
  const taskIds = open.flatMap((n) => (n.taskId ? [n.taskId] : []));
  if (taskIds.length > 0)
    await em.query(
      `UPDATE tasks SET status = 'cancelled', finished_at = now(), updated_at = now()
        WHERE id = ANY($1::uuid[]) AND status IN ('queued', 'scheduled', 'retrying')`,
      [taskIds],
    );
}

/** Notification channels (docs/decisions/0022), `target` handed out opened. */
export class NotificationChannelRepository {
  constructor(private readonly db: DataSource) {}

  async insert(row: NewNotificationChannel, em: EntityManager = this.db.manager): Promise<NotificationChannelRow> {
    const [sealed] = await sealRows(em, 'notification_channels', [row]);
    const [written] = await queryRows<NotificationChannelRow>(
      em,
      `INSERT INTO notification_channels (id, org_id, name, type, target, events, is_default)
       VALUES ($1, $2, $3, $4, $5, $6::text[], $7) RETURNING ${CHANNEL_COLUMNS}`,
      [row.id, row.orgId, row.name, row.type, sealed!.target, row.events, row.isDefault],
    );
    return { ...written!, target: row.target };
  }

  /** Null for another org's channel, or an id that is not one. */
  /**
   * Whether the org has `max` channels or more (stops counting there). Locks the org row until `em` commits, so
   * concurrent creates count one after another.
   */
  async hasAtLeast(orgId: string, max: number, em: EntityManager): Promise<boolean> {
    await queryRows(em, 'SELECT 1 FROM organizations WHERE id = $1 FOR NO KEY UPDATE', [orgId]);
    const rows = await queryRows(em, 'SELECT 1 FROM notification_channels WHERE org_id = $1 LIMIT 1 OFFSET $2', [
      orgId,
      max - 1,
    ]);
    return rows.length > 0;
  }

  async find(orgId: string, id: string, em: EntityManager = this.db.manager): Promise<NotificationChannelRow | null> {
    if (!isUuid(id)) return null;
    const rows = await queryRows<NotificationChannelRow>(
      em,
      `SELECT ${CHANNEL_COLUMNS} FROM notification_channels WHERE org_id = $1 AND id = $2`,
      [orgId, id],
    );
    return openOne(em, 'notification_channels', rows[0] ?? null);
  }

  async list(orgId: string, limit: number, cursor?: string): Promise<Page<NotificationChannelRow>> {
    const before = decodeCursor(cursor);
    const rows = await queryRows<NotificationChannelRow>(
      this.db.manager,
      `SELECT ${CHANNEL_COLUMNS} FROM notification_channels WHERE org_id = $1 AND ($2::uuid IS NULL OR id < $2)
        ORDER BY id DESC LIMIT $3`,
      [orgId, before ?? null, limit + 1],
    );
    return toPage(await openRows(this.db.manager, 'notification_channels', rows), limit);
  }

  /** Which of `ids` are channels of the org (a `notify` override may only name the org's own). */
  async existing(orgId: string, ids: string[], em: EntityManager = this.db.manager): Promise<Set<string>> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return new Set();
    const rows = await queryRows<{ id: string }>(
      em,
      'SELECT id FROM notification_channels WHERE org_id = $1 AND id = ANY($2::uuid[])',
      [orgId, valid],
    );
    return new Set(rows.map((row) => row.id));
  }

  /** Only the fields given change; null when there is no such channel in the org. Disabling cancels its unsent. */
  async update(
    orgId: string,
    id: string,
    patch: NotificationChannelPatch,
    em: EntityManager = this.db.manager,
  ): Promise<NotificationChannelRow | null> {
    if (!isUuid(id)) return null;
    const values: unknown[] = [orgId, id];
    const sets = ['updated_at = now()'];
    const set = (column: string, value: unknown, cast = '') => {
      values.push(value);
      sets.push(`${column} = $${values.length}${cast}`);
    };
    if (patch.name !== undefined) set('name', patch.name);
    if (patch.events !== undefined) set('events', patch.events, '::text[]');
    if (patch.isDefault !== undefined) set('is_default', patch.isDefault);
    if (patch.target !== undefined) {
      const [sealed] = await sealRows(em, 'notification_channels', [{ id, orgId, target: patch.target }]);
      set('target', sealed!.target);
    }
    if (patch.enabled === true) sets.push('disabled_at = NULL', 'disabled_reason = NULL');
    if (patch.enabled === false)
      sets.push(
        `disabled_at = COALESCE(disabled_at, now())`,
        `disabled_reason = COALESCE(disabled_reason, 'disabled through the API')`,
      );
    const rows = await queryRows<NotificationChannelRow>(
      em,
      `UPDATE notification_channels SET ${sets.join(', ')} WHERE org_id = $1 AND id = $2 RETURNING ${CHANNEL_COLUMNS}`,
      values,
    );
    if (rows.length > 0 && patch.enabled === false) await cancelUnsentNotifications(em, [id]);
    return openOne(em, 'notification_channels', rows[0] ?? null);
  }

  /** Its notifications go with it (ON DELETE CASCADE); their tasks not sent yet are cancelled first. */
  async delete(orgId: string, id: string, em: EntityManager = this.db.manager): Promise<boolean> {
    if (!isUuid(id) || !(await this.find(orgId, id, em))) return false;
    await cancelUnsentNotifications(em, [id]);
    const rows = await queryRows(em, `DELETE FROM notification_channels WHERE org_id = $1 AND id = $2 RETURNING id`, [
      orgId,
      id,
    ]);
    return rows.length > 0;
  }
}
