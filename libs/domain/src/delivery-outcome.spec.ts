import { classifyDelivery, classifyForTask, nextStep } from './delivery-outcome.js';
import { parseRetryAfter, retryDelayMs, MAX_RETRY_AFTER_MS } from './backoff.js';

const response = (statusCode: number, retryAfter?: string) => ({ kind: 'response' as const, statusCode, retryAfter });
const now = new Date('2026-11-24T00:00:00Z');

describe('classifyDelivery', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [301, 'permanent'],
    [302, 'permanent'],
    [400, 'permanent'],
    [404, 'permanent'],
    [410, 'permanent'],
    [408, 'retryable'],
    [429, 'retryable'],
    [500, 'retryable'],
    [503, 'retryable'],
  ])('%i → %s', (code, outcome) => {
    expect(classifyDelivery(response(code))).toBe(outcome);
  });

  it.each([
    ['timeout', 'retryable'],
    ['connection', 'retryable'],
    ['response_too_large', 'retryable'],
    ['circuit_open', 'retryable'],
    ['blocked', 'permanent'],
    ['invalid_url', 'permanent'],
  ] as const)('error %s → %s', (error, outcome) => {
    expect(classifyDelivery({ kind: 'error', error })).toBe(outcome);
  });
});

describe('nextStep', () => {
  it('retries a retryable attempt while attempts remain, then stops', () => {
    expect(nextStep(response(500), 1, 3, now).retryInMs).toBeGreaterThan(0);
    expect(nextStep(response(500), 3, 3, now)).toEqual({ outcome: 'retryable' });
  });

  it('honours Retry-After on 429 and 503, capped', () => {
    expect(nextStep(response(429, '7'), 1, 3, now).retryInMs).toBe(7_000);
    expect(nextStep(response(503, '999999'), 1, 3, now).retryInMs).toBe(MAX_RETRY_AFTER_MS);
    expect(nextStep(response(503, 'Tue, 24 Nov 2026 00:00:30 GMT'), 1, 3, now).retryInMs).toBe(30_000);
  });

  it('waits out an open circuit instead of the usual backoff', () => {
    expect(nextStep({ kind: 'error', error: 'circuit_open', retryAfterMs: 12_000 }, 1, 3, now).retryInMs).toBe(12_000);
  });

  it('ignores Retry-After on other statuses and never retries permanent outcomes', () => {
    expect(nextStep(response(500, '7'), 1, 3, now).retryInMs).not.toBe(7_000);
    expect(nextStep(response(410), 1, 3, now)).toEqual({ outcome: 'permanent' });
  });
});

describe('task delivery rules', () => {
  it('retries 4xx other than 410 when the task opts in with retryOn4xx', () => {
    expect(nextStep(response(404), 1, 3, now, { retryOn4xx: true }).outcome).toBe('retryable');
    expect(nextStep(response(422), 1, 3, now, { retryOn4xx: true }).retryInMs).toBeGreaterThan(0);
    expect(nextStep(response(410), 1, 3, now, { retryOn4xx: true })).toEqual({ outcome: 'permanent' });
    expect(nextStep(response(404), 1, 3, now)).toEqual({ outcome: 'permanent' });
    expect(nextStep(response(404), 3, 3, now, { retryOn4xx: true })).toEqual({ outcome: 'retryable' });
  });

  it('treats expectedStatusCodes as delivered and an unexpected 2xx as retryable', () => {
    expect(classifyForTask(response(404), { expectedStatusCodes: [404] })).toBe('delivered');
    expect(classifyForTask(response(200), { expectedStatusCodes: [201] })).toBe('retryable');
    expect(classifyForTask(response(500), { expectedStatusCodes: [201] })).toBe('retryable');
    expect(classifyForTask(response(400), { expectedStatusCodes: [201] })).toBe('permanent');
    expect(classifyDelivery({ kind: 'error', error: 'assertion_failed' })).toBe('retryable');
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially with equal jitter and stays within [half, full] of the step', () => {
    expect(retryDelayMs(1, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(1, undefined, () => 1)).toBe(1_000);
    expect(retryDelayMs(4, undefined, () => 0)).toBe(4_000);
    expect(retryDelayMs(40, undefined, () => 1)).toBe(3_600_000);
  });

  it('parses Retry-After as seconds or an HTTP date, and rejects garbage', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
