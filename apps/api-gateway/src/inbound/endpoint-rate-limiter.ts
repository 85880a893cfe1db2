import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type InboundEndpointRow, RateLimitRepository } from '@hourglass/db';
import { AppError, ErrorCode } from '@hourglass/domain';
import { AppLogger, loggableError } from '@hourglass/platform';
import { WindowBudgets } from '../rate-limits/window-budgets.js';

/** Over an endpoint's rate: 429, and when the window resets (the controller sends it as Retry-After). */
export class EndpointRateLimited extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(ErrorCode.RATE_LIMITED, 'Over this endpoint’s rate limit; retry after Retry-After seconds');
  }
}

/**
 * An endpoint's `rateLimit`, one budget across api-gateway replicas: the same shared window
 * counters as the API limits (docs/decisions/0017), scope `endpoint:<id>`. Fails open when the
 * counters are unreachable: the ingest itself then needs the database and answers 503.
 */
@Injectable()
export class EndpointRateLimiter {
  private readonly budgets: WindowBudgets;

  constructor(@Inject(DataSource) db: DataSource, @Inject(AppLogger) logger: AppLogger) {
    const counters = new RateLimitRepository(db);
    this.budgets = new WindowBudgets(
      (scope, windowEnd, slice, limit) => counters.lease(scope, windowEnd, slice, limit),
      (error) => logger.pino.warn({ err: loggableError(error) }, 'endpoint rate-limit counters unreachable'),
    );
  }

  async admit(endpoint: InboundEndpointRow): Promise<void> {
    if (!endpoint.rateLimit) return;
    const { count, perSeconds } = endpoint.rateLimit;
    const admission = await this.budgets.admit(`endpoint:${endpoint.id}`, { limit: count, windowSeconds: perSeconds });
    if (!admission.admitted) throw new EndpointRateLimited(admission.resetSeconds);
  }
}
