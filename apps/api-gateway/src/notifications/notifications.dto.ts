import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  MaxLength,
} from 'class-validator';
import { CHANNEL_TYPES, NOTIFICATION_EVENT_TYPES, NOTIFICATION_STATUSES } from '@hourglass/db';
import { RefusesNull } from '@hourglass/platform';
import { PageQuery } from '../tasks/tasks-query.dto.js';
import { IsTargetUrl } from '../tasks/task.validators.js';

const URL_DESCRIPTION =
  'webhook, slack, discord: where the message is POSTed (a Slack or Discord incoming-webhook URL is a credential: ' +
  'sealed at rest, masked for keys without the admin scope). Checked like task URLs (TARGET_NOT_ALLOWED).';

@RefusesNull()
export class CreateChannelDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'ops-slack' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ enum: CHANNEL_TYPES })
  @IsIn(CHANNEL_TYPES)
  type!: (typeof CHANNEL_TYPES)[number];

  @ApiPropertyOptional({ description: URL_DESCRIPTION, example: 'https://hooks.slack.com/services/T000/B000/XXXX' })
  @IsOptional()
  @IsTargetUrl()
  url?: string;

  @ApiPropertyOptional({ description: 'email: the recipient', maxLength: 254, example: 'ops@example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @IsEmail({ allow_display_name: false, allow_ip_domain: false })
  email?: string;

  @ApiProperty({
    type: [String],
    enum: NOTIFICATION_EVENT_TYPES,
    minItems: 1,
    maxItems: NOTIFICATION_EVENT_TYPES.length,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(NOTIFICATION_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(NOTIFICATION_EVENT_TYPES, { each: true })
  events!: (typeof NOTIFICATION_EVENT_TYPES)[number][];

  @ApiPropertyOptional({ description: "One of the org's default channels: events without an override reach it" })
  @IsOptional()
  @IsBoolean()
  default?: boolean;
}

@RefusesNull()
export class UpdateChannelDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ description: URL_DESCRIPTION })
  @IsOptional()
  @IsTargetUrl()
  url?: string;

  @ApiPropertyOptional({ maxLength: 254 })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @IsEmail({ allow_display_name: false, allow_ip_domain: false })
  email?: string;

  @ApiPropertyOptional({ type: [String], enum: NOTIFICATION_EVENT_TYPES, minItems: 1 })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(NOTIFICATION_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(NOTIFICATION_EVENT_TYPES, { each: true })
  events?: (typeof NOTIFICATION_EVENT_TYPES)[number][];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  default?: boolean;

  @ApiPropertyOptional({
    description: 'false disables the channel (its unsent notifications are cancelled); true re-enables it',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ListNotificationsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'e.g. monitor.down, or test', maxLength: 64 })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  event?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  channelId?: string;

  @ApiPropertyOptional({ enum: NOTIFICATION_STATUSES })
  @IsOptional()
  @IsIn(NOTIFICATION_STATUSES)
  status?: (typeof NOTIFICATION_STATUSES)[number];
}
