import { RE2JS } from 're2js';
import type { DeliveryRules } from '@hourglass/domain';
import type { StartedTask } from '@hourglass/db';
import type { AttemptRecord } from '../delivery/index.js';

export type ResponseAssertions = Pick<StartedTask, 'expectedStatusCodes' | 'expectedBodyPattern'>;

const MAX_CACHED = 1_000;
const compiled = new Map<string, RE2JS | null>();

/**
 * RE2 runs in time linear in the body, so a hostile pattern cannot stall the dispatcher. Invalid ones (written before
 * validation) never match.
 */
function compile(pattern: string): RE2JS | null {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    try {
      regex = RE2JS.compile(pattern);
    } catch {
      regex = null;
    }
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
    compiled.set(pattern, regex);
  }
  return regex;
}

function failed(record: AttemptRecord, reason: string): AttemptRecord {
  return { ...record, result: { kind: 'error', error: 'assertion_failed' }, error: `assertion_failed: ${reason}` };
}

/**
 * Applies the task's response assertions to an attempt. A response that would otherwise count as
 * delivered (a listed status code, else any 2xx) but fails an assertion becomes a retryable
 * `assertion_failed` (its status code and body stay recorded); anything else is returned as is and
 * classified by the usual rules. The pattern is searched for in the stored (possibly truncated) body.
 */
export function checkAssertions(record: AttemptRecord, task: ResponseAssertions): AttemptRecord {
  if (record.result.kind !== 'response') return record;
  const code = record.result.statusCode;
  const is2xx = code >= 200 && code < 300;
  const listed = task.expectedStatusCodes;
  if (listed && listed.length > 0 && !listed.includes(code)) {
    return is2xx ? failed(record, `status ${code} is not one of ${listed.join(', ')}`) : record;
  }
  if (!listed && !is2xx) return record;
  const pattern = task.expectedBodyPattern;
  if (
    pattern &&
    !compile(pattern)
      ?.matcher(record.responseBody ?? '')
      .find()
  ) {
    return failed(record, `response body does not match /${pattern}/`);
  }
  return record;
}

/** The task's own classification rules for nextStep. */
export function deliveryRules(task: Pick<StartedTask, 'expectedStatusCodes' | 'retryOn4xx'>): DeliveryRules {
  return {
    retryOn4xx: task.retryOn4xx,
    expectedStatusCodes: task.expectedStatusCodes?.length ? task.expectedStatusCodes : null,
  };
}
