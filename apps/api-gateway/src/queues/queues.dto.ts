import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, Matches, Max, Min, ValidateNested } from 'class-validator';
import type { QueueRow, QueueStats } from '@hourglass/db';
import { RefusesNull } from '@hourglass/platform';

export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const RATE_PERIODS = { second: 1_000, minute: 60_000 } as const;
export type RatePeriod = keyof typeof RATE_PERIODS;

@RefusesNull()
export class RateLimitDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 1_000, example: 5 })
  @IsInt()
  @Min(1)
  @Max(1_000)
  count!: number;

  @ApiProperty({ enum: Object.keys(RATE_PERIODS), example: 'second' })
  @IsIn(Object.keys(RATE_PERIODS))
  per!: RatePeriod;
}

/** A queue's changes: `rateLimit: null` removes the limit; any other field set to null is 400. */
@RefusesNull('rateLimit')
export class UpdateQueueDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 1_000,
    description: 'Most tasks of the queue started and not yet finished (1 = strict FIFO)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000)
  parallelism?: number;

  @ApiPropertyOptional({
    type: RateLimitDto,
    nullable: true,
    description: 'Most task starts per second or minute; null removes the limit',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RateLimitDto)
  rateLimit?: RateLimitDto | null;
}

@RefusesNull('rateLimit')
export class CreateQueueDto extends UpdateQueueDto {
  @ApiProperty({ example: 'billing-sync', maxLength: 64, pattern: QUEUE_NAME_PATTERN.source })
  @Matches(QUEUE_NAME_PATTERN, {
    message: 'name must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  })
  name!: string;
}

export interface QueueResponse {
  name: string;
  parallelism: number;
  rateLimit: { count: number; per: RatePeriod } | null;
  paused: boolean;
  createdAt: string;
  updatedAt: string;
  stats?: QueueStats;
}

export function toQueueResponse(row: QueueRow, stats?: QueueStats): QueueResponse {
  const per = row.ratePerMs === RATE_PERIODS.minute ? 'minute' : 'second';
  return {
    name: row.name,
    parallelism: row.parallelism,
    rateLimit: row.rateCount === null ? null : { count: row.rateCount, per },
    paused: row.paused,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...(stats ? { stats } : {}),
  };
}
