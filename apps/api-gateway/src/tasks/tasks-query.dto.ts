import { ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { TASK_STATUSES, TaskLimits, type TaskStatus } from '@hourglass/domain';
import { QUEUE_NAME_PATTERN } from '../queues/queues.dto.js';
import { IsInstant } from './task.validators.js';

export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page', minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  cursor?: string;
}

export class ListTasksQuery extends PageQuery {
  @ApiPropertyOptional({ enum: TASK_STATUSES })
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;

  @ApiPropertyOptional({
    example: 'tenant:acme',
    pattern: `^[^:]{1,${TaskLimits.maxLabelKeyLength}}:.{0,${TaskLimits.maxLabelValueLength}}$`,
  })
  @IsOptional()
  @IsString()
  @Matches(new RegExp(`^[^:]{1,${TaskLimits.maxLabelKeyLength}}:.{0,${TaskLimits.maxLabelValueLength}}$`, 's'), {
    message: 'must be key:value',
  })
  label?: string;

  @ApiPropertyOptional({ maxLength: TaskLimits.maxQueueNameLength, pattern: QUEUE_NAME_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(QUEUE_NAME_PATTERN, { message: 'must be a queue name (1-64 letters, digits, ".", "_" or "-")' })
  queue?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'RFC 3339, a real calendar instant' })
  @IsOptional()
  @IsInstant()
  createdAfter?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'RFC 3339, a real calendar instant' })
  @IsOptional()
  @IsInstant()
  createdBefore?: string;
}

export const DEFAULT_PAGE_SIZE = 20;

/** The dead-letter view's filters: those of the task list, minus status (always failed) and queue. */
export class DeadLettersQuery extends IntersectionType(
  PageQuery,
  PickType(ListTasksQuery, ['label', 'createdAfter', 'createdBefore'] as const),
) {}
