import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PgBoss } from 'pg-boss';
import { Channel, MonitorRepository, type MonitorRow, recordMonitorStep, sendMonitorChecks } from '@hourglass/db';
import { applyDeadline, type Step } from '@hourglass/domain';
import { APP_CONFIG, AppLogger, Metrics } from '@hourglass/platform';
import type { SchedulerConfig } from '../config.js';
import { LeaderLoop } from '../leader/leader-loop.js';
import { LeaderService } from '../leader/leader.service.js';

/** Monitors evaluated per transaction. */
const BATCH = 200;
/** The longest sleep without a NOTIFY: a lost notification costs at most this much lateness. */
const MAX_SLEEP_MS = 30_000;

/**
 * The leader's monitor deadline loop (docs/decisions/0021): claims monitors whose `next_deadline_at`
 * has passed (FOR UPDATE SKIP LOCKED, earliest first, through the partial index), applies the
 * state machine, and writes each step with its incident and notification event in the claim's
 * transaction; due HTTP checks are enqueued (queue `monitor-check`) in that same transaction. Then
 * it sleeps until the earliest deadline, a MonitorsChanged NOTIFY, or at most 30 s. It never reads
 * a monitor whose deadline has not come.
 */
@Injectable()
export class MonitorDeadlinesService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: LeaderLoop;
  private readonly monitors: MonitorRepository;
  private readonly evaluated;

  constructor(
    @Inject(APP_CONFIG) config: SchedulerConfig,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(PgBoss) private readonly boss: PgBoss,
    @Inject(LeaderService) leader: LeaderService,
    @Inject(AppLogger) logger: AppLogger,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.monitors = new MonitorRepository(db);
    this.evaluated = metrics.counter('hourglass_monitor_deadlines_total', 'Monitor deadlines evaluated', ['kind']);
    this.loop = new LeaderLoop({
      url: config.db.url,
      channel: Channel.MonitorsChanged,
      leader,
      logger,
      context: 'Monitors',
      listenerFailed: 'monitors listener failed',
      passFailed: 'monitor deadlines failed',
      confirm: true,
      pass: async (leading) => {
        await this.runOnce(leading);
        if (!leading()) return 0;
        const ms = await this.monitors.msUntilNextDeadline();
        return Math.min(ms ?? MAX_SLEEP_MS, MAX_SLEEP_MS);
      },
    });
  }

  onApplicationBootstrap(): void {
    this.loop.follow();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Evaluates every monitor due now, a batch per transaction. Returns how many it evaluated. */
  async runOnce(leading: () => boolean = () => true): Promise<number> {
    let total = 0;
    while (leading()) {
      const claimed = await this.db.transaction(async (em) => {
        const due = await this.monitors.claimDue(BATCH, em);
        const checks: MonitorRow[] = [];
        for (const monitor of due) {
          if (monitor.deadlineKind === 'check') checks.push(monitor);
          this.evaluated.inc({ kind: monitor.deadlineKind ?? 'none' });
          // The database's clock chose the row; the step must see its deadline as passed whatever this clock says.
          const at = new Date(Math.max(Date.now(), monitor.nextDeadlineAt!.getTime()));
          await recordMonitorStep(
            em,
            this.monitors,
            monitor,
            settled(monitor, applyDeadline(monitor, monitor, at)),
            at,
          );
        }
        await sendMonitorChecks(
          this.boss,
          em,
          checks.map((m) => ({ monitorId: m.id, orgId: m.orgId })),
        );
        return due.length;
      });
      total += claimed;
      if (claimed < BATCH) break;
    }
    return total;
  }
}

/** A step that leaves the deadline where it was would be claimed again at once: its deadline is dropped. */
function settled(monitor: MonitorRow, step: Step): Step {
  if (step.state.nextDeadlineAt?.getTime() !== monitor.nextDeadlineAt?.getTime()) return step;
  return { ...step, state: { ...step.state, nextDeadlineAt: null, deadlineKind: null } };
}
