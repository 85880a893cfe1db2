import type { PolicyAdmission } from './api-rate-limiter.js';

/**
 * The fields of draft-ietf-httpapi-ratelimit-headers-11 (Structured Field lists): every policy
 * (`"key";q=100;w=1`) and the live state of those this request was counted against
 * (`"key";r=37;t=1`). A policy whose counters were unreachable (admitted unchecked) is left out of both.
 */
export function rateLimitHeaders(outcomes: PolicyAdmission[]): Record<string, string> {
  const known = outcomes.filter(({ admission }) => !admission?.open);
  const live = known.flatMap(({ policy, admission }) =>
    admission && !admission.open ? [`"${policy}";r=${admission.remaining};t=${admission.resetSeconds}`] : [],
  );
  if (known.length === 0) return {};
  return {
    'ratelimit-policy': known
      .map(({ policy, limit }) => `"${policy}";q=${limit.limit};w=${limit.windowSeconds}`)
      .join(', '),
    ratelimit: live.join(', '),
  };
}
