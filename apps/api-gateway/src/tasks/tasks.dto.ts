import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  DURATION_PATTERN,
  formatDuration,
  HTTP_METHODS,
  type HttpMethod,
  TaskLimits,
  type TaskStatus,
} from '@hourglass/domain';
import type { AttemptEntity, NotifyOverride, TaskEntity, TaskKind } from '@hourglass/db';
import { RefusesNull } from '@hourglass/platform';
import {
  ExclusiveWith,
  IsDuration,
  IsHeaderMap,
  IsInstant,
  IsRe2Pattern,
  IsStringMap,
  IsTargetUrl,
  MaxUtf8Bytes,
} from './task.validators.js';
import { QUEUE_NAME_PATTERN } from '../queues/queues.dto.js';
import { NotifyProperty } from '../notify-override/notify-override.js';

const MAX_DELAY = formatDuration(TaskLimits.maxDelayMs);

const TARGET_URL_DESCRIPTION =
  'Absolute http(s) URL. Outside local mode an IP literal in a private, loopback, link-local or reserved range, ' +
  'or localhost, is 400 TARGET_NOT_ALLOWED (unless HOURGLASS_ALLOW_PRIVATE_TARGETS opens it)';

/**
 * An absolute http(s) URL as the WHATWG parser reads it: an IRI such as `https://bücher.example/ä` is
 * accepted and echoed as given, so the document states no RFC 3986 `format: uri`.
 */
const TARGET_URL_PATTERN = '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$';

@RefusesNull()
export class TaskRequestDto {
  @ApiProperty({
    example: 'https://example.com/hook',
    pattern: TARGET_URL_PATTERN,
    maxLength: TaskLimits.maxUrlLength,
    description: TARGET_URL_DESCRIPTION,
  })
  @IsTargetUrl()
  url!: string;

  @ApiPropertyOptional({ enum: HTTP_METHODS, default: 'POST' })
  @IsOptional()
  @IsIn(HTTP_METHODS)
  method?: HttpMethod;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: TaskLimits.maxHeaderValueBytes },
    maxProperties: TaskLimits.maxHeaders,
    description: `At most ${TaskLimits.maxHeaders} headers; names are RFC 9110 tokens of at most ${TaskLimits.maxHeaderNameLength} characters, values at most ${TaskLimits.maxHeaderValueBytes} bytes`,
  })
  @IsOptional()
  @IsHeaderMap()
  headers?: Record<string, string>;

  /**
   * Over the limit is a field error (400 VALIDATION_FAILED on `request.body`), not 413: the client can fix that field.
   */
  @ApiPropertyOptional({ maxLength: TaskLimits.maxBodyBytes, description: 'At most 256 KB (UTF-8)' })
  @IsOptional()
  @IsString()
  @MaxUtf8Bytes(TaskLimits.maxBodyBytes)
  body?: string;
}

@RefusesNull()
export class RetryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: TaskLimits.minAttempts,
    maximum: TaskLimits.maxAttempts,
    default: TaskLimits.defaultMaxAttempts,
  })
  @IsOptional()
  @IsInt()
  @Min(TaskLimits.minAttempts)
  @Max(TaskLimits.maxAttempts)
  maxAttempts?: number;

  @ApiPropertyOptional({
    default: false,
    description: 'Retry 4xx responses other than 410 (by default they fail the task at once)',
  })
  @IsOptional()
  @IsBoolean()
  retryOn4xx?: boolean;
}

@RefusesNull('expectedStatusCodes', 'expectedBodyPattern', 'notify')
export class CreateTaskDto {
  @ApiProperty({ type: TaskRequestDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => TaskRequestDto)
  request!: TaskRequestDto;

  @ApiPropertyOptional({
    example: '10m',
    pattern: DURATION_PATTERN,
    description: `Run after this long (at most ${MAX_DELAY}); exclusive with runAt`,
  })
  @IsOptional()
  @IsDuration(TaskLimits.maxDelayMs)
  delay?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: `Run at this time (RFC 3339, a real calendar instant; a past time means now, at most ${MAX_DELAY} ahead); exclusive with delay`,
  })
  @IsOptional()
  @IsInstant(TaskLimits.maxDelayMs)
  @ExclusiveWith('delay') // checked first (decorators register bottom-up): the conflict is the clearer message
  runAt?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: TaskLimits.minTimeoutMs,
    maximum: TaskLimits.maxTimeoutMs,
    default: TaskLimits.defaultTimeoutMs,
  })
  @IsOptional()
  @IsInt()
  @Min(TaskLimits.minTimeoutMs)
  @Max(TaskLimits.maxTimeoutMs)
  timeoutMs?: number;

  @ApiPropertyOptional({ type: RetryDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RetryDto)
  retry?: RetryDto;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: TaskLimits.maxLabelValueLength },
    maxProperties: TaskLimits.maxLabels,
    description: `At most ${TaskLimits.maxLabels} labels; keys of 1-${TaskLimits.maxLabelKeyLength} characters, values of at most ${TaskLimits.maxLabelValueLength}`,
  })
  @IsOptional()
  @IsStringMap(TaskLimits.maxLabels)
  labels?: Record<string, string>;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: TaskLimits.minPriority,
    maximum: TaskLimits.maxPriority,
    default: TaskLimits.defaultPriority,
  })
  @IsOptional()
  @IsInt()
  @Min(TaskLimits.minPriority)
  @Max(TaskLimits.maxPriority)
  priority?: number;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'integer', minimum: 100, maximum: 599 },
    minItems: 1,
    maxItems: TaskLimits.maxExpectedStatusCodes,
    nullable: true,
    example: [200, 202],
    description: 'Status codes that count as delivered (default: any 2xx)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(TaskLimits.maxExpectedStatusCodes)
  @IsInt({ each: true })
  @Min(100, { each: true })
  @Max(599, { each: true })
  expectedStatusCodes?: number[] | null;

  @ApiPropertyOptional({
    type: 'string',
    maxLength: TaskLimits.maxExpectedBodyPatternLength,
    nullable: true,
    example: '"ok":\\s*true',
    description: 'RE2 pattern the response body must contain',
  })
  @IsOptional()
  @IsString()
  @IsRe2Pattern(TaskLimits.maxExpectedBodyPatternLength)
  expectedBodyPattern?: string | null;

  @ApiPropertyOptional({
    example: 'https://example.com/done',
    pattern: TARGET_URL_PATTERN,
    maxLength: TaskLimits.maxUrlLength,
    description: `Receives the outcome. ${TARGET_URL_DESCRIPTION}`,
  })
  @IsOptional()
  @IsTargetUrl()
  callbackUrl?: string;

  @ApiPropertyOptional({
    example: 'https://example.com/failed',
    pattern: TARGET_URL_PATTERN,
    maxLength: TaskLimits.maxUrlLength,
    description: `Receives the outcome only when the task failed after its retries. ${TARGET_URL_DESCRIPTION}`,
  })
  @IsOptional()
  @IsTargetUrl()
  failureCallbackUrl?: string;

  @ApiPropertyOptional({
    example: 'billing-sync',
    maxLength: TaskLimits.maxQueueNameLength,
    pattern: QUEUE_NAME_PATTERN.source,
    description: 'A named queue of this organization (POST /v1/queues); unknown → 400',
  })
  @IsOptional()
  @IsString()
  @Matches(QUEUE_NAME_PATTERN, { message: 'must be the name of a queue (1-64 letters, digits, ".", "_" or "-")' })
  queue?: string;

  @NotifyProperty('task')
  notify?: NotifyOverride;
}

