import type { DataSource } from 'typeorm';
import { RateLimitRepository } from '@hourglass/db';
import { AppError, ErrorCode } from '@hourglass/domain';
import { type AppLogger, loggableError } from '@hourglass/platform';
import { WindowBudgets } from './window-budgets.js';

/** Budgets on the shared window counters (one budget across api-gateway replicas); `what` names them in the log. */
export function sharedBudgets(db: DataSource, logger: AppLogger, what: string): WindowBudgets {
  const counters = new RateLimitRepository(db);
  return new WindowBudgets(
    (scope, windowEnd, slice, limit) => counters.lease(scope, windowEnd, slice, limit),
    (error) => logger.pino.warn({ err: loggableError(error) }, `${what} rate-limit counters unreachable`),
  );
}

/** Over a budget of its own (not the plan's): 429; the controller sends `retryAfterSeconds` as Retry-After. */
export class RateLimited extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(ErrorCode.RATE_LIMITED, message);
  }
}
