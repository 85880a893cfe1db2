import { ApiHideProperty, ApiProperty, ApiPropertyOptional, OmitType, PartialType, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsBoolean,
  IsDefined,
  IsObject,
  IsOptional,
  ValidateNested,
} from 'class-validator';
import { RefusesNull } from '@hourglass/platform';
import { CreateTaskDto, TaskRequestDto, type TaskResponse } from './tasks.dto.js';
import { ListTasksQuery } from './tasks-query.dto.js';

export const MAX_BATCH_TASKS = 1_000;

@RefusesNull()
export class CreateTaskBatchDto {
  @ApiProperty({ type: [CreateTaskDto], minItems: 1, maxItems: MAX_BATCH_TASKS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_TASKS)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => CreateTaskDto)
  tasks!: CreateTaskDto[];
}

export interface TaskBatchResponse {
  data: TaskResponse[];
}

@RefusesNull()
export class UpdateTaskRequestDto extends PartialType(TaskRequestDto) {}

/**
 * Any subset of the create body but the callback URLs and `queue`. `request` fields are merged into the task's;
 * `labels` and `request.headers` replace the whole map; `expectedStatusCodes`/`expectedBodyPattern`: null clears,
 * `notify`: null is back to the org's defaults (any other field set to null is 400: `delay: null` moved the task to
 * now).
 */
@RefusesNull('expectedStatusCodes', 'expectedBodyPattern', 'notify')
export class UpdateTaskDto extends PartialType(
  OmitType(CreateTaskDto, ['request', 'callbackUrl', 'failureCallbackUrl', 'queue'] as const),
) {
  /**
   * Refused with 400 rather than ignored: a task's queue decides its admission (an admitted task
   * holds a slot of its queue until it finishes), so it is fixed at creation. Clone the task
   * into the other queue instead.
   */
  @ApiHideProperty()
  @Equals(undefined, {
    message: 'queue cannot be changed on an existing task; create a new task in the other queue instead',
  })
  queue?: never;

  @ApiPropertyOptional({ type: UpdateTaskRequestDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => UpdateTaskRequestDto)
  request?: UpdateTaskRequestDto;
}

/** Which tasks a bulk action selects: the task list's filters, without paging. */
@RefusesNull()
export class BulkFilterDto extends PickType(ListTasksQuery, [
  'status',
  'label',
  'createdAfter',
  'createdBefore',
] as const) {}

@RefusesNull()
export class BulkActionDto {
  @ApiProperty({ type: BulkFilterDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => BulkFilterDto)
  filter!: BulkFilterDto;

  @ApiPropertyOptional({ default: false, description: 'Only count the tasks the action would touch' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export interface BulkActionResponse {
  /**
   * Tasks the filter selects that the action may move (bulk cancel: scheduled/queued/retrying; bulk replay: failed).
   */
  matched: number;
  /** Tasks actually moved by this call (0 on a dry run, and on a repeat). */
  affected: number;
}
