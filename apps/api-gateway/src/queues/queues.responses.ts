import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { QueueResponse } from './queues.dto.js';

export class RateLimitView {
  @ApiProperty({ type: 'integer', minimum: 1 })
  count!: number;

  @ApiProperty({ enum: ['second', 'minute'] })
  per!: 'second' | 'minute';
}

export class QueueStatsView {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Waiting for admission, or admitted and not started' })
  queued!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  running!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  retrying!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  succeededLastHour!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  failedLastHour!: number;
}

/** What the queue routes answer (toQueueResponse); `stats` only on GET /v1/queues/{name}. */
export class Queue implements QueueResponse {
  @ApiProperty()
  name!: string;

  @ApiProperty({ type: 'integer', minimum: 1 })
  parallelism!: number;

  @ApiProperty({ type: RateLimitView, nullable: true })
  rateLimit!: RateLimitView | null;

  @ApiProperty()
  paused!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiPropertyOptional({ type: QueueStatsView })
  stats?: QueueStatsView;
}

export class QueueList {
  @ApiProperty({ type: [Queue] })
  data!: Queue[];
}
