export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 3_600_000 };

/**
 * Delay before attempt `attemptNumber + 1`: exponential with "equal jitter"
 * (half fixed, half random), so a burst of failures does not retry in lockstep.
 */
export function retryDelayMs(
  attemptNumber: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random = Math.random,
): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attemptNumber - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

/** Longest wait a target may ask for with `Retry-After`. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** Parses `Retry-After` (delta-seconds or HTTP date) into milliseconds from `now`, capped. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1_000 : Date.parse(trimmed) - now.getTime();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}
