import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsUUID,
  ValidateNested,
} from 'class-validator';
import type { EventForwardRow, InboundEventRow } from '@hourglass/db';
import { RefusesNull } from '@hourglass/platform';
import { IsInstant } from '../tasks/task.validators.js';
import { PageQuery } from '../tasks/tasks-query.dto.js';
import { MAX_FORWARDS } from './endpoints.dto.js';

export const EVENT_STATUSES = ['forwarded', 'stored', 'rejected', 'duplicate', 'paused', 'challenge'] as const;

export class ListEventsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  verified?: 'true' | 'false';

  @ApiPropertyOptional({ enum: EVENT_STATUSES })
  @IsOptional()
  @IsIn(EVENT_STATUSES)
  status?: (typeof EVENT_STATUSES)[number];

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsInstant()
  receivedAfter?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsInstant()
  receivedBefore?: string;
}

@RefusesNull()
export class ReplayEventDto {
  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_FORWARDS,
    minItems: 1,
    description:
      'Forwards to send it to (any of the endpoint’s current ones, even added later); default: every forward whose filter matches',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_FORWARDS)
  @IsUUID('all', { each: true })
  forwardIds?: string[];
}

/** Which events a bulk replay selects: the list filters (verified only: a rejected request is never forwarded). */
@RefusesNull()
export class EventFilterDto extends PickType(ListEventsQuery, ['status', 'receivedAfter', 'receivedBefore'] as const) {}

@RefusesNull()
export class BulkReplayEventsDto {
  @ApiPropertyOptional({ type: EventFilterDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => EventFilterDto)
  filter?: EventFilterDto;

  @ApiPropertyOptional({ default: false, description: 'Only count the events it would replay' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class EventForward {
  @ApiProperty({ format: 'uuid' })
  forwardId!: string;

  @ApiProperty({ format: 'uuid' })
  taskId!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The task’s status; null once the task is gone (retention)',
  })
  status!: string | null;
}

export class InboundEvent {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  endpointId!: string;

  @ApiProperty({ format: 'date-time' })
  receivedAt!: string;

  @ApiProperty()
  method!: string;

  @ApiProperty()
  path!: string;

  @ApiProperty({ type: 'object', additionalProperties: {} })
  query!: Record<string, unknown>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  headers!: Record<string, string>;

  @ApiProperty({ type: String, nullable: true, description: 'As received: UTF-8 text, or base64 (bodyEncoding)' })
  body!: string | null;

  @ApiProperty({ enum: ['utf8', 'base64'] })
  bodyEncoding!: 'utf8' | 'base64';

  @ApiProperty()
  verified!: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'Why the signature did not verify' })
  rejection!: string | null;

  @ApiProperty({ enum: EVENT_STATUSES })
  status!: string;

  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'A duplicate: the event it repeats' })
  duplicateOf!: string | null;

  @ApiProperty({ type: [EventForward] })
  forwards!: EventForward[];
}

export class InboundEventPage {
  @ApiProperty({ type: [InboundEvent] })
  data!: InboundEvent[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

/** UTF-8 when the bytes are UTF-8 (they survive the round trip), base64 otherwise. */
function bodyView(body: Buffer | null): Pick<InboundEvent, 'body' | 'bodyEncoding'> {
  if (body === null) return { body: null, bodyEncoding: 'utf8' };
  const text = body.toString('utf8');
  return Buffer.from(text, 'utf8').equals(body) && !text.includes('\u0000')
    ? { body: text, bodyEncoding: 'utf8' }
    : { body: body.toString('base64'), bodyEncoding: 'base64' };
}

export function toEventResponse(row: InboundEventRow, forwards: EventForwardRow[]): InboundEvent {
  return {
    id: row.id,
    endpointId: row.endpointId,
    receivedAt: row.receivedAt.toISOString(),
    method: row.method,
    path: row.path,
    query: row.query,
    headers: row.headers,
    ...bodyView(row.body),
    verified: row.verified,
    rejection: row.rejection,
    status: row.status,
    duplicateOf: row.duplicateOf,
    forwards: forwards
      .filter((f) => f.eventId === row.id)
      .map(({ forwardId, taskId, status }) => ({ forwardId, taskId, status })),
  };
}
