import { Inject, Injectable, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { raiseUsageAlerts, raiseWeeklyDigests, tasksPerMonthOf } from '@hourglass/db';
import { APP_CONFIG, AppLogger } from '@hourglass/platform';
import type { SchedulerConfig } from '../config.js';
import { LeaderService } from '../leader/leader.service.js';

export interface AlertPass {
  usage: number;
  digests: number;
}

/**
 * The leader's periodic alert sources (docs/decisions/0024): usage thresholds (80 % and 100 % of
 * the monthly task quota) and the weekly digest, every ALERTS_INTERVAL_MS. Both are idempotent by
 * dedupKey, so a pass repeated (a failover, two passes at once) raises nothing twice.
 */
@Injectable()
export class AlertSourcesService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: SchedulerConfig,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(LeaderService) private readonly leader: Pick<LeaderService, 'leading' | 'on'>,
    @Inject(AppLogger) private readonly logger: AppLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.leader.on('acquired', () => this.loop());
    this.leader.on('lost', () => clearTimeout(this.timer));
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass. Callable from tests; `now` moves the digest's week. */
  async runOnce(now = new Date()): Promise<AlertPass> {
    const usage = await raiseUsageAlerts(this.db.manager, tasksPerMonthOf(this.config.plans));
    const { digestBatchSize: batchSize, digestAttemptSample: attemptSample } = this.config.alerts;
    const digests = await raiseWeeklyDigests(this.db.manager, { batchSize, attemptSample, now });
    return { usage, digests };
  }

  private loop(): void {
    this.running = this.runOnce()
      .then((pass) => {
        if (pass.usage + pass.digests > 0) this.logger.log({ msg: 'alerts raised', ...pass }, 'Alerts');
      })
      .catch((error: Error) => this.logger.warn({ msg: 'alert pass failed', err: error }, 'Alerts'))
      .finally(() => {
        if (this.leader.leading) this.timer = setTimeout(() => this.loop(), this.config.alerts.intervalMs);
      });
  }
}
