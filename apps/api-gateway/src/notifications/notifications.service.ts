import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PgBoss } from 'pg-boss';
import {
  AuditTrail,
  type ChannelType,
  newId,
  NotificationChannelRepository,
  type NotificationChannelRow,
  NotificationRepository,
  sendNotifications,
} from '@hourglass/db';
import { type Actor, AppError, ErrorCode, MASKED_CREDENTIAL } from '@hourglass/domain';
import { AppLogger } from '@hourglass/platform';
import { entry } from '../audit/audit-entries.js';
import { RateLimited, sharedBudgets } from '../rate-limits/shared-budgets.js';
import type { WindowBudgets } from '../rate-limits/window-budgets.js';
import type { CreateChannelDto, ListNotificationsQuery, UpdateChannelDto } from './notifications.dto.js';
import {
  type Notification,
  type NotificationChannel,
  type NotificationChannelPage,
  type NotificationPage,
  toChannelResponse,
  toNotificationResponse,
} from './notifications.responses.js';

/** What an audit entry shows of a channel: settings, never its target (a Slack/Discord URL is a credential). */
const AUDITED = ['name', 'type', 'events', 'isDefault', 'disabledAt'] as const;

/**
 * Test sends per org per minute. A test message is a real request to a third party's URL (retried up to 8 times)
 * that no quota counts: unbounded, any key could make Hourglass flood a webhook it names.
 */
export const TEST_SENDS = { limit: 10, windowSeconds: 60 };

/** Channels per org: one event reaches every default channel subscribed to it, a request each, outside the quota. */
export const MAX_CHANNELS = 100;

@Injectable()
export class NotificationsService {
  constructor(
    @Inject(NotificationChannelRepository) private readonly channels: NotificationChannelRepository,
    @Inject(NotificationRepository) private readonly notifications: NotificationRepository,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(PgBoss) private readonly boss: PgBoss,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
    @Inject(AppLogger) logger: AppLogger,
  ) {
    this.testBudgets = sharedBudgets(db, logger, 'notification test');
  }

  private readonly testBudgets: WindowBudgets;

  async create(orgId: string, actor: Actor, dto: CreateChannelDto): Promise<NotificationChannel> {
    const target = targetOf(dto.type, dto.url, dto.email);
    const row = await this.db.transaction(async (em) => {
      if (await this.channels.hasAtLeast(orgId, MAX_CHANNELS, em))
        throw new AppError(
          ErrorCode.QUOTA_EXCEEDED,
          `An organization has at most ${MAX_CHANNELS} notification channels`,
        );
      const written = await this.channels.insert(
        {
          id: newId(),
          orgId,
          name: dto.name,
          type: dto.type,
          target,
          events: dto.events,
          isDefault: dto.default ?? false,
        },
        em,
      );
      await this.audit.record(em, [
        entry(actor, orgId, 'notification_channel.created', written.id, null, written, AUDITED),
      ]);
      return written;
    });
    return toChannelResponse(row);
  }

  async list(orgId: string, limit = 20, cursor?: string): Promise<NotificationChannelPage> {
    const page = await this.channels.list(orgId, limit, cursor);
    return { data: page.data.map(toChannelResponse), nextCursor: page.nextCursor };
  }

  async get(orgId: string, id: string): Promise<NotificationChannel> {
    return toChannelResponse(await this.find(orgId, id));
  }

  async update(orgId: string, actor: Actor, id: string, dto: UpdateChannelDto): Promise<NotificationChannel> {
    const row = await this.db.transaction(async (em) => {
      const before = await this.channels.find(orgId, id, em);
      if (!before) return null;
      const target =
        dto.url === undefined && dto.email === undefined ? undefined : targetOf(before.type, dto.url, dto.email);
      const after = await this.channels.update(
        orgId,
        id,
        {
          ...(dto.name === undefined ? {} : { name: dto.name }),
          ...(dto.events === undefined ? {} : { events: dto.events }),
          ...(dto.default === undefined ? {} : { isDefault: dto.default }),
          ...(target === undefined ? {} : { target }),
          ...(dto.enabled === undefined ? {} : { enabled: dto.enabled }),
        },
        em,
      );
      if (!after) return null;
      const changes = entry(actor, orgId, 'notification_channel.updated', id, before, after, AUDITED);
      // A new target is recorded by name only.
      if (target !== undefined && target !== before.target)
        changes.changes = { ...changes.changes, target: ['changed', 'changed'] };
      await this.audit.record(em, [changes]);
      return after;
    });
    if (!row) throw notFound(id);
    return toChannelResponse(row);
  }

