import { ApiProperty } from '@nestjs/swagger';
import { HTTP_METHODS, type HttpMethod, TASK_STATUSES, type TaskStatus } from '@hourglass/domain';
import type { AttemptResponse, LastAttemptResponse, TaskResponse } from './tasks.dto.js';
import type { BulkActionResponse, TaskBatchResponse } from './tasks-edit.dto.js';

/** What GET /v1/tasks/{id} and friends answer (toTaskResponse); a class so the document can describe it. */
export class TaskRequestView {
  // As given: any http(s) URL the WHATWG parser takes, which is more than RFC 3986's `format: uri` allows.
  @ApiProperty({ example: 'https://example.com/hook' })
  url!: string;

  @ApiProperty({ enum: HTTP_METHODS })
  method!: HttpMethod;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'Credential values (authorization, cookie, *-token, *-key, …) read "***" for keys without the admin scope',
  })
  headers!: Record<string, string>;

  @ApiProperty({ type: 'string', nullable: true })
  body!: string | null;
}

export class TaskRetryView {
  @ApiProperty({ type: 'integer' })
  maxAttempts!: number;

  @ApiProperty({ enum: ['exponential'] })
  backoff!: 'exponential';

  @ApiProperty()
  retryOn4xx!: boolean;
}

export class LastAttemptView implements LastAttemptResponse {
  @ApiProperty({ type: 'integer', minimum: 1 })
  number!: number;

  @ApiProperty({ enum: ['succeeded', 'failed'] })
  status!: 'succeeded' | 'failed';

  @ApiProperty({ type: 'integer', nullable: true, description: 'null when no status line arrived' })
  statusCode!: number | null;

  @ApiProperty({ type: 'integer', minimum: 0 })
  durationMs!: number;

  @ApiProperty({ type: 'string', nullable: true, example: 'timeout: no complete response within 30000 ms' })
  error!: string | null;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;
}

export class Task implements TaskResponse {
  @ApiProperty()
  id!: string;

  @ApiProperty({ enum: TASK_STATUSES })
  status!: TaskStatus;

  @ApiProperty({ type: TaskRequestView })
  request!: TaskRequestView;

  @ApiProperty({ format: 'date-time' })
  runAt!: string;

  @ApiProperty({ type: 'integer' })
  timeoutMs!: number;

  @ApiProperty({ type: TaskRetryView })
  retry!: TaskRetryView;

  @ApiProperty({ type: 'array', items: { type: 'integer' }, nullable: true })
  expectedStatusCodes!: number[] | null;

  @ApiProperty({ type: 'string', nullable: true })
  expectedBodyPattern!: string | null;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'For If-Match on PATCH' })
  version!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  attemptCount!: number;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  labels!: Record<string, string>;

  @ApiProperty({ type: 'integer' })
  priority!: number;

  @ApiProperty({ type: 'string', nullable: true })
  queue!: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  scheduleId!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: "The schedule's occurrence" })
  fireAt!: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  callbackUrl!: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  failureCallbackUrl!: string | null;

  @ApiProperty({ enum: ['task', 'callback', 'notification'] })
  kind!: 'task' | 'callback' | 'notification';

  @ApiProperty({ type: 'string', nullable: true, description: 'The task a callback reports on' })
  parentTaskId!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ type: LastAttemptView, nullable: true })
  lastAttempt!: LastAttemptView | null;
}

export class TaskPage {
  @ApiProperty({ type: [Task] })
  data!: Task[];

  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null at the end' })
  nextCursor!: string | null;
}

export class TaskBatch implements TaskBatchResponse {
  @ApiProperty({ type: [Task], description: 'In the order of the request' })
  data!: Task[];
}

export class Attempt implements AttemptResponse {
  @ApiProperty()
  id!: string;

  @ApiProperty({ type: 'integer', minimum: 1 })
  number!: number;

  @ApiProperty({ enum: ['succeeded', 'failed'] })
  status!: 'succeeded' | 'failed';

  @ApiProperty({ enum: ['delivered', 'retryable', 'permanent'] })
  outcome!: 'delivered' | 'retryable' | 'permanent';

  @ApiProperty({ type: 'integer', nullable: true })
  statusCode!: number | null;

  @ApiProperty({ type: 'integer', minimum: 0 })
  durationMs!: number;

  @ApiProperty({ type: 'string', nullable: true })
  error!: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  responseBody!: string | null;

  @ApiProperty()
  responseTruncated!: boolean;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;

  @ApiProperty({ format: 'date-time' })
  finishedAt!: string;
}

export class AttemptPage {
  @ApiProperty({ type: [Attempt] })
  data!: Attempt[];

  @ApiProperty({ type: 'string', nullable: true })
  nextCursor!: string | null;
}

export class BulkActionResult implements BulkActionResponse {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Tasks the filter matched' })
  matched!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Tasks changed (0 on dryRun)' })
  affected!: number;
}
