import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Channel, Listener, ScheduleTickRepository } from '@hourglass/db';
import { APP_CONFIG, AppLogger } from '@hourglass/platform';
import type { SchedulerConfig } from '../config.js';
import { LeaderService } from '../leader/leader.service.js';
import { TickService } from './tick.service.js';
import { Waker } from './waker.js';

const ERROR_BACKOFF_MS = 1_000;

/**
 * The leader's loop: tick, then sleep until the earliest next_run_at (asked of the database, so
 * its clock decides), a NOTIFY that schedules changed, or at most `maxSleepMs`. Never a fixed
 * interval: a per-second schedule is claimed at its due instant. Losing leadership stops it at once.
 */
@Injectable()
export class TickLoopService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly waker = new Waker();
  private readonly listener: Listener;
  private running?: Promise<void>;
  private active = false;
  /** Bumped by every start and stop: a loop from an earlier leadership ends even if leadership came back. */
  private generation = 0;
  /** One timer per distinct prepared fire time, to wake the dispatchers at that instant. */
  private readonly releases = new Map<number, NodeJS.Timeout>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: SchedulerConfig,
    @Inject(TickService) private readonly tick: TickService,
    @Inject(ScheduleTickRepository) private readonly schedules: ScheduleTickRepository,
    @Inject(LeaderService) private readonly leader: LeaderService,
    @Inject(AppLogger) private readonly logger: AppLogger,
  ) {
    this.listener = new Listener({
      url: config.db.url,
      channels: [Channel.SchedulesChanged],
      onNotify: () => this.waker.wake(),
      // Changes made while the connection was down were not heard: re-plan now.
      onConnect: () => this.waker.wake(),
      onError: (error) => this.logger.warn({ msg: 'schedules listener failed', err: error }, 'Tick'),
    });
  }

  onApplicationBootstrap(): void {
    this.leader.on('acquired', () => void this.start());
    this.leader.on('lost', () => void this.stop());
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    const generation = ++this.generation;
    await this.running;
    await this.listener.start();
    this.running = this.loop(generation);
  }

  private async stop(): Promise<void> {
    this.active = false;
    this.generation++;
    for (const timer of this.releases.values()) clearTimeout(timer);
    this.releases.clear();
    this.waker.wake();
    await this.listener.stop();
    await this.running;
  }

  private async loop(generation: number): Promise<void> {
    const leading = () => this.active && generation === this.generation && this.leader.leading;
    while (leading()) {
      try {
        if (!(await this.leader.confirm())) break;
        this.scheduleReleases((await this.tick.runOnce(leading)).prepared);
        if (!leading()) break;
        await this.waker.sleep(await this.sleepMs());
      } catch (error) {
        this.logger.warn({ msg: 'schedule tick failed', err: error }, 'Tick');
        await this.waker.sleep(ERROR_BACKOFF_MS);
      }
    }
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
