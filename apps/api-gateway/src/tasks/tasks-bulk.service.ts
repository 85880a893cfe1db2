import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type BulkFilter, TaskActionRepository } from '@hourglass/db';
import { TaskTransition, type TaskStatus } from '@hourglass/domain';
import type { BulkActionDto, BulkActionResponse, BulkFilterDto } from './tasks-edit.dto.js';
import { parseLabel } from './tasks.service.js';
import { TaskJobs } from './task-jobs.js';

/** Rows per transaction: a huge filter never holds one giant transaction (or its locks). */
export const BULK_BATCH_SIZE = 1_000;

type Batch = (em: EntityManager, filter: BulkFilter, before: string | null) => Promise<string[]>;

/**
 * Bulk cancel and replay by filter. Each batch is its own guarded UPDATE (status still eligible),
 * so repeating a request, or two running at once, moves every task at most once.
 */
@Injectable()
export class TasksBulkService {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(TaskActionRepository) private readonly actions: TaskActionRepository,
    @Inject(TaskJobs) private readonly jobs: TaskJobs,
  ) {}

  cancel(orgId: string, dto: BulkActionDto): Promise<BulkActionResponse> {
    return this.run(orgId, dto, TaskTransition.bulkCancel.from, (em, filter, before) =>
      this.actions.cancelBatch(em, orgId, filter, before, BULK_BATCH_SIZE),
    );
  }

  replay(orgId: string, dto: BulkActionDto): Promise<BulkActionResponse> {
    return this.run(orgId, dto, TaskTransition.replay.from, async (em, filter, before) => {
      const rows = await this.actions.replayBatch(em, orgId, filter, before, BULK_BATCH_SIZE);
      await this.jobs.enqueue(em, orgId, rows);
      return rows.map((row) => row.id);
    });
  }

  private async run(
    orgId: string,
    dto: BulkActionDto,
    eligible: readonly TaskStatus[],
    batch: Batch,
  ): Promise<BulkActionResponse> {
    const filter = toBulkFilter(dto.filter, eligible);
    const matched = filter.statuses.length === 0 ? 0 : await this.actions.countMatching(orgId, filter);
    if (dto.dryRun || matched === 0) return { matched, affected: 0 };
    let affected = 0;
    let before: string | null = null;
    for (;;) {
      const cursor: string | null = before;
      const ids: string[] = await this.db.transaction((em) => batch(em, filter, cursor));
      affected += ids.length;
      if (ids.length < BULK_BATCH_SIZE) return { matched, affected };
      // Newest first by id (UUIDv7 strings sort like the uuids): the next batch starts below the oldest one done.
      before = ids.reduce((min, id) => (id < min ? id : min));
    }
  }
}

function toBulkFilter(dto: BulkFilterDto, eligible: readonly TaskStatus[]): BulkFilter {
  return {
    statuses: dto.status ? eligible.filter((status) => status === dto.status) : eligible,
    label: parseLabel(dto.label),
    createdAfter: dto.createdAfter ? new Date(dto.createdAfter) : undefined,
    createdBefore: dto.createdBefore ? new Date(dto.createdBefore) : undefined,
  };
}
