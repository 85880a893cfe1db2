import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { PgBoss } from 'pg-boss';
import {
  JobPriority,
  OrganizationRepository,
  type NewTask,
  type TaskEntity,
  tasksPerMonthOf,
  type TasksPerMonth,
  writeTasks,
  type WriteTasksOptions,
  GroupCommit,
} from '@hourglass/db';
import { type Actor, planFor } from '@hourglass/domain';
import { APP_CONFIG } from '@hourglass/platform';
import type { ApiGatewayConfig } from '../config.js';
import { taskCreated } from '../audit/audit-entries.js';

const MAX_BATCH = 500;
const PLAN_CACHE_MS = 10_000;
/**
 * Concurrent batch statements. Batches of one org serialize on its usage row, so more in flight
 * only makes them smaller: 2 measured best (docs/benchmarks.md, phase b).
 */
const MAX_IN_FLIGHT = 2;

interface Create {
  task: NewTask;
  scheduleIntervalMs: number | null;
  actor: Actor;
}

/**
 * Group commit for task creation. Each database round trip costs far more than the SQL it
 * carries, so concurrent creates are written together: each batch is ONE call of the libs/db task
 * writer (`writeTasks`: one statement with the multi-row INSERT, pg-boss's insert of all the jobs,
 * the quota count and the NOTIFY; docs/decisions/0009, 0012). A request waits at most for the
 * batch in flight ahead of it. Every row still commits with its own job.
 */
@Injectable()
export class TaskWriter {
  private readonly creates = new GroupCommit<Create, TaskEntity>({
    maxBatch: MAX_BATCH,
    maxInFlight: MAX_IN_FLIGHT,
    retry: 'parallel',
    flush: (batch) => this.flush(batch),
  });
  private readonly planCache = new Map<string, { plan: string; expires: number }>();
  private readonly tasksPerMonth: TasksPerMonth;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(PgBoss) private readonly boss: PgBoss,
    @Inject(OrganizationRepository) private readonly orgs: OrganizationRepository,
    @Inject(APP_CONFIG) private readonly config: ApiGatewayConfig,
  ) {
    this.tasksPerMonth = tasksPerMonthOf(config.plans);
  }

  /**
   * `actor`: who creates it (its `task.created` audit entry is written by the same statement).
   * `scheduleIntervalMs`: the creating schedule's shortest interval (dispatch priority), null for a one-off task.
   */
  write(task: NewTask, actor: Actor, scheduleIntervalMs: number | null = null): Promise<TaskEntity> {
    return this.creates.add({ task, scheduleIntervalMs, actor });
  }

  /**
   * Writes the rows, their delivery jobs, the monthly counts and the wake-up hint in one statement
   * through `em` (libs/db `writeTasks`): a task without its job (or a job without its task) cannot
   * exist, and an org over its quota throws with nothing of the batch kept. The job priority
   * follows each org's current plan (plan tier). `actors[i]` created `tasks[i]` (its audit entry).
   * `alsoWrite`: more rows the same statement writes (the ingest's events and their forward links).
   */
  async insertBatch(
    em: EntityManager,
    tasks: NewTask[],
    actors: readonly Actor[],
    scheduleIntervals: ReadonlyMap<string, number> = new Map(),
    alsoWrite?: WriteTasksOptions['alsoWrite'],
  ): Promise<TaskEntity[]> {
    const plans = await this.plansOf([...new Set(tasks.map((task) => task.orgId))], em);
    const tierOf = (orgId: string) => planFor(this.config.plans, plans.get(orgId) ?? 'free').tier;
    return writeTasks(
      em,
      this.boss,
      tasks.map((task) => ({
        task,
        jobPriority: JobPriority.of(tierOf(task.orgId), scheduleIntervals.get(task.id) ?? null, task.priority),
      })),
      {
        quota: { enforce: this.tasksPerMonth },
        audit: tasks.map((task, i) => taskCreated(task, actors[i]!)),
        alsoWrite,
      },
    );
  }

  /** The org's tier, through the same 10 s plan cache as creates (edits, run-now and replays rank their jobs by it). */
  async tierOf(orgId: string, em: EntityManager): Promise<number> {
    return planFor(this.config.plans, (await this.plansOf([orgId], em)).get(orgId) ?? 'free').tier;
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
      for (const [id, plan] of await this.orgs.plansOf(missing, em))
        this.planCache.set(id, { plan, expires: now + PLAN_CACHE_MS });
    }
    return new Map(orgIds.map((id) => [id, this.planCache.get(id)?.plan ?? 'free']));
  }

  private flush(batch: Create[]): Promise<TaskEntity[]> {
    const intervals = new Map(
      batch.flatMap((c) => (c.scheduleIntervalMs === null ? [] : [[c.task.id, c.scheduleIntervalMs] as const])),
    );
    // One statement, so no transaction around it: autocommit is its own, one round trip less each way.
    return this.insertBatch(
      this.dataSource.manager,
      batch.map((c) => c.task),
      batch.map((c) => c.actor),
      intervals,
    );
  }
}
