/** What the next fetch asks pg-boss for: all due jobs, or those of orgs below their share. */
export interface FetchPlan {
  /** Orgs (job group ids) at their cap in this process; absent when the fetch takes any org. */
  ignoreGroups?: string[];
}

/**
 * Per-org fair share of this process's delivery slots (docs/decisions/0006).
 *
 * An org with `cap` deliveries in flight here is left out of the next fetch (`ignoreGroups`, a plain
 * `group_id <> ALL(…)` filter in pg-boss's fetch; no active-count aggregate like `groupConcurrency`).
 * That fetch walks past the capped org's backlog, so when it finds nothing, nobody else has due jobs
 * and the capped org may borrow the idle slots ("lending") until a NOTIFY hints at new jobs or the
 * lending window passes. The window starts at `recheckMs` and doubles while consecutive walks find
 * nobody else (up to `maxLendMs`): a single busy org keeps the whole pool and pays for the walk
 * rarely, while new work announced by NOTIFY (every API and scheduler create) is seen at once. Counts are local: with N
 * dispatchers an org holds at
 * most about N × cap slots while others wait.
 */
export class OrgSlots {
  private readonly inFlight = new Map<string, number>();
  private lendUntil = 0;
  private lendMs: number;

  constructor(
    private readonly cap: number,
    private readonly recheckMs: number,
    private readonly maxLendMs = 2_000,
  ) {
    this.lendMs = recheckMs;
  }

  take(orgId: string): void {
    this.inFlight.set(orgId, (this.inFlight.get(orgId) ?? 0) + 1);
  }

  release(orgId: string): void {
    const left = (this.inFlight.get(orgId) ?? 1) - 1;
    if (left > 0) this.inFlight.set(orgId, left);
    else this.inFlight.delete(orgId);
  }

  /** New jobs may exist (NOTIFY): look past the capped orgs again before lending them more. */
  hint(): void {
    this.lendUntil = 0;
    this.lendMs = this.recheckMs;
  }

  plan(now: number): FetchPlan {
    if (now < this.lendUntil) return {};
    const capped = [...this.inFlight].filter(([, count]) => count >= this.cap).map(([orgId]) => orgId);
    return capped.length > 0 ? { ignoreGroups: capped } : {};
  }

  /**
   * After a fetch: one that left capped orgs out and came back short proves the others have no
   * due jobs (as of that statement), so lend to the capped orgs for a while.
   * @returns true when the caller should fetch again at once (lending), instead of sleeping.
   */
  fetched(plan: FetchPlan, asked: number, got: number, now: number): boolean {
    if (!plan.ignoreGroups) return false;
    if (got >= asked) {
      this.lendMs = this.recheckMs;
      return false;
    }
    this.lendUntil = now + this.lendMs;
    this.lendMs = Math.min(this.maxLendMs, this.lendMs * 2);
    return got === 0;
  }

  countOf(orgId: string): number {
    return this.inFlight.get(orgId) ?? 0;
  }
}