  async delete(orgId: string, actor: Actor, id: string): Promise<void> {
    const deleted = await this.db.transaction(async (em) => {
      const gone = await this.channels.delete(orgId, id, em);
      if (gone) await this.audit.record(em, [entry(actor, orgId, 'notification_channel.deleted', id, null, null)]);
      return gone;
    });
    if (!deleted) throw notFound(id);
  }

  /** A test message through the same path as every notification: an outbox row and its delivery task. */
  async test(orgId: string, actor: Actor, id: string): Promise<Notification> {
    await this.find(orgId, id);
    const admission = await this.testBudgets.admit(`notification-test:${orgId}`, TEST_SENDS);
    if (!admission.admitted)
      throw new RateLimited(
        admission.resetSeconds,
        `At most ${TEST_SENDS.limit} test sends per ${TEST_SENDS.windowSeconds} s per organization; retry after Retry-After seconds`,
      );
    const row = await this.db.transaction(async (em) => {
      const channel = await this.channels.find(orgId, id, em);
      if (!channel) return null;
      const notificationId = newId();
      const [sent] = await sendNotifications(em, this.boss, [
        { id: notificationId, channel, event: 'test', events: [testEvent(notificationId, channel)] },
      ]);
      await this.audit.record(em, [entry(actor, orgId, 'notification_channel.tested', id, null, null)]);
      return sent!;
    });
    if (!row) throw notFound(id);
    return toNotificationResponse(row);
  }

  async listNotifications(orgId: string, query: ListNotificationsQuery): Promise<NotificationPage> {
    const page = await this.notifications.list(orgId, {
      limit: query.limit ?? 20,
      cursor: query.cursor,
      event: query.event,
      channelId: query.channelId,
      status: query.status,
    });
    return { data: page.data.map(toNotificationResponse), nextCursor: page.nextCursor };
  }

  private async find(orgId: string, id: string): Promise<NotificationChannelRow> {
    const row = await this.channels.find(orgId, id);
    if (!row) throw notFound(id);
    return row;
  }
}

function testEvent(id: string, channel: NotificationChannelRow) {
  return {
    id,
    event: 'test',
    subjectType: 'org',
    subjectId: null,
    createdAt: new Date(),
    payload: {
      title: `Test notification from Hourglass`,
      summary: `Channel "${channel.name}" (${channel.type}) receives Hourglass notifications.`,
      severity: 'info' as const,
      fields: { channel: channel.name },
    },
  };
}

const notFound = (id: string) =>
  new AppError(
    ErrorCode.NOTIFICATION_CHANNEL_NOT_FOUND,
    `No notification channel ${id.slice(0, 100)} in this organization`,
  );

const invalid = (field: string, message: string) =>
  new AppError(ErrorCode.VALIDATION_FAILED, 'The request is not valid', [{ field, message }]);

/** An email channel takes `email`, the others `url`; never both. */
function targetOf(type: ChannelType, url: string | undefined, email: string | undefined): string {
  if (type === 'email') {
    if (url !== undefined) throw invalid('url', 'an email channel takes email, not url');
    if (email === undefined) throw invalid('email', 'an email channel needs email');
    return email;
  }
  if (email !== undefined) throw invalid('email', `a ${type} channel takes url, not email`);
  if (url === undefined) throw invalid('url', `a ${type} channel needs url`);
  // A masked URL read back and sent again (perhaps with a `?` or `#` added) would be stored with "***" in it.
  if (url.includes(MASKED_CREDENTIAL)) throw invalid('url', 'is masked: send the real URL, or leave url out');
  return url;
}
