import type { RateLimitLease } from '@hourglass/db';

/** A lease's share of the budget: small enough that idle replicas strand little, large enough to lease rarely. */
const SLICE_FRACTION = 10;
/** A lease that takes longer than this is given up on, and the scope admits freely for the rest of its window. */
const LEASE_TIMEOUT_MS = 1_000;
const MAX_SCOPES = 20_000;

export interface Limit {
  /** Requests per window; 0 is no limit. */
  limit: number;
  windowSeconds: number;
}

/** Outcome of one request against one scope. `open`: the counters were unreachable, the request passed unchecked. */
export type Admission =
  | { admitted: true; open: false; remaining: number; resetSeconds: number }
  | { admitted: false; open: false; remaining: 0; resetSeconds: number }
  | { admitted: true; open: true };

interface Budget {
  windowEnd: number;
  /** Leased and not yet spent by this replica. */
  local: number;
  /** The window's budget not yet leased by any replica, as of the last lease. */
  unleased: number;
  exhausted: boolean;
  open: boolean;
  lease?: Promise<void>;
}

type Lease = (scope: string, windowEnd: number, slice: number, limit: number) => Promise<RateLimitLease>;

/**
 * Fixed-window budgets per scope, spent in memory and refilled by leasing a slice from the shared
 * counters (one statement per slice, shared by the requests that wait for it). A request costs a
 * counter update only when its scope's slice runs out (docs/decisions/0017-rate-limits.md).
 */
export class WindowBudgets {
  private readonly budgets = new Map<string, Budget>();

  constructor(
    private readonly lease: Lease,
    private readonly onLeaseFailure: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  async admit(scope: string, { limit, windowSeconds }: Limit): Promise<Admission> {
    for (;;) {
      const nowMs = this.now();
      const budget = this.budgetOf(scope, windowEndOf(nowMs, windowSeconds));
      const resetSeconds = Math.max(1, Math.ceil(budget.windowEnd - nowMs / 1_000));
      if (budget.open) return { admitted: true, open: true };
      if (budget.local > 0) {
        budget.local--;
        return { admitted: true, open: false, remaining: budget.local + budget.unleased, resetSeconds };
      }
      if (budget.exhausted) return { admitted: false, open: false, remaining: 0, resetSeconds };
      await (budget.lease ??= this.refill(scope, budget, limit));
    }
  }

  /** Gives back what `admit` took when the request was refused by another scope. */
  refund(scope: string, windowSeconds: number): void {
    const budget = this.budgets.get(scope);
    if (budget && budget.windowEnd === windowEndOf(this.now(), windowSeconds)) budget.local++;
  }

  private budgetOf(scope: string, windowEnd: number): Budget {
    const current = this.budgets.get(scope);
    if (current?.windowEnd === windowEnd) return current;
    if (this.budgets.size >= MAX_SCOPES) this.dropEnded();
    const fresh: Budget = { windowEnd, local: 0, unleased: Infinity, exhausted: false, open: false };
    this.budgets.set(scope, fresh);
    return fresh;
  }

  private async refill(scope: string, budget: Budget, limit: number): Promise<void> {
    const slice = Math.max(1, Math.ceil(limit / SLICE_FRACTION));
    try {
      const { granted, used } = await withTimeout(this.lease(scope, budget.windowEnd, slice, limit), LEASE_TIMEOUT_MS);
      budget.local += granted;
      budget.unleased = Math.max(0, limit - used);
      budget.exhausted = budget.unleased === 0;
    } catch (error) {
      // Fail open: the request's own work needs the database and answers 503 if it is down.
      budget.open = true;
      this.onLeaseFailure(error);
    } finally {
      budget.lease = undefined;
    }
  }

  private dropEnded(): void {
    const nowSeconds = this.now() / 1_000;
    for (const [scope, budget] of this.budgets) if (budget.windowEnd <= nowSeconds) this.budgets.delete(scope);
    if (this.budgets.size >= MAX_SCOPES) this.budgets.clear();
  }
}

/** The end (epoch seconds) of the fixed window that holds `nowMs`. */
export function windowEndOf(nowMs: number, windowSeconds: number): number {
  return (Math.floor(nowMs / 1_000 / windowSeconds) + 1) * windowSeconds;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`rate-limit lease took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
