import type { AttemptRecord } from '../delivery/index.js';
import { checkOutcome } from './monitor-checks.service.js';

const record = (statusCode: number | null, body = '', error: string | null = null): AttemptRecord => ({
  result: statusCode === null ? { kind: 'error', error: 'connection' } : { kind: 'response', statusCode },
  statusCode,
  durationMs: 5,
  responseHeaders: null,
  responseBody: body,
  responseTruncated: false,
  error,
  startedAt: new Date(),
  finishedAt: new Date(),
});
const expect_ = (statusCodes: number[], bodyPattern: string | null = null) => ({
  expect: { statusCodes, bodyPattern },
});

describe('HTTP monitor check outcome (expect)', () => {
  it('default: any 2xx is up, anything else down with its status', () => {
    expect(checkOutcome(record(204), expect_([]))).toEqual({ ok: true, error: null });
    expect(checkOutcome(record(500), expect_([]))).toEqual({ ok: false, error: 'status 500' });
    expect(checkOutcome(record(301), { expect: null })).toEqual({ ok: false, error: 'status 301' });
  });

  it('listed codes only, non-2xx ones included', () => {
    expect(checkOutcome(record(200), expect_([418]))).toMatchObject({ ok: false });
    expect(checkOutcome(record(418), expect_([418]))).toEqual({ ok: true, error: null });
  });

  it('the RE2 body pattern must match', () => {
    const rules = expect_([200], '"status":\\s*"ok"');
    expect(checkOutcome(record(200, '{"status": "ok"}'), rules).ok).toBe(true);
    expect(checkOutcome(record(200, '{"status":"degraded"}'), rules)).toEqual({
      ok: false,
      error: 'assertion_failed: response body does not match /"status":\\s*"ok"/',
    });
  });

  it('a connection error or timeout is down with its message', () => {
    expect(checkOutcome(record(null, '', 'connect ECONNREFUSED'), expect_([]))).toEqual({
      ok: false,
      error: 'connect ECONNREFUSED',
    });
  });
});
