import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { OrganizationRepository, RateLimitRepository } from '@hourglass/db';
import { planFor } from '@hourglass/domain';
import { APP_CONFIG, AppLogger, loggableError } from '@hourglass/platform';
import type { ApiGatewayConfig } from '../config.js';
import type { AuthContext } from '../auth/auth.decorators.js';
import { type Admission, type Limit, WindowBudgets } from './window-budgets.js';

const PLAN_CACHE_MS = 10_000;
const PURGE_EVERY_MS = 60_000;
/** While the counters are unreachable every scope fails open once per window: one warning per this long. */
const WARN_EVERY_MS = 10_000;

export interface PolicyAdmission {
  policy: 'key' | 'org';
  limit: Limit;
  admission: Admission;
}

/** The per-key and per-org limits of the caller's plan. Admin-token and public routes are never limited. */
@Injectable()
export class ApiRateLimiter implements OnModuleDestroy {
  private readonly budgets: WindowBudgets;
  private readonly plans = new Map<string, { plan: string; expires: number }>();
  private readonly purge: NodeJS.Timeout;
  private warnedAt = 0;

  constructor(
    @Inject(RateLimitRepository) private readonly counters: RateLimitRepository,
    @Inject(OrganizationRepository) private readonly orgs: OrganizationRepository,
    @Inject(AppLogger) private readonly logger: AppLogger,
    @Inject(APP_CONFIG) private readonly config: ApiGatewayConfig,
  ) {
    this.budgets = new WindowBudgets(
      (scope, windowEnd, slice, limit) => this.counters.lease(scope, windowEnd, slice, limit),
      (error) => this.warnUnreachable(error),
    );
    this.purge = setInterval(() => {
      this.counters.purgeEnded(Math.floor(Date.now() / 1_000) - 60).catch(() => undefined);
    }, PURGE_EVERY_MS).unref();
  }

  /**
   * Each limited policy's outcome. Both are counted at once (a refill of each costs one wait, not
   * two); when one refuses, the request gives back what it took from the other.
   */
  async admit(auth: AuthContext): Promise<PolicyAdmission[]> {
    const plan = planFor(this.config.plans, await this.planOf(auth.orgId));
    const windowSeconds = plan.rateLimitWindowSeconds;
    const policies = [
      { policy: 'key' as const, scope: `key:${auth.keyId}`, limit: { limit: plan.rateLimitPerKey, windowSeconds } },
      { policy: 'org' as const, scope: `org:${auth.orgId}`, limit: { limit: plan.rateLimitPerOrg, windowSeconds } },
    ].filter((p) => p.limit.limit > 0);
    const outcomes = await Promise.all(
      policies.map(async ({ policy, scope, limit }) => ({
        policy,
        scope,
        limit,
        admission: await this.budgets.admit(scope, limit),
      })),
    );
    if (outcomes.some(({ admission }) => !admission.admitted)) {
      for (const { scope, admission } of outcomes)
        if (admission.admitted && !admission.open) this.budgets.refund(scope, windowSeconds);
    }
    return outcomes.map(({ policy, limit, admission }) => ({ policy, limit, admission }));
  }

  private warnUnreachable(error: unknown): void {
    if (Date.now() - this.warnedAt < WARN_EVERY_MS) return;
    this.warnedAt = Date.now();
    this.logger.pino.warn({ err: loggableError(error) }, 'rate-limit counters unreachable; admitting unchecked');
  }

  onModuleDestroy(): void {
    clearInterval(this.purge);
  }

  /** The org's plan name, cached 10 s: a plan change takes effect within seconds. */
  private async planOf(orgId: string): Promise<string> {
    const now = Date.now();
    const cached = this.plans.get(orgId);
    if (cached && cached.expires > now) return cached.plan;
    const plan = (await this.orgs.plansOf([orgId])).get(orgId) ?? 'free';
    if (this.plans.size >= 10_000) this.plans.clear();
    this.plans.set(orgId, { plan, expires: now + PLAN_CACHE_MS });
    return plan;
  }
}
