import { MAX_RETRY_AFTER_MS, parseRetryAfter, retryDelayMs } from './backoff.js';

/** What one HTTP attempt amounted to. Expected outcomes are values; `throw` is for bugs. */
export type DeliveryOutcome = 'delivered' | 'retryable' | 'permanent';

export type AttemptResult =
  | { kind: 'response'; statusCode: number; retryAfter?: string }
  | { kind: 'error'; error: DeliveryErrorKind; retryAfterMs?: number };

export type DeliveryErrorKind =
  'timeout' | 'connection' | 'blocked' | 'invalid_url' | 'response_too_large' | 'circuit_open' | 'assertion_failed';

/** A task's own delivery rules, on top of the defaults. */
export interface DeliveryRules {
  /** 4xx other than 410 become retryable. */
  retryOn4xx?: boolean;
  /** These codes count as delivered instead of 2xx; others are classified as usual. */
  expectedStatusCodes?: readonly number[] | null;
}

/**
 * One exhaustive rule for every attempt: 2xx delivered; 408/425/429 and 5xx retryable; 3xx (redirects
 * are not followed, and a retry would meet the same redirect), 410 and other 4xx permanent. Network errors and
 * timeouts are retryable; a target refused by the SSRF guard or an unusable URL is permanent.
 */
export function classifyDelivery(result: AttemptResult): DeliveryOutcome {
  return classifyForTask(result, {});
}

/** classifyDelivery with a task's own rules (retryOn4xx, expectedStatusCodes) applied. */
export function classifyForTask(result: AttemptResult, rules: DeliveryRules): DeliveryOutcome {
  if (result.kind === 'error') {
    switch (result.error) {
      case 'timeout':
      case 'connection':
      case 'response_too_large':
      case 'circuit_open':
      case 'assertion_failed':
        return 'retryable';
      case 'blocked':
      case 'invalid_url':
        return 'permanent';
    }
  }
  const code = result.statusCode;
  if (rules.expectedStatusCodes ? rules.expectedStatusCodes.includes(code) : code >= 200 && code < 300)
    return 'delivered';
  if (code >= 500 || code === 408 || code === 425 || code === 429) return 'retryable';
  // A 2xx the task did not expect is an assertion failure: assertions.ts reports those before classifying.
  if (code >= 200 && code < 300) return 'retryable';
  if (rules.retryOn4xx && code >= 400 && code < 500 && code !== 410) return 'retryable';
  return 'permanent';
}

export interface NextStep {
  outcome: DeliveryOutcome;
  /** Set when another attempt follows: milliseconds from now until it runs. */
  retryInMs?: number;
}

/** Decides what follows attempt `attemptNumber` of `maxAttempts`. */
export function nextStep(
  result: AttemptResult,
  attemptNumber: number,
  maxAttempts: number,
  now: Date,
  rules: DeliveryRules = {},
): NextStep {
  const outcome = classifyForTask(result, rules);
  if (outcome !== 'retryable' || attemptNumber >= maxAttempts) return { outcome };
  const askedMs =
    result.kind === 'response' && (result.statusCode === 429 || result.statusCode === 503)
      ? parseRetryAfter(result.retryAfter, now)
      : result.kind === 'error' && result.retryAfterMs !== undefined
        ? Math.min(MAX_RETRY_AFTER_MS, result.retryAfterMs)
        : undefined;
  return { outcome, retryInMs: askedMs ?? retryDelayMs(attemptNumber) };
}
