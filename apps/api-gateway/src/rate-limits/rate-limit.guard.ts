import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '@hourglass/domain';
import type { AuthenticatedRequest } from '../auth/auth.decorators.js';
import { ApiRateLimiter } from './api-rate-limiter.js';
import { rateLimitHeaders } from './rate-limit-headers.js';

/**
 * Runs after the AuthGuard (RateLimitsModule is imported after AuthModule): only API-key requests
 * carry `auth`, so public routes and the admin token's are not limited.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(@Inject(ApiRateLimiter) private readonly limiter: ApiRateLimiter) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const auth = ctx.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>().auth;
    if (!auth) return true;
    const outcomes = await this.limiter.admit(auth);
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    void reply.headers(rateLimitHeaders(outcomes));
    const refused = outcomes.find(({ admission }) => !admission.admitted);
    if (!refused || refused.admission.admitted) return true;
    // Both refusing: the later reset is when a retry can pass.
    const retryAfter = Math.max(...outcomes.map(({ admission }) => (admission.admitted ? 0 : admission.resetSeconds)));
    void reply.header('retry-after', String(retryAfter));
    throw new AppError(
      ErrorCode.RATE_LIMITED,
      `Over the ${refused.limit.limit} requests per ${refused.limit.windowSeconds} s of this ${refused.policy === 'key' ? 'API key' : 'organization'}; retry after Retry-After seconds`,
    );
  }
}
