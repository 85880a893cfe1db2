import { randomHex } from '@hourglass/db';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The caller's W3C trace context when it is well formed, else a new sampled one (invalid input is ignored, per the
 * spec).
 */
export function traceparentFor(header: string | string[] | undefined): string {
  const value = typeof header === 'string' ? header.trim().toLowerCase() : '';
  const match = TRACEPARENT.exec(value);
  if (match && match[1] !== 'ff' && !/^0+$/.test(match[2]!) && !/^0+$/.test(match[3]!)) return value;
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}
