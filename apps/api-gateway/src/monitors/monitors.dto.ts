import { ApiProperty, ApiPropertyOptional, OmitType, PartialType, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  DURATION_PATTERN,
  formatDuration,
  MONITOR_TYPES,
  MonitorLimits,
  type MonitorType,
  ScheduleLimits,
} from '@hourglass/domain';
import type { NotifyOverride } from '@hourglass/db';
import { RefusesNull } from '@hourglass/platform';
import { CreateTaskDto, TaskRequestDto } from '../tasks/tasks.dto.js';
import { ExclusiveWith, IsDuration, IsRe2Pattern } from '../tasks/task.validators.js';
import { NotifyProperty } from '../notify-override/notify-override.js';
import { IsCron, IsTimezone, MinDuration } from '../schedules/schedule.validators.js';

@RefusesNull()
export class MonitorRequestDto extends TaskRequestDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: MonitorLimits.minTimeoutMs,
    maximum: MonitorLimits.maxTimeoutMs,
    default: MonitorLimits.defaultTimeoutMs,
  })
  @IsOptional()
  @IsInt()
  @Min(MonitorLimits.minTimeoutMs)
  @Max(MonitorLimits.maxTimeoutMs)
  timeoutMs?: number;
}

@RefusesNull()
export class ExpectDto {
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'integer', minimum: 100, maximum: 599 },
    example: [200],
    minItems: 1,
    maxItems: MonitorLimits.maxStatusCodes,
    description: 'Status codes that count as up (default: any 2xx)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MonitorLimits.maxStatusCodes)
  @IsInt({ each: true })
  @Min(100, { each: true })
  @Max(599, { each: true })
  statusCodes?: number[];

  @ApiPropertyOptional({ example: '"status":\\s*"ok"', description: 'RE2 pattern the response body must match' })
  @IsOptional()
  @IsString()
  @IsRe2Pattern()
  bodyPattern?: string;
}

const duration = (max: number, description: string) => ({
  pattern: DURATION_PATTERN,
  maxLength: 32,
  description: `${description} (at most ${formatDuration(max)})`,
});

/** Which fields apply to which type is checked by the service (a field error names the field). */
@RefusesNull('notify')
export class CreateMonitorDto extends PickType(CreateTaskDto, ['labels'] as const) {
  @ApiProperty({ enum: MONITOR_TYPES })
  @IsIn(MONITOR_TYPES)
  type!: MonitorType;

  @ApiProperty({ example: 'nightly-backup', minLength: 1, maxLength: MonitorLimits.maxNameLength })
  @IsString()
  @Length(1, MonitorLimits.maxNameLength)
  name!: string;

  @ApiPropertyOptional({
    example: '1h',
    ...duration(
      MonitorLimits.maxEveryMs,
      `Heartbeat: a ping is expected this often; http: check this often. At least ${formatDuration(MonitorLimits.minEveryMs)}`,
    ),
  })
  @IsOptional()
  @IsDuration(MonitorLimits.maxEveryMs)
  @MinDuration(MonitorLimits.minEveryMs)
  every?: string;

  @ApiPropertyOptional({
    example: '0 3 * * *',
    maxLength: ScheduleLimits.maxCronLength,
    description: 'Heartbeat only: a ping is expected at each fire time (in timezone); exclusive with every',
  })
  @IsOptional()
  @IsString()
  @IsCron()
  @ExclusiveWith('every')
  cron?: string;

  @ApiPropertyOptional({ example: 'Europe/Amsterdam', default: 'UTC', maxLength: ScheduleLimits.maxTimezoneLength })
  @IsOptional()
  @IsString()
  @IsTimezone()
  timezone?: string;

  @ApiPropertyOptional({
    example: '10m',
    ...duration(MonitorLimits.maxGraceMs, 'Heartbeat: late this long before down'),
  })
  @IsOptional()
  @IsDuration(MonitorLimits.maxGraceMs)
  grace?: string;

  @ApiPropertyOptional({
    example: '1h',
    ...duration(MonitorLimits.maxRuntimeMs, 'Heartbeat: a start without a success within this is down'),
  })
  @IsOptional()
  @IsDuration(MonitorLimits.maxRuntimeMs)
  maxRuntime?: string;

  @ApiPropertyOptional({
    example: '10s',
    ...duration(MonitorLimits.maxRuntimeMs, 'Heartbeat: a success sooner than this after its start is a failure'),
  })
  @IsOptional()
  @IsDuration(MonitorLimits.maxRuntimeMs)
  minRuntime?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MonitorLimits.maxFailAfter, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MonitorLimits.maxFailAfter)
  failAfter?: number;

  @ApiPropertyOptional({
    type: MonitorRequestDto,
    description: 'http only: what each check sends (method default GET)',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => MonitorRequestDto)
  request?: MonitorRequestDto;

  @ApiPropertyOptional({ type: ExpectDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ExpectDto)
  expect?: ExpectDto;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MonitorLimits.maxConfirmAfter,
    default: 1,
    description: 'http only: failed checks in a row before down (the first failure is re-checked at once)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MonitorLimits.maxConfirmAfter)
  confirmAfter?: number;

  @NotifyProperty('monitor')
  notify?: NotifyOverride;
}

/**
 * Every field optional (never null, but `notify`: null is back to the org's defaults); the type stays what it was;
 * `request` and `expect` are replaced whole.
 */
@RefusesNull('notify')
export class UpdateMonitorDto extends PartialType(OmitType(CreateMonitorDto, ['type'] as const)) {}
