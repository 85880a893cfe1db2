import type { PolicyAdmission } from './api-rate-limiter.js';

/**
 * The fields of draft-ietf-httpapi-ratelimit-headers-11 (Structured Field lists): the policies
 * (`"key";q=100;w=1`) and their live state (`"key";r=37;t=1`). A policy whose counters were
 * unreachable (admitted unchecked) is left out of both.
 */
export function rateLimitHeaders(outcomes: PolicyAdmission[]): Record<string, string> {
  const checked = outcomes.flatMap(({ policy, limit, admission }) =>
    admission.open ? [] : [{ policy, limit, admission }],
  );
  if (checked.length === 0) return {};
  return {
    'ratelimit-policy': checked
      .map(({ policy, limit }) => `"${policy}";q=${limit.limit};w=${limit.windowSeconds}`)
      .join(', '),
    ratelimit: checked
      .map(({ policy, admission }) => `"${policy}";r=${admission.remaining};t=${admission.resetSeconds}`)
      .join(', '),
  };
}
