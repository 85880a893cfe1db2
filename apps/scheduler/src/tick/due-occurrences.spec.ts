import { dueOccurrences, FireTimes } from './due-occurrences.js';

const t = (iso: string) => new Date(iso);

describe('dueOccurrences', () => {
  it('enumerates from next_run_at up to now, and the next fire time after now', () => {
    const result = dueOccurrences(
      { cron: '*/10 * * * * *', timezone: 'UTC' },
      t('2025-01-01T00:00:00Z'),
      t('2025-01-01T00:00:25Z'),
      100,
    );
    expect(result.due).toEqual([t('2025-01-01T00:00:00Z'), t('2025-01-01T00:00:10Z'), t('2025-01-01T00:00:20Z')]);
    expect(result.gap).toBeNull();
    expect(result.next).toEqual(t('2025-01-01T00:00:30Z'));
  });

  it('a day of downtime of a per-second cron: the newest `limit` in full, the rest as one counted gap', () => {
    const start = t('2025-01-01T00:00:00Z');
    const now = t('2025-01-02T00:00:00.400Z');
    const result = dueOccurrences({ cron: '* * * * * *', timezone: 'Europe/Amsterdam' }, start, now, 101);
    expect(result.due).toHaveLength(101);
    expect(result.due[100]).toEqual(t('2025-01-02T00:00:00Z'));
    expect(result.gap).toEqual({ fireAt: start, count: 86_401 - 101 });
    expect(result.next).toEqual(t('2025-01-02T00:00:01Z'));
  });

  it('the same for an interval, by arithmetic', () => {
    const start = t('2025-01-01T00:00:00.250Z');
    const result = dueOccurrences({ intervalMs: 1_000, anchor: start }, start, t('2025-01-01T01:00:00Z'), 50);
    expect(result.due).toHaveLength(50);
    expect(result.due[49]).toEqual(t('2025-01-01T00:59:59.250Z'));
    expect(result.gap).toEqual({ fireAt: start, count: 3_600 - 50 });
    expect(result.next).toEqual(t('2025-01-01T01:00:00.250Z'));
  });

  it('the gap is exact when head and tail overlap', () => {
    const start = t('2025-01-01T00:00:00Z');
    const result = dueOccurrences({ cron: '* * * * * *', timezone: 'UTC' }, start, t('2025-01-01T00:00:14Z'), 10);
    expect(result.due[0]).toEqual(t('2025-01-01T00:00:05Z'));
    expect(result.gap).toEqual({ fireAt: start, count: 5 });
  });

  it('memoises croner per tick', () => {
    const times = new FireTimes();
    const timing = { cron: '0 * * * *', timezone: 'UTC' };
    expect(times.next(timing, t('2025-01-01T00:00:00Z'))).toBe(times.next({ ...timing }, t('2025-01-01T00:00:00Z')));
  });
});
