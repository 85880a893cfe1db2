import type { StartedTask } from '@hourglass/db';
import type { AttemptRecord } from '../delivery/http-client.js';
import { callbackPayload, callbackUrls, type FinishedTask } from './callbacks.js';

const task = (fields: Partial<StartedTask> = {}): StartedTask => ({
  id: 't1',
  orgId: 'o1',
  url: 'https://example.com/work',
  method: 'POST',
  headers: {},
  body: null,
  timeoutMs: 30_000,
  maxAttempts: 3,
  attemptNumber: 3,
  scheduleId: null,
  traceParent: null,
  expectedStatusCodes: null,
  expectedBodyPattern: null,
  retryOn4xx: false,
  attemptOffset: 0,
  kind: 'task',
  callbackUrl: 'https://example.com/done',
  failureCallbackUrl: 'https://example.com/failed',
  runAt: new Date(),
  ...fields,
});

const record = {
  statusCode: 503,
  durationMs: 12,
  error: null,
  finishedAt: new Date('2026-01-01T00:00:00Z'),
} as AttemptRecord;
const finished = (outcome: FinishedTask['outcome'], fields: Partial<StartedTask> = {}): FinishedTask => ({
  task: task(fields),
  record,
  outcome,
  jobPriority: 0,
});

describe('callbacks', () => {
  it('sends a success to callbackUrl only, a failure to failureCallbackUrl and callbackUrl', () => {
    expect(callbackUrls(finished('delivered'))).toEqual(['https://example.com/done']);
    expect(callbackUrls(finished('permanent'))).toEqual(['https://example.com/failed', 'https://example.com/done']);
    expect(callbackUrls(finished('retryable', { callbackUrl: null }))).toEqual(['https://example.com/failed']);
  });

  it('calls one URL once even when both fields name it, and never for a callback', () => {
    expect(callbackUrls(finished('permanent', { failureCallbackUrl: 'https://example.com/done' }))).toEqual([
      'https://example.com/done',
    ]);
    expect(callbackUrls(finished('permanent', { kind: 'callback' }))).toEqual([]);
  });

  it('describes the outcome and the last attempt', () => {
    expect(callbackPayload(finished('retryable'))).toEqual({
      type: 'task.failed',
      taskId: 't1',
      status: 'failed',
      attempts: 3,
      lastAttempt: { number: 3, statusCode: 503, outcome: 'retryable', error: null, durationMs: 12 },
      finishedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(callbackPayload(finished('delivered'))).toMatchObject({ type: 'task.succeeded', status: 'succeeded' });
  });
});
