import type { DataSource } from 'typeorm';

/** What one lease got: `granted` requests of the window's budget for this replica, and the scope's total so far. */
export interface RateLimitLease {
  granted: number;
  used: number;
}

/**
 * The shared counters of the API rate limits (table rate_limit_windows). A replica leases a slice of a
 * window's budget in one statement and spends it in memory (apps/api-gateway/src/rate-limits). Every
 * lease adds its full slice to `used`, so the grant is what was left before it: the leases of all
 * replicas together never exceed the limit.
 */
export class RateLimitRepository {
  constructor(private readonly db: DataSource) {}

  async lease(scope: string, windowEnd: number, slice: number, limit: number): Promise<RateLimitLease> {
    const rows: { used: string }[] = await this.db.query(
      `INSERT INTO rate_limit_windows AS w (scope, window_end, used) VALUES ($1, $2, $3)
       ON CONFLICT (scope, window_end) DO UPDATE SET used = w.used + EXCLUDED.used
       RETURNING used`,
      [scope, windowEnd, slice],
    );
    const used = Number(rows[0]!.used);
    return { granted: Math.max(0, Math.min(slice, limit - (used - slice))), used };
  }

  /** Drops the counters of windows that ended before `before` (epoch seconds). */
  async purgeEnded(before: number): Promise<void> {
    await this.db.query('DELETE FROM rate_limit_windows WHERE window_end < $1', [before]);
  }
}
