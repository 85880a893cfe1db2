import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CHANNEL_TYPES,
  NOTIFICATION_EVENT_TYPES,
  NOTIFICATION_STATUSES,
  type NotificationChannelRow,
  type NotificationRow,
} from '@hourglass/db';

export class NotificationChannel {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: CHANNEL_TYPES })
  type!: string;

  @ApiPropertyOptional({ description: 'webhook, slack, discord (masked for keys without the admin scope)' })
  url?: string;

  @ApiPropertyOptional({ description: 'email' })
  email?: string;

  @ApiProperty({ type: [String], enum: NOTIFICATION_EVENT_TYPES })
  events!: string[];

  @ApiProperty()
  default!: boolean;

  @ApiProperty({ description: 'false once its target answered 404 or 410, or PATCH enabled: false' })
  enabled!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  disabledAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  disabledReason!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class NotificationChannelPage {
  @ApiProperty({ type: [NotificationChannel] })
  data!: NotificationChannel[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class Notification {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: 'The event type (the first one of a grouped message), or test' })
  event!: string;

  @ApiProperty({ type: [String], description: 'The events this message lists (more than one: grouped)' })
  eventIds!: string[];

  @ApiProperty({ format: 'uuid' })
  channelId!: string;

  @ApiProperty({ enum: NOTIFICATION_STATUSES })
  status!: string;

  @ApiProperty({ type: 'integer' })
  attempts!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  sentAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class NotificationPage {
  @ApiProperty({ type: [Notification] })
  data!: Notification[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export function toChannelResponse(row: NotificationChannelRow): NotificationChannel {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    ...(row.type === 'email' ? { email: row.target } : { url: row.target }),
    events: row.events,
    default: row.isDefault,
    enabled: row.disabledAt === null,
    disabledAt: row.disabledAt?.toISOString() ?? null,
    disabledReason: row.disabledReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toNotificationResponse(row: NotificationRow): Notification {
  return {
    id: row.id,
    event: row.event,
    eventIds: row.eventIds,
    channelId: row.channelId,
    status: row.status,
    attempts: row.attempts,
    sentAt: row.sentAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
