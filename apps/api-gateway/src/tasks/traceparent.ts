import { randomHex } from '@hourglass/db';
import { parseTraceparent } from '@hourglass/platform';

/**
 * The caller's W3C trace context when it is well formed, else a new sampled one (invalid input is ignored, per the
 * spec). With tracing on, the request's SERVER span context (`RequestTraceparent`).
 */
export function traceparentFor(header: string | string[] | undefined): string {
  const value = typeof header === 'string' ? header.trim().toLowerCase() : '';
  if (parseTraceparent(value)) return value;
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}
