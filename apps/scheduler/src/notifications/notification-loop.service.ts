import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PgBoss } from 'pg-boss';
import { Channel, fanOutNotificationEvents, flushHeldNotifications, nextHeldNotificationAt } from '@hourglass/db';
import { APP_CONFIG, AppLogger } from '@hourglass/platform';
import type { SchedulerConfig } from '../config.js';
import { LeaderLoop } from '../leader/leader-loop.js';
import { LeaderService } from '../leader/leader.service.js';

/**
 * The leader's notification fan-out (docs/decisions/0022): woken by NOTIFY on a raised event,
 * polling every `pollMs` as the fallback, it turns pending events into outbox rows and delivery
 * tasks batch by batch, and sends held (grouped) notifications when their window ends.
 */
@Injectable()
export class NotificationLoopService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: LeaderLoop;

  constructor(
    @Inject(APP_CONFIG) private readonly config: SchedulerConfig,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(PgBoss) private readonly boss: PgBoss,
    @Inject(LeaderService) leader: LeaderService,
    @Inject(AppLogger) logger: AppLogger,
  ) {
    this.loop = new LeaderLoop({
      url: config.db.url,
      channel: Channel.NotificationEvents,
      leader,
      logger,
      context: 'Notifications',
      listenerFailed: 'notification listener failed',
      passFailed: 'notification fan-out failed',
      // As before the shared loop: fan-out passes do not re-confirm the lock.
      confirm: false,
      pass: async (leading) => {
        await this.runOnce(leading);
        const { pollMs } = this.config.notifications;
        const held = await nextHeldNotificationAt(this.db);
        return held ? Math.min(pollMs, Math.max(0, held.getTime() - Date.now())) : pollMs;
      },
    });
  }

  onApplicationBootstrap(): void {
    this.loop.follow();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One pass: every pending event fanned out, every due held notification sent. */
  async runOnce(leading: () => boolean = () => true): Promise<void> {
    const { batchSize, groupWindowMs } = this.config.notifications;
    while (leading() && (await fanOutNotificationEvents(this.db, this.boss, { batchSize, groupWindowMs })) > 0);
    while (leading() && (await flushHeldNotifications(this.db, this.boss, batchSize)) > 0);
  }
}
