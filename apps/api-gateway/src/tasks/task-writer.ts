import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { PgBoss } from 'pg-boss';
import { Channel, deliveryLeaseSeconds, insertJobs, newId, type NewTask, notifyMany, Queue, type TaskEntity, TaskRepository } from '@hourglass/db';
import { TaskStatus } from '@hourglass/domain';

const MAX_BATCH = 500;
/** Concurrent batch transactions; the rest of the pool stays free for reads. */
const MAX_IN_FLIGHT = 4;

interface Waiting {
  task: NewTask;
  resolve: (row: TaskEntity) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for task creation. Each database round trip costs far more than the SQL it
 * carries, so concurrent creates are written together: one transaction per batch with one
 * multi-row INSERT, one pg-boss insert of all the jobs and one NOTIFY statement. A request
 * waits at most for the batch in flight ahead of it. Every row still commits with its own job.
 */
@Injectable()
export class TaskWriter {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(PgBoss) private readonly boss: PgBoss,
    @Inject(TaskRepository) private readonly tasks: TaskRepository,
  ) {}

  write(task: NewTask): Promise<TaskEntity> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ task, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Inserts the rows, their delivery jobs and the wake-up hints through `em`, so all of it commits
   * or rolls back together: a task without its job (or a job without its task) cannot exist.
   */
  async insertBatch(em: EntityManager, tasks: NewTask[]): Promise<TaskEntity[]> {
    const rows = await this.tasks.insertMany(tasks, em);
    const jobs = rows.map((row) => ({
      id: newId(),
      data: { taskId: row.id, orgId: row.orgId },
      priority: row.priority,
      group: { id: row.orgId },
      expireInSeconds: deliveryLeaseSeconds(row.timeoutMs),
      // A due task's job gets no startAfter: pg-boss then uses the database's now().
      ...(row.status === TaskStatus.Scheduled ? { startAfter: row.runAt } : {}),
    }));
    await insertJobs(this.boss, Queue.Deliver, jobs, em);
    await notifyMany(em, Channel.TasksReady, rows.filter((row) => row.status === TaskStatus.Queued).map((row) => row.id));
    return rows;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.waiting.length === 0) return;
    this.scheduled = true;
    // setImmediate lets the requests parsed in this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      while (this.waiting.length > 0 && this.inFlight < MAX_IN_FLIGHT) {
        const batch = this.waiting.splice(0, MAX_BATCH);
        this.inFlight++;
        void this.commit(batch).finally(() => {
          this.inFlight--;
          this.schedule();
        });
      }
    });
  }

  private async commit(batch: Waiting[]): Promise<void> {
    try {
      const rows = await this.dataSource.transaction((em) => this.insertBatch(em, batch.map((w) => w.task)));
      batch.forEach((w, i) => w.resolve(rows[i]!));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      // One bad row must not fail its neighbours: each is retried alone, in its own transaction.
      await Promise.all(batch.map((w) => this.commit([w])));
    }
  }
}
