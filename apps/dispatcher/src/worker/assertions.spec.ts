import { nextStep } from '@hourglass/domain';
import type { AttemptRecord } from '../delivery/index.js';
import { checkAssertions, deliveryRules } from './assertions.js';

const now = new Date('2026-11-24T00:00:00Z');
const record = (statusCode: number, responseBody: string | null = 'ok'): AttemptRecord => ({
  result: { kind: 'response', statusCode },
  statusCode,
  durationMs: 5,
  responseHeaders: {},
  responseBody,
  responseTruncated: false,
  error: null,
  startedAt: now,
  finishedAt: now,
});
const none = { expectedStatusCodes: null, expectedBodyPattern: null };

describe('checkAssertions', () => {
  it('leaves a response alone when the task asserts nothing', () => {
    expect(checkAssertions(record(200), none)).toEqual(record(200));
    expect(checkAssertions(record(500), none)).toEqual(record(500));
  });

  it('fails a 2xx whose body lacks the pattern, keeping the status code', () => {
    const checked = checkAssertions(record(200, '{"ok":false}'), { ...none, expectedBodyPattern: '"ok":\\s*true' });
    expect(checked.result).toEqual({ kind: 'error', error: 'assertion_failed' });
    expect(checked.statusCode).toBe(200);
    expect(checked.error).toMatch(/^assertion_failed: response body does not match/);
    expect(nextStep(checked.result, 1, 3, now).outcome).toBe('retryable');
    expect(
      checkAssertions(record(200, '{"ok": true}'), { ...none, expectedBodyPattern: '"ok":\\s*true' }).result.kind,
    ).toBe('response');
  });

  it('accepts listed status codes, and fails a 2xx that is not listed', () => {
    const task = { expectedStatusCodes: [404], expectedBodyPattern: null };
    const ok = checkAssertions(record(404), task);
    expect(nextStep(ok.result, 1, 3, now, deliveryRules({ ...task, retryOn4xx: false })).outcome).toBe('delivered');
    expect(checkAssertions(record(200), task).error).toBe('assertion_failed: status 200 is not one of 404');
    expect(checkAssertions(record(503), task)).toEqual(record(503));
  });

  it('checks the pattern on listed codes too, and never matches an invalid pattern', () => {
    expect(
      checkAssertions(record(404, 'gone'), { expectedStatusCodes: [404], expectedBodyPattern: 'gone' }).result.kind,
    ).toBe('response');
    expect(checkAssertions(record(200, '(a'), { ...none, expectedBodyPattern: '(a' }).result.kind).toBe('error');
  });

  it('passes errors through untouched', () => {
    const timeout: AttemptRecord = { ...record(200), result: { kind: 'error', error: 'timeout' }, statusCode: null };
    expect(checkAssertions(timeout, { ...none, expectedBodyPattern: 'x' })).toBe(timeout);
  });
});