export interface LastAttemptResponse {
  number: number;
  status: 'succeeded' | 'failed';
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  startedAt: string;
}

export interface TaskResponse {
  id: string;
  status: TaskStatus;
  request: { url: string; method: HttpMethod; headers: Record<string, string>; body: string | null };
  runAt: string;
  timeoutMs: number;
  retry: { maxAttempts: number; backoff: 'exponential'; retryOn4xx: boolean };
  expectedStatusCodes: number[] | null;
  expectedBodyPattern: string | null;
  /** Bumped by every edit; send it back as `If-Match: "N"` to edit only the version you read. */
  version: number;
  attemptCount: number;
  labels: Record<string, string>;
  priority: number;
  queue: string | null;
  scheduleId: string | null;
  /** The schedule occurrence this task fires; null for one-off tasks and manual triggers. */
  fireAt: string | null;
  callbackUrl: string | null;
  failureCallbackUrl: string | null;
  /** 'callback': a delivery of another task's outcome to its callback URL (`parentTaskId`). */
  kind: TaskKind;
  parentTaskId: string | null;
  /** Who hears of its final failure; null: the org's default channels. */
  notify: NotifyOverride;
  createdAt: string;
  updatedAt: string;
  lastAttempt: LastAttemptResponse | null;
}

export interface AttemptResponse {
  id: string;
  number: number;
  status: 'succeeded' | 'failed';
  outcome: AttemptEntity['outcome'];
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseBody: string | null;
  responseTruncated: boolean;
  startedAt: string;
  finishedAt: string;
}

const attemptStatus = (a: AttemptEntity) => (a.outcome === 'delivered' ? 'succeeded' : 'failed');

export function toTaskResponse(task: TaskEntity, lastAttempt: AttemptEntity | null = null): TaskResponse {
  return {
    id: task.id,
    status: task.status,
    request: { url: task.url, method: task.method, headers: task.headers, body: task.body },
    runAt: task.runAt.toISOString(),
    timeoutMs: task.timeoutMs,
    retry: { maxAttempts: task.maxAttempts, backoff: 'exponential', retryOn4xx: task.retryOn4xx },
    expectedStatusCodes: task.expectedStatusCodes,
    expectedBodyPattern: task.expectedBodyPattern,
    version: task.version,
    attemptCount: task.attemptCount,
    labels: task.labels,
    priority: task.priority,
    queue: task.queue,
    scheduleId: task.scheduleId,
    fireAt: task.fireAt?.toISOString() ?? null,
    callbackUrl: task.callbackUrl,
    failureCallbackUrl: task.failureCallbackUrl,
    kind: task.kind,
    parentTaskId: task.parentTaskId,
    notify: task.notify ?? null,
    createdAt: task.createdAt.toISOString(),
    updatedAt: task.updatedAt.toISOString(),
    lastAttempt: lastAttempt && {
      number: lastAttempt.number,
      status: attemptStatus(lastAttempt),
      statusCode: lastAttempt.statusCode,
      durationMs: lastAttempt.durationMs,
      error: lastAttempt.error,
      startedAt: lastAttempt.startedAt.toISOString(),
    },
  };
}

export function toAttemptResponse(a: AttemptEntity): AttemptResponse {
  return {
    id: a.id,
    number: a.number,
    status: attemptStatus(a),
    outcome: a.outcome,
    statusCode: a.statusCode,
    durationMs: a.durationMs,
    error: a.error,
    responseBody: a.responseBody,
    responseTruncated: a.responseTruncated,
    startedAt: a.startedAt.toISOString(),
    finishedAt: a.finishedAt.toISOString(),
  };
}
