import { ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsRFC3339, IsString, Length, Matches, Max, Min } from 'class-validator';
import { TASK_STATUSES, type TaskStatus } from '@hourglass/domain';

export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
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

  @ApiPropertyOptional({ example: 'tenant:acme' })
  @IsOptional()
  @Matches(/^[^:]{1,100}:.{0,1000}$/s, { message: 'must be key:value' })
  label?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  queue?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsRFC3339()
  createdAfter?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsRFC3339()
  createdBefore?: string;
}

export const DEFAULT_PAGE_SIZE = 20;

/** The dead-letter view's filters: those of the task list, minus status (always failed) and queue. */
export class DeadLettersQuery extends IntersectionType(
  PageQuery,
  PickType(ListTasksQuery, ['label', 'createdAfter', 'createdBefore'] as const),
) {}
