import { webhookHeaders } from '@hourglass/crypto';
import { RESERVED_HEADERS } from '@hourglass/domain';

export interface DeliveryHeadersInput {
  taskHeaders: Record<string, string>;
  taskId: string;
  attemptNumber: number;
  scheduleId?: string | null;
  traceParent?: string | null;
  /** The org's active `whsec_…` secrets; one signature each (two during rotation). */
  secrets: readonly string[];
  body: string | null;
  userAgent: string;
  nowSeconds: number;
}

const RESERVED: ReadonlySet<string> = new Set(RESERVED_HEADERS);

/**
 * The headers a target receives (docs/api.md "What a target receives"): the task's own headers, minus the
 * reserved ones, plus Standard Webhooks signature headers, `hourglass-attempt`, `hourglass-schedule-id`
 * and `traceparent`. Names are lower-cased so a task's `User-Agent` cannot sit beside ours.
 * `content-type` is left exactly as the task gave it.
 */
export function buildDeliveryHeaders(input: DeliveryHeadersInput): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': input.userAgent };
  for (const [name, value] of Object.entries(input.taskHeaders)) {
    const lower = name.toLowerCase();
    if (!RESERVED.has(lower)) headers[lower] = value;
  }
  Object.assign(headers, webhookHeaders(input.secrets, input.taskId, input.nowSeconds, input.body ?? ''));
  headers['hourglass-attempt'] = String(input.attemptNumber);
  if (input.scheduleId) headers['hourglass-schedule-id'] = input.scheduleId;
  if (input.traceParent) headers['traceparent'] = input.traceParent;
  return headers;
}
