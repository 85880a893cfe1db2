import { ApiProperty, ApiPropertyOptional, PartialType, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsOptional, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import {
  AppError,
  formatDuration,
  DURATION_PATTERN,
  ErrorCode,
  type HttpMethod,
  MISSED_RUN_POLICIES,
  type MissedRunPolicy,
  OVERLAP_POLICIES,
  type OverlapPolicy,
  ScheduleLimits,
} from '@hourglass/domain';
import type { NotifyOverride, ScheduleEntity, ScheduleOccurrenceEntity, ScheduleVersionEntity } from '@hourglass/db';
import { RefusesNull } from '@hourglass/platform';
import { CreateTaskDto } from '../tasks/tasks.dto.js';
import { ExclusiveWith, IsDuration } from '../tasks/task.validators.js';
import { IsCron, IsTimezone, MinDuration, MIN_INTERVAL_MS } from './schedule.validators.js';

const MAX_INTERVAL = formatDuration(ScheduleLimits.maxIntervalMs);

/** The task template (request, timeoutMs, retry, labels, priority) is validated exactly as a task's. */
@RefusesNull('notify')
export class CreateScheduleDto extends PickType(CreateTaskDto, [
  'request',
  'timeoutMs',
  'retry',
  'labels',
  'priority',
  'notify',
] as const) {
  @ApiProperty({
    example: 'nightly-report',
    minLength: 1,
    maxLength: ScheduleLimits.maxNameLength,
    description: 'Unique in the organization',
  })
  @IsString()
  @Length(1, ScheduleLimits.maxNameLength)
  name!: string;

  @ApiPropertyOptional({
    example: '0 9 * * 1-5',
    maxLength: ScheduleLimits.maxCronLength,
    description: '5 fields, 6 with seconds first, or @hourly-style; exclusive with interval',
  })
  @ValidateIf((o: CreateScheduleDto) => o.cron !== undefined || o.interval === undefined)
  @IsDefined({ message: 'either cron or interval is required' })
  @IsString()
  @IsCron()
  cron?: string;

  @ApiPropertyOptional({
    example: '15m',
    pattern: DURATION_PATTERN,
    description: `Fire every this long from creation (1s to ${MAX_INTERVAL}); exclusive with cron`,
  })
  @IsOptional()
  @ExclusiveWith('cron')
  @IsDuration(ScheduleLimits.maxIntervalMs)
  @MinDuration(MIN_INTERVAL_MS)
  interval?: string;

  @ApiPropertyOptional({
    example: 'Europe/Amsterdam',
    default: 'UTC',
    maxLength: ScheduleLimits.maxTimezoneLength,
    description: 'An IANA timezone',
  })
  @IsOptional()
  @IsString()
  @IsTimezone()
  timezone?: string;

  @ApiPropertyOptional({ enum: MISSED_RUN_POLICIES, default: 'skip' })
  @IsOptional()
  @IsIn(MISSED_RUN_POLICIES)
  missedRuns?: MissedRunPolicy;

  @ApiPropertyOptional({ enum: OVERLAP_POLICIES, default: 'allow' })
  @IsOptional()
  @IsIn(OVERLAP_POLICIES)
  overlap?: OverlapPolicy;
}

/**
 * Every field optional (never null, but `notify`: null is back to the org's defaults); `request` is replaced as a
 * whole; giving cron drops interval and vice versa.
 */
@RefusesNull('notify')
export class UpdateScheduleDto extends PartialType(CreateScheduleDto) {}

/** How many fire times `/next` previews: at most 100, and none more than ten years ahead. */
export class NextQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: ScheduleLimits.maxPreviewCount,
    default: 10,
    description: 'Fire times to return; fewer when the schedule fires less often than that in the next ten years',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(ScheduleLimits.maxPreviewCount)
  count?: number;
}

export interface ScheduleResponse {
  id: string;
  name: string;
  cron: string | null;
  interval: string | null;
  intervalMs: number | null;
  timezone: string;
  request: { url: string; method: HttpMethod; headers: Record<string, string>; body: string | null };
  timeoutMs: number;
  retry: { maxAttempts: number; backoff: 'exponential' };
  labels: Record<string, string>;
  priority: number;
  missedRuns: MissedRunPolicy;
  overlap: OverlapPolicy;
  paused: boolean;
  nextRunAt: string | null;
  lastFireAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  notify: NotifyOverride;
}

export interface ScheduleVersionResponse {
  version: number;
  change: string;
  schedule: Record<string, unknown>;
  createdAt: string;
}

export interface OccurrenceResponse {
  id: string;
  fireAt: string;
  outcome: 'fired' | 'skipped';
  reason: string | null;
  taskId: string | null;
  latenessMs: number | null;
  skippedCount: number;
  createdAt: string;
}

export function toScheduleResponse(s: ScheduleEntity): ScheduleResponse {
  return {
    id: s.id,
    name: s.name,
    cron: s.cron,
    interval: s.intervalMs === null ? null : formatDuration(s.intervalMs),
    intervalMs: s.intervalMs,
    timezone: s.timezone,
    request: { url: s.url, method: s.method, headers: s.headers, body: s.body },
    timeoutMs: s.timeoutMs,
    retry: { maxAttempts: s.maxAttempts, backoff: 'exponential' },
    labels: s.labels,
    priority: s.priority,
    missedRuns: s.missedRuns,
    overlap: s.overlap,
    paused: !s.enabled,
    nextRunAt: s.nextRunAt?.toISOString() ?? null,
    lastFireAt: s.lastFireAt?.toISOString() ?? null,
    version: s.version,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    notify: s.notify ?? null,
  };
}

export function toScheduleVersionResponse(v: ScheduleVersionEntity): ScheduleVersionResponse {
  return { version: v.version, change: v.change, schedule: v.snapshot, createdAt: v.createdAt.toISOString() };
}

export function toOccurrenceResponse(o: ScheduleOccurrenceEntity): OccurrenceResponse {
  return {
    id: o.id,
    fireAt: o.fireAt.toISOString(),
    outcome: o.outcome,
    reason: o.reason,
    taskId: o.taskId,
    latenessMs: o.latenessMs,
    skippedCount: o.skippedCount,
    createdAt: o.createdAt.toISOString(),
  };
}

/** `If-Match: "3"` (or W/"3", or 3) → 3; `*` or no header → undefined (no precondition). */
export function versionFromIfMatch(header: string | undefined): number | undefined {
  const value = header?.trim();
  if (!value || value === '*') return undefined;
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(value);
  if (!match)
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'If-Match is not valid', [
      { field: 'If-Match', message: 'must be a schedule version, like "3"' },
    ]);
  return Number(match[1]);
}
