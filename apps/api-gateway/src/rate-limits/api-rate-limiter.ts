import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { OrganizationRepository, RateLimitRepository } from '@hourglass/db';
import { planFor } from '@hourglass/domain';
import { APP_CONFIG, AppLogger } from '@hourglass/platform';
import type { ApiGatewayConfig } from '../config.js';
import type { AuthContext } from '../auth/auth.decorators.js';
import { type Admission, type Limit, WindowBudgets } from './window-budgets.js';

const PLAN_CACHE_MS = 10_000;
const PURGE_EVERY_MS = 60_000;

export interface PolicyAdmission {
  policy: 'key' | 'org';
  limit: Limit;
  /** Undefined when an earlier policy refused the request, so this one was not counted. */
  admission?: Admission;
}

/**
 * The per-key and per-org limits of the caller's plan. The key is checked first; a request the org's
 * limit refuses gives its key's unit back. Admin-token and public routes are never limited.
 */
@Injectable()
export class ApiRateLimiter implements OnModuleDestroy {
  private readonly budgets: WindowBudgets;
  private readonly plans = new Map<string, { plan: string; expires: number }>();
  private readonly purge: NodeJS.Timeout;

  constructor(
    @Inject(RateLimitRepository) private readonly counters: RateLimitRepository,
    @Inject(OrganizationRepository) private readonly orgs: OrganizationRepository,
    @Inject(AppLogger) private readonly logger: AppLogger,
    @Inject(APP_CONFIG) private readonly config: ApiGatewayConfig,
  ) {
    this.budgets = new WindowBudgets(
      (scope, windowEnd, slice, limit) => this.counters.lease(scope, windowEnd, slice, limit),
      (error) => this.logger.pino.warn({ err: String(error) }, 'rate-limit counters unreachable; admitting'),
    );
    this.purge = setInterval(() => {
      this.counters.purgeEnded(Math.floor(Date.now() / 1_000) - 60).catch(() => undefined);
    }, PURGE_EVERY_MS).unref();
  }

  /** Each limited policy's outcome, key first; policies after a refusal are not counted. */
  async admit(auth: AuthContext): Promise<PolicyAdmission[]> {
    const plan = planFor(this.config.plans, await this.planOf(auth.orgId));
    const windowSeconds = plan.rateLimitWindowSeconds;
    const policies = [
      { policy: 'key' as const, scope: `key:${auth.keyId}`, limit: { limit: plan.rateLimitPerKey, windowSeconds } },
      { policy: 'org' as const, scope: `org:${auth.orgId}`, limit: { limit: plan.rateLimitPerOrg, windowSeconds } },
    ].filter((p) => p.limit.limit > 0);
    const outcomes: PolicyAdmission[] = [];
    let refused = false;
    for (const { policy, scope, limit } of policies) {
      if (refused) {
        outcomes.push({ policy, limit });
        continue;
      }
      const admission = await this.budgets.admit(scope, limit);
      outcomes.push({ policy, limit, admission });
      refused = !admission.admitted;
      if (refused && policy === 'org') this.budgets.refund(`key:${auth.keyId}`, windowSeconds);
    }
    return outcomes;
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
