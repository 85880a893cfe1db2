import { Inject, Injectable, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { AttemptRepository, IdempotencyRepository } from '@hourglass/db';
import { APP_CONFIG, AppLogger, Metrics } from '@hourglass/platform';
import type { SchedulerConfig } from '../config.js';
import { LeaderService } from '../leader/leader.service.js';

/** Deletes attempts older than their org's retention, in small batches, on the leader only. */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private readonly deleted;

  constructor(
    @Inject(APP_CONFIG) private readonly config: SchedulerConfig,
    @Inject(AttemptRepository) private readonly attempts: AttemptRepository,
    @Inject(IdempotencyRepository) private readonly idempotencyKeys: IdempotencyRepository,
    @Inject(LeaderService) private readonly leader: LeaderService,
    @Inject(AppLogger) private readonly logger: AppLogger,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.deleted = metrics.counter('hourglass_retention_deleted_total', 'Rows deleted by retention', ['table']);
  }

  onApplicationBootstrap(): void {
    this.leader.on('acquired', () => this.loop());
    this.leader.on('lost', () => clearTimeout(this.timer));
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.running;
  }

  /** One full pass over attempts past their org's retention and idempotency keys past 24 h. Callable from tests. */
  async runOnce(): Promise<number> {
    const attempts = await this.inBatches((size) => this.attempts.deleteExpired(size), 'attempts');
    return attempts + (await this.inBatches((size) => this.idempotencyKeys.deleteExpired(size), 'idempotency_keys'));
  }

  /** Batches until a short one comes back, so locks and WAL bursts stay small. */
  private async inBatches(deleteBatch: (size: number) => Promise<number>, table: string): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await deleteBatch(this.config.retention.batchSize);
      total += count;
      this.deleted.inc({ table }, count);
      if (count < this.config.retention.batchSize || !this.leader.leading) return total;
    }
  }

  private loop(): void {
    this.running = this.runOnce()
      .catch((error: Error) => {
        this.logger.warn({ msg: 'retention pass failed', err: error }, 'Retention');
        return 0;
      })
      .finally(() => {
        if (this.leader.leading) this.timer = setTimeout(() => this.loop(), this.config.retention.intervalMs);
      });
  }
}
