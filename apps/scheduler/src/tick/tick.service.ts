import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { PgBoss } from 'pg-boss';
import {
  countPerOrg,
  raiseScheduleAlerts,
  reserveQuota,
  ScheduleTickRepository,
  wake,
  writeTasks,
} from '@hourglass/db';
import { APP_CONFIG, Metrics } from '@hourglass/platform';
import type { SchedulerConfig } from '../config.js';
import { planFor } from '@hourglass/domain';
import { FireTimes } from './due-occurrences.js';
import { applyQuota, planSchedule, type SchedulePlan } from './occurrence-plan.js';
import { advanceOf, lateSkips, occurrenceRows, occurrenceTask, plannedTasks } from './tick-rows.js';
import { tickMetrics, type TickMetrics } from './tick-metrics.js';
import { startFireSpans } from './fire-spans.js';

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
 * (deduplicated by (schedule_id, fire_at)) and their jobs through the task writer, the occurrence
 * log, next_run_at, and a NOTIFY for the dispatchers when some occurrence is due now. A crash anywhere leaves nothing
 * half-done; a concurrent tick on
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
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.metrics = tickMetrics(metrics);
  }

  get dueGauge(): TickMetrics['due'] {
    return this.metrics.due;
  }

  /**
   * Everything due now, batch after batch, until batches come back short or `proceed` says stop. Callable from tests.
   */
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
    const spans = startFireSpans(planned);
    const writes = planned.map((task) =>
      occurrenceTask(task, planFor(this.config.plans, task.schedule.plan).tier, spans?.traceparentOf(task.id)),
    );
    const written = await writeTasks(em, this.boss, writes, {
      quota: { reserved },
      skipDuplicateOccurrences: true,
    }).catch((error: unknown) => {
      spans?.end(new Set(), error);
      throw error;
    });
    const writtenIds = new Set(written.map((task) => task.id));
    spans?.end(writtenIds);
    const created = planned.filter((task) => writtenIds.has(task.id));
    const logged = await this.schedules.insertOccurrences(em, occurrenceRows(plans, created));
    await this.schedules.advance(em, plans.map(advanceOf));
    // Skipped for firing late is a failure of the schedule, watched without setup (docs/decisions/0024).
    await raiseScheduleAlerts(em, lateSkips(plans));
    const prepared = created.filter((task) => task.fireAt > task.schedule.dbNow).map((task) => task.fireAt);
    return { schedules: claimed.length, logged, prepared };
  }

  /** Wakes the dispatchers: prepared jobs have become due (NOTIFY is a hint; their poll would find them too). */
  async releaseDue(): Promise<void> {
    await wake(this.db.manager);
  }

  /**
   * Counts the planned fires toward each org's month ahead (the writer gives back what it does not
   * write), then refuses what exceeds the plan: those occurrences are logged as skipped with
   * reason 'quota' (docs/decisions/0012).
   */
  private async reserveQuota(em: EntityManager, plans: SchedulePlan[]): Promise<Map<string, number>> {
    const wanted = countPerOrg(plans.flatMap((plan) => plan.fire.map(() => plan.schedule.orgId)));
    const remaining = await reserveQuota(em, wanted, (plan) => planFor(this.config.plans, plan).tasksPerMonth);
    applyQuota(plans, remaining);
    return wanted;
  }
}
