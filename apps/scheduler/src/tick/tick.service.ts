import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { PgBoss } from 'pg-boss';
import {
  Channel,
  countPerOrg,
  insertJobs,
  notify,
  Queue,
  ScheduleTickRepository,
  UsageRepository,
} from '@hourglass/db';
import { APP_CONFIG, Metrics } from '@hourglass/platform';
import type { SchedulerConfig } from '../config.js';
import { planFor } from '@hourglass/domain';
import { FireTimes } from './due-occurrences.js';
import { applyQuota, planSchedule, type SchedulePlan } from './occurrence-plan.js';
import { advanceOf, deliveryJob, occurrenceRows, plannedTasks, type PlannedTask } from './tick-rows.js';
import { tickMetrics, type TickMetrics } from './tick-metrics.js';

export interface TickResult {
  schedules: number;
  fired: number;
  skipped: number;
  /** Fire times still ahead of tasks this tick prepared: dispatchers are woken at each. */
  prepared: Date[];
}

type Logged = Awaited<ReturnType<ScheduleTickRepository['insertOccurrences']>>;

/**
 * Fires due schedules. Each batch is one transaction: claim (row locks), plan, quota, tasks
 * (deduplicated by (schedule_id, fire_at)), their jobs, the occurrence log, next_run_at, and a
 * NOTIFY for the dispatchers. A crash anywhere leaves nothing half-done; a concurrent tick on
 * another replica can neither claim the same rows nor create a second task for an occurrence.
 */
@Injectable()
export class TickService {
  private readonly metrics: TickMetrics;

  constructor(
    @Inject(APP_CONFIG) private readonly config: SchedulerConfig,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(PgBoss) private readonly boss: PgBoss,
    @Inject(ScheduleTickRepository) private readonly schedules: ScheduleTickRepository,
    @Inject(UsageRepository) private readonly usage: UsageRepository,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.metrics = tickMetrics(metrics);
  }

  get dueGauge(): TickMetrics['due'] {
    return this.metrics.due;
  }

  /** Everything due now, batch after batch, until batches come back short or `proceed` says stop. Callable from tests. */
  async runOnce(proceed: () => boolean = () => true): Promise<TickResult> {
    const total: TickResult = { schedules: 0, fired: 0, skipped: 0, prepared: [] };
    // Concurrent batch transactions (SKIP LOCKED keeps their claims disjoint): a thousand schedules
    // due in one second are written by several backends at once instead of one after the other.
    await Promise.all(Array.from({ length: this.config.tick.parallel }, () => this.drain(total, proceed)));
    return total;
  }

  private async drain(total: TickResult, proceed: () => boolean): Promise<void> {
    for (;;) {
      const { schedules, logged, prepared } = await this.db.transaction((em) => this.runBatch(em));
      total.schedules += schedules;
      total.prepared.push(...prepared);
      for (const row of logged) {
        const skipped = row.outcome === 'skipped';
        if (skipped) total.skipped += row.skippedCount;
        else total.fired++;
        this.metrics.occurrences.inc({ outcome: row.outcome, reason: row.reason ?? 'none' }, row.skippedCount);
        if (row.latenessMs !== null) this.metrics.lateness.observe(Math.max(0, row.latenessMs) / 1_000);
      }
      if (schedules < this.config.tick.batchSize || !proceed()) return;
    }
  }

  private async runBatch(em: EntityManager): Promise<{ schedules: number; logged: Logged; prepared: Date[] }> {
    const { batchSize, graceMs, lookaheadMs } = this.config.tick;
    const claimed = await this.schedules.claimDue(em, batchSize, lookaheadMs);
    if (claimed.length === 0) return { schedules: 0, logged: [], prepared: [] };
    const times = new FireTimes();
    const plans = claimed.map((schedule) => planSchedule(schedule, graceMs, times, lookaheadMs));
    const reserved = await this.reserveQuota(em, plans);
    const planned = plannedTasks(plans);
    const insertedIds = new Set((await this.schedules.insertTasks(em, planned)).map((task) => task.id));
    const created = planned.filter((task) => insertedIds.has(task.id));
    await insertJobs(
      this.boss,
      Queue.Deliver,
      created.map((task) => deliveryJob(task, planFor(this.config.plans, task.schedule.plan).tier)),
      em,
    );
    await this.correctUsage(em, reserved, created);
    const logged = await this.schedules.insertOccurrences(em, occurrenceRows(plans, created));
    await this.schedules.advance(em, plans.map(advanceOf));
    // One hint wakes every dispatcher's fetch loop; they take the whole batch from the queue.
    if (created.length > 0) await notify(em, Channel.TasksReady, created[0]!.id);
    const prepared = created.filter((task) => task.fireAt > task.schedule.dbNow).map((task) => task.fireAt);
    return { schedules: claimed.length, logged, prepared };
  }

  /** Wakes the dispatchers: prepared jobs have become due (NOTIFY is a hint; their poll would find them too). */
  async releaseDue(): Promise<void> {
    await notify(this.db.manager, Channel.TasksReady, 'due');
  }

  /**
   * Adds the planned fires to each org's monthly counter (locking that row until commit, so the
   * API's creates for the org wait and the count is never under-read), then refuses what exceeds
   * the plan: those occurrences are logged as skipped with reason 'quota'.
   */
  private async reserveQuota(em: EntityManager, plans: SchedulePlan[]): Promise<Map<string, number>> {
    const wanted = countPerOrg(plans.flatMap((plan) => plan.fire.map(() => plan.schedule.orgId)));
    if (wanted.size === 0) return wanted;
    const usage = await this.usage.addTasks(wanted, em);
    const remaining = new Map<string, number>();
    for (const [orgId, count] of wanted) {
      const { tasksThisMonth, plan } = usage.get(orgId)!;
      remaining.set(orgId, Math.max(0, planFor(this.config.plans, plan).tasksPerMonth - (tasksThisMonth - count)));
    }
    applyQuota(plans, remaining);
    return wanted;
  }

  /** Gives back what was reserved but not created (refused for quota, or created by another tick). */
  private async correctUsage(em: EntityManager, reserved: Map<string, number>, created: PlannedTask[]): Promise<void> {
    const actual = countPerOrg(created.map((task) => task.schedule.orgId));
    const corrections = new Map(
      [...reserved].map(([orgId, n]) => [orgId, (actual.get(orgId) ?? 0) - n] as const).filter(([, d]) => d !== 0),
    );
    if (corrections.size > 0) await this.usage.addTasks(corrections, em);
  }
}
