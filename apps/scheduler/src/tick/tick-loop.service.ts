import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Channel, ScheduleTickRepository } from '@hourglass/db';
import { APP_CONFIG, AppLogger } from '@hourglass/platform';
import type { SchedulerConfig } from '../config.js';
import { LeaderLoop } from '../leader/leader-loop.js';
import { LeaderService } from '../leader/leader.service.js';
import { TickService } from './tick.service.js';

/**
 * The leader's loop: tick, then sleep until the earliest next_run_at (asked of the database, so
 * its clock decides), a NOTIFY that schedules changed, or at most `maxSleepMs`. Never a fixed
 * interval: a per-second schedule is claimed at its due instant. Losing leadership stops it at once.
 */
@Injectable()
export class TickLoopService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: LeaderLoop;
  /** One timer per distinct prepared fire time, to wake the dispatchers at that instant. */
  private readonly releases = new Map<number, NodeJS.Timeout>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: SchedulerConfig,
    @Inject(TickService) private readonly tick: TickService,
    @Inject(ScheduleTickRepository) private readonly schedules: ScheduleTickRepository,
    @Inject(LeaderService) leader: LeaderService,
    @Inject(AppLogger) private readonly logger: AppLogger,
  ) {
    this.loop = new LeaderLoop({
      url: config.db.url,
      channel: Channel.SchedulesChanged,
      leader,
      logger,
      context: 'Tick',
      listenerFailed: 'schedules listener failed',
      passFailed: 'schedule tick failed',
      confirm: true,
      pass: async (leading) => {
        this.scheduleReleases((await this.tick.runOnce(leading)).prepared);
        return leading() ? this.sleepMs() : 0;
      },
      onStop: () => {
        for (const timer of this.releases.values()) clearTimeout(timer);
        this.releases.clear();
      },
    });
  }

  onApplicationBootstrap(): void {
    this.loop.follow();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  private scheduleReleases(fireTimes: Date[]): void {
    for (const at of new Set(fireTimes.map((d) => d.getTime()))) {
      if (this.releases.has(at)) continue;
      const timer = setTimeout(
        () => {
          this.releases.delete(at);
          this.tick
            .releaseDue()
            .catch((error: Error) => this.logger.warn({ msg: 'release notify failed', err: error }, 'Tick'));
        },
        Math.max(0, at - Date.now()),
      );
      this.releases.set(at, timer);
    }
  }

  private async sleepMs(): Promise<number> {
    const { delayMs, due, waiting } = await this.schedules.nextWake(this.config.tick.lookaheadMs);
    this.tick.dueGauge.set(due);
    const { maxSleepMs, recheckMs } = this.config.tick;
    return Math.min(delayMs ?? maxSleepMs, maxSleepMs, waiting ? recheckMs : maxSleepMs);
  }
}
