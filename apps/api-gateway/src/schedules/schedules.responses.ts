import { ApiProperty } from '@nestjs/swagger';
import { MISSED_RUN_POLICIES, type MissedRunPolicy, OVERLAP_POLICIES, type OverlapPolicy } from '@hourglass/domain';
import type { NotifyOverride } from '@hourglass/db';
import { TaskRequestView } from '../tasks/tasks.responses.js';
import { NotifyView } from '../notify-override/notify-override.js';
import type { OccurrenceResponse, ScheduleResponse, ScheduleVersionResponse } from './schedules.dto.js';

export class ScheduleRetryView {
  @ApiProperty({ type: 'integer' })
  maxAttempts!: number;

  @ApiProperty({ enum: ['exponential'] })
  backoff!: 'exponential';
}

/** What the schedule routes answer (toScheduleResponse). */
export class Schedule implements ScheduleResponse {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: 'string', nullable: true, example: '0 9 * * 1-5' })
  cron!: string | null;

  @ApiProperty({ type: 'string', nullable: true, example: '15m' })
  interval!: string | null;

  @ApiProperty({ type: 'integer', nullable: true })
  intervalMs!: number | null;

  @ApiProperty({ example: 'Europe/Amsterdam' })
  timezone!: string;

  @ApiProperty({ type: TaskRequestView })
  request!: TaskRequestView;

  @ApiProperty({ type: 'integer' })
  timeoutMs!: number;

  @ApiProperty({ type: ScheduleRetryView })
  retry!: ScheduleRetryView;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  labels!: Record<string, string>;

  @ApiProperty({ type: 'integer' })
  priority!: number;

  @ApiProperty({ enum: MISSED_RUN_POLICIES })
  missedRuns!: MissedRunPolicy;

  @ApiProperty({ enum: OVERLAP_POLICIES })
  overlap!: OverlapPolicy;

  @ApiProperty()
  paused!: boolean;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  nextRunAt!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  lastFireAt!: string | null;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'For If-Match on PATCH' })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @NotifyView('schedule')
  notify!: NotifyOverride;
}

export class SchedulePage {
  @ApiProperty({ type: [Schedule] })
  data!: Schedule[];

  @ApiProperty({ type: 'string', nullable: true })
  nextCursor!: string | null;
}

export class ScheduleVersion implements ScheduleVersionResponse {
  @ApiProperty({ type: 'integer', minimum: 1 })
  version!: number;

  @ApiProperty({ example: 'updated', description: 'created, updated, paused or resumed' })
  change!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The schedule as it was then' })
  schedule!: Record<string, unknown>;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class ScheduleVersionPage {
  @ApiProperty({ type: [ScheduleVersion] })
  data!: ScheduleVersion[];

  @ApiProperty({ type: 'string', nullable: true })
  nextCursor!: string | null;
}

export class Occurrence implements OccurrenceResponse {
  @ApiProperty()
  id!: string;

  @ApiProperty({ format: 'date-time' })
  fireAt!: string;

  @ApiProperty({ enum: ['fired', 'skipped'] })
  outcome!: 'fired' | 'skipped';

  @ApiProperty({ type: 'string', nullable: true, description: 'Why it was skipped' })
  reason!: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  taskId!: string | null;

  @ApiProperty({ type: 'integer', nullable: true })
  latenessMs!: number | null;

  @ApiProperty({ type: 'integer', minimum: 0 })
  skippedCount!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class OccurrencePage {
  @ApiProperty({ type: [Occurrence] })
  data!: Occurrence[];

  @ApiProperty({ type: 'string', nullable: true })
  nextCursor!: string | null;
}

export class NextRuns {
  @ApiProperty({ type: 'array', items: { type: 'string', format: 'date-time' } })
  data!: string[];
}
