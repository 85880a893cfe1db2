import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PgBoss } from 'pg-boss';
import { enqueueTasks, JobPriority, type TaskEntity, withdrawUnfetchedJob } from '@hourglass/db';
import { AppError, ErrorCode } from '@hourglass/domain';
import { TaskWriter } from './task-writer.js';

/** Replaces the delivery jobs of one org's edited, run-now or replayed tasks, in the caller's transaction. */
@Injectable()
export class TaskJobs {
  constructor(
    @Inject(PgBoss) private readonly boss: PgBoss,
    @Inject(TaskWriter) private readonly writer: TaskWriter,
  ) {}

  /**
   * Withdraws the task's job unless a dispatcher has already fetched it (409 then: it is being
   * started and can no longer be changed). Call with the row locked, before changing it.
   */
  async withdraw(
    em: EntityManager,
    task: Pick<TaskEntity, 'id' | 'jobId' | 'queue' | 'queueAdmittedAt'>,
  ): Promise<void> {
    // A named-queue task waiting for admission has no job (and admission waits for this row lock).
    if (task.queue !== null && task.queueAdmittedAt === null) return;
    if ((await withdrawUnfetchedJob(em, task)) === 'active') {
      throw new AppError(
        ErrorCode.CONFLICT,
        `Task ${task.id} is being started by a dispatcher; it can no longer be changed`,
      );
    }
  }

  /**
   * New jobs for `rows` through the task writer (a named-queue task not admitted yet waits for
   * admission instead). The org's current plan sets the tier; a schedule's firing frequency is not
   * known here, so a moved job of a scheduled task ranks like a one-off task's.
   */
  async enqueue(em: EntityManager, orgId: string, rows: TaskEntity[]): Promise<void> {
    if (rows.length === 0) return;
    const tier = await this.writer.tierOf(orgId, em);
    await enqueueTasks(
      em,
      this.boss,
      rows.map((task) => ({ task, jobPriority: JobPriority.of(tier, null, task.priority) })),
    );
  }
}
