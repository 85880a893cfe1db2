import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PgBoss } from 'pg-boss';
import {
  Channel,
  fanOutNotificationEvents,
  flushHeldNotifications,
  Listener,
  nextHeldNotificationAt,
} from '@hourglass/db';
import { APP_CONFIG, AppLogger } from '@hourglass/platform';
import type { SchedulerConfig } from '../config.js';
import { LeaderService } from '../leader/leader.service.js';
import { Waker } from '../tick/waker.js';

const ERROR_BACKOFF_MS = 1_000;

/**
 * The leader's notification fan-out (docs/decisions/0022): woken by NOTIFY on a raised event,
 * polling every `pollMs` as the fallback, it turns pending events into outbox rows and delivery
 * tasks batch by batch, and sends held (grouped) notifications when their window ends.
 */
@Injectable()
export class NotificationLoopService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly waker = new Waker();
  private readonly listener: Listener;
  private running?: Promise<void>;
  private active = false;
  private generation = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: SchedulerConfig,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(PgBoss) private readonly boss: PgBoss,
    @Inject(LeaderService) private readonly leader: LeaderService,
    @Inject(AppLogger) private readonly logger: AppLogger,
  ) {
    this.listener = new Listener({
      url: config.db.url,
      channels: [Channel.NotificationEvents],
      onNotify: () => this.waker.wake(),
      onConnect: () => this.waker.wake(),
      onError: (error) => this.logger.warn({ msg: 'notification listener failed', err: error }, 'Notifications'),
    });
  }

  onApplicationBootstrap(): void {
    this.leader.on('acquired', () => void this.start());
    this.leader.on('lost', () => void this.stop());
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** One pass: every pending event fanned out, every due held notification sent. */
  async runOnce(leading: () => boolean = () => true): Promise<void> {
    const { batchSize, groupWindowMs } = this.config.notifications;
    while (leading() && (await fanOutNotificationEvents(this.db, this.boss, { batchSize, groupWindowMs })) > 0);
    while (leading() && (await flushHeldNotifications(this.db, this.boss, batchSize)) > 0);
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
    this.waker.wake();
    await this.listener.stop();
    await this.running;
  }

  private async loop(generation: number): Promise<void> {
    const leading = () => this.active && generation === this.generation && this.leader.leading;
    const { pollMs } = this.config.notifications;
    while (leading()) {
      try {
        await this.runOnce(leading);
        const held = await nextHeldNotificationAt(this.db);
        await this.waker.sleep(held ? Math.min(pollMs, Math.max(0, held.getTime() - Date.now())) : pollMs);
      } catch (error) {
        this.logger.warn({ msg: 'notification fan-out failed', err: error }, 'Notifications');
        await this.waker.sleep(ERROR_BACKOFF_MS);
      }
    }
  }
}
