import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { InboundEndpointRow } from '@hourglass/db';
import { AppLogger } from '@hourglass/platform';
import { RateLimited, sharedBudgets } from '../rate-limits/shared-budgets.js';
import type { WindowBudgets } from '../rate-limits/window-budgets.js';

/** Over an endpoint's rate: 429, and when the window resets (the controller sends it as Retry-After). */
export class EndpointRateLimited extends RateLimited {
  constructor(retryAfterSeconds: number) {
    super(retryAfterSeconds, 'Over this endpoint’s rate limit; retry after Retry-After seconds');
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
    this.budgets = sharedBudgets(db, logger, 'endpoint');
  }

  async admit(endpoint: InboundEndpointRow): Promise<void> {
    if (!endpoint.rateLimit) return;
    const { count, perSeconds } = endpoint.rateLimit;
    const admission = await this.budgets.admit(`endpoint:${endpoint.id}`, { limit: count, windowSeconds: perSeconds });
    if (!admission.admitted) throw new EndpointRateLimited(admission.resetSeconds);
  }
}
