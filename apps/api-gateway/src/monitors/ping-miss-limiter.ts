import { AppError, ErrorCode } from '@hourglass/domain';

/** Over the unknown-token budget of a client: 429, and when one more lookup is allowed (sent as Retry-After). */
export class PingRateLimited extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(ErrorCode.RATE_LIMITED, 'Too many pings to unknown URLs from this address; retry after Retry-After seconds');
  }
}

export interface PingMissLimits {
  /** Unknown-token lookups a client may make at once… */
  burst: number;
  /** …and then this many per second. */
  perSecond: number;
  /** Clients (and valid token hashes) remembered; the oldest are forgotten first. */
  maxEntries: number;
}

export const PING_MISS_LIMITS: PingMissLimits = { burst: 20, perSecond: 1, maxEntries: 10_000 };

/**
 * In-process guard for `/ping/{token}` (docs/api.md "Pings"): every lookup of an unknown token (a
 * 404) takes one from its client address's token bucket; with the bucket empty the next token that
 * has not pinged successfully here is refused with 429 before any query. A token seen valid is
 * always looked up, so a real job behind the same address (NAT, a proxy) keeps pinging. One map
 * lookup on the valid path; per replica, not shared (a flood is spread over replicas at worst).
 */
export class PingMissLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly known = new Map<string, true>();

  constructor(
    private readonly limits: PingMissLimits = PING_MISS_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws PingRateLimited when `client` has no lookups left and `hash` has not pinged before. */
  admit(client: string, hash: string): void {
    if (this.known.has(hash)) return;
    const bucket = this.refilled(client);
    if (bucket.tokens < 1) throw new PingRateLimited(Math.ceil((1 - bucket.tokens) / this.limits.perSecond));
  }

  /** A lookup found no monitor. */
  miss(client: string): void {
    const bucket = this.refilled(client);
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    remember(this.buckets, client, bucket, this.limits.maxEntries);
  }

  /** A lookup found its monitor. */
  hit(hash: string): void {
    if (!this.known.has(hash)) remember(this.known, hash, true, this.limits.maxEntries);
  }

  private refilled(client: string): { tokens: number; at: number } {
    const now = this.now();
    const bucket = this.buckets.get(client);
    if (!bucket) return { tokens: this.limits.burst, at: now };
    bucket.tokens = Math.min(this.limits.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limits.perSecond);
    bucket.at = now;
    return bucket;
  }
}

/** Sets `key` as the newest entry of `map`, dropping the oldest beyond `max`. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}
