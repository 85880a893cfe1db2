import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { PgBoss } from 'pg-boss';
import {
  Channel, countPerOrg, insertJobs, newId, OrganizationRepository, type NewTask, notifyMany, type OrgUsage, Queue, type TaskEntity, TaskRepository, UsageRepository,
} from '@hourglass/db';
import { AppError, ErrorCode, planFor, TaskStatus } from '@hourglass/domain';
import { APP_CONFIG } from '@hourglass/platform';
import type { ApiGatewayConfig } from '../config.js';
import { deliveryJobsFor } from './task-jobs.js';

const MAX_BATCH = 500;
const PLAN_CACHE_MS = 10_000;
/**
 * Concurrent batch transactions. Batches of one org serialize on its usage row at commit, so more
 * in flight only makes them smaller: 2 measured best (docs/benchmarks.md, phase b).
 */
const MAX_IN_FLIGHT = 2;

interface Waiting {
  task: NewTask;
  scheduleIntervalMs: number | null;
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
  private readonly planCache = new Map<string, { plan: string; expires: number }>();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(PgBoss) private readonly boss: PgBoss,
    @Inject(TaskRepository) private readonly tasks: TaskRepository,
    @Inject(UsageRepository) private readonly usage: UsageRepository,
    @Inject(OrganizationRepository) private readonly orgs: OrganizationRepository,
    @Inject(APP_CONFIG) private readonly config: ApiGatewayConfig,
  ) {}

  /** `scheduleIntervalMs`: the creating schedule's shortest interval (dispatch priority), null for a one-off task. */
  write(task: NewTask, scheduleIntervalMs: number | null = null): Promise<TaskEntity> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ task, scheduleIntervalMs, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Inserts the rows, their delivery jobs and the wake-up hints through `em`, so all of it commits
   * or rolls back together: a task without its job (or a job without its task) cannot exist.
   * The monthly counters are bumped in the same transaction: over quota throws, and nothing of the
   * batch stays. The job priority follows each org's current plan (plan tier).
   */
  async insertBatch(em: EntityManager, tasks: NewTask[], scheduleIntervals: ReadonlyMap<string, number> = new Map()): Promise<TaskEntity[]> {
    const counts = countPerOrg(tasks.map((task) => task.orgId));
    const plans = await this.plansOf([...counts.keys()], em);
    const rows = await this.tasks.insertMany(tasks.map((task) => ({ ...task, jobId: newId() })), em);
    const tierOf = (orgId: string) => planFor(this.config.plans, plans.get(orgId) ?? 'free').tier;
    // A task in a named queue gets its job when a dispatcher admits it (docs/decisions/0006).
    await insertJobs(this.boss, Queue.Deliver, deliveryJobsFor(rows.filter((row) => row.queue === null), tierOf, scheduleIntervals), em);
    await notifyMany(em, Channel.TasksReady, rows.filter((row) => row.status === TaskStatus.Queued).map((row) => row.id));
    // Counted last: the org's counter row stays locked only until this commit, so concurrent
    // batches of one org overlap instead of queueing behind each other for their whole length.
    this.assertWithinQuota(await this.usage.addTasks(counts, em));
    return rows;
  }

  /**
   * Org plans for the job priority, cached 10 s: a plan change reorders new jobs within seconds,
   * and a busy org's batches skip a query (the quota itself is always checked against the row).
   */
  private async plansOf(orgIds: string[], em: EntityManager): Promise<Map<string, string>> {
    const now = Date.now();
    const missing = orgIds.filter((id) => (this.planCache.get(id)?.expires ?? 0) <= now);
    if (missing.length > 0) {
      if (this.planCache.size > 10_000) this.planCache.clear();
      for (const [id, plan] of await this.orgs.plansOf(missing, em)) this.planCache.set(id, { plan, expires: now + PLAN_CACHE_MS });
    }
    return new Map(orgIds.map((id) => [id, this.planCache.get(id)?.plan ?? 'free']));
  }

  private assertWithinQuota(usage: Map<string, OrgUsage>): void {
    for (const { tasksThisMonth, plan } of usage.values()) {
      const limit = planFor(this.config.plans, plan).tasksPerMonth;
      if (tasksThisMonth > limit) {
        throw new AppError(ErrorCode.QUOTA_EXCEEDED, `The "${plan}" plan allows ${limit} tasks a month, and this month's are used up`);
      }
    }
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
      const intervals = new Map(batch.flatMap((w) => (w.scheduleIntervalMs === null ? [] : [[w.task.id, w.scheduleIntervalMs] as const])));
      const rows = await this.dataSource.transaction((em) => this.insertBatch(em, batch.map((w) => w.task), intervals));
      batch.forEach((w, i) => w.resolve(rows[i]!));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      // One bad row must not fail its neighbours: each is retried alone, in its own transaction.
      await Promise.all(batch.map((w) => this.commit([w])));
    }
  }
}

