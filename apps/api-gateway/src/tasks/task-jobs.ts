import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PgBoss } from 'pg-boss';
import {
  deliveryJobFields,
  deliveryLeaseSeconds,
  insertJobs,
  wakeDispatchers,
  OrganizationRepository,
  Queue,
  type TaskEntity,
} from '@hourglass/db';
import { jobPriority, planFor, TaskStatus } from '@hourglass/domain';
import { APP_CONFIG } from '@hourglass/platform';
import type { ApiGatewayConfig } from '../config.js';

type JobRow = Pick<TaskEntity, 'id' | 'orgId' | 'status' | 'runAt' | 'priority' | 'timeoutMs' | 'jobId'>;

/**
 * Each row's delivery job, under the id recorded in its `job_id` (so an edit can find and move it).
 * A due task's job gets no startAfter: pg-boss then uses the database's now().
 */
export function deliveryJobsFor(
  rows: JobRow[],
  tierOf: (orgId: string) => number,
  scheduleIntervals: ReadonlyMap<string, number> = new Map(),
) {
  return rows.map((row) => ({
    id: row.jobId!,
    ...deliveryJobFields(
      row.id,
      row.orgId,
      jobPriority(tierOf(row.orgId), scheduleIntervals.get(row.id) ?? null, row.priority),
    ),
    group: { id: row.orgId },
    expireInSeconds: deliveryLeaseSeconds(row.timeoutMs),
    ...(row.status === TaskStatus.Scheduled || row.status === TaskStatus.Retrying ? { startAfter: row.runAt } : {}),
  }));
}

/** Enqueues the jobs of one org's edited or replayed tasks, in the caller's transaction. */
@Injectable()
export class TaskJobs {
  constructor(
    @Inject(PgBoss) private readonly boss: PgBoss,
    @Inject(OrganizationRepository) private readonly orgs: OrganizationRepository,
    @Inject(APP_CONFIG) private readonly config: ApiGatewayConfig,
  ) {}

  /**
   * The org's current plan sets the tier. A schedule's firing frequency is not known here, so a
   * moved job of a scheduled task ranks like a one-off task's.
   */
  async enqueue(em: EntityManager, orgId: string, rows: JobRow[]): Promise<void> {
    if (rows.length === 0) return;
    const org = await this.orgs.findById(orgId, em);
    const tier = planFor(this.config.plans, org?.plan ?? 'free').tier;
    await insertJobs(
      this.boss,
      Queue.Deliver,
      deliveryJobsFor(rows, () => tier),
      em,
    );
    await wakeDispatchers(
      em,
      rows.filter((row) => row.status === TaskStatus.Queued).map((row) => row.id),
    );
  }
}
