import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditTrail, type BulkFilter, TaskActionRepository } from '@hourglass/db';
import { type Actor, TaskStatus, TaskTransition } from '@hourglass/domain';
import { entry } from '../audit/audit-entries.js';
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
    @Inject(AuditTrail) private readonly audit: AuditTrail,
  ) {}

  /** Audited per task; the status each had before is not read back (any of the eligible ones). */
  cancel(orgId: string, actor: Actor, dto: BulkActionDto): Promise<BulkActionResponse> {
    const audited = { actor, action: 'task.cancelled', before: null, after: { status: TaskTransition.bulkCancel.to } };
    return this.run(orgId, dto, audited, TaskTransition.bulkCancel.from, (em, filter, before) =>
      this.actions.cancelBatch(em, orgId, filter, before, BULK_BATCH_SIZE),
    );
  }

  replay(orgId: string, actor: Actor, dto: BulkActionDto): Promise<BulkActionResponse> {
    const audited = {
      actor,
      action: 'task.replayed',
      before: { status: TaskStatus.Failed },
      after: { status: TaskTransition.replay.to },
    };
    return this.run(orgId, dto, audited, TaskTransition.replay.from, async (em, filter, before) => {
      const rows = await this.actions.replayBatch(em, orgId, filter, before, BULK_BATCH_SIZE);
      await this.jobs.enqueue(em, orgId, rows);
      return rows.map((row) => row.id);
    });
  }

  private async run(
    orgId: string,
    dto: BulkActionDto,
    audited: { actor: Actor; action: string; before: object | null; after: object },
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
      const ids: string[] = await this.db.transaction(async (em) => {
        const done = await batch(em, filter, cursor);
        await this.audit.record(
          em,
          done.map((id) => entry(audited.actor, orgId, audited.action, id, audited.before, audited.after)),
        );
        return done;
      });
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
