import { cronError, nextFireAfter, nextFireTimes, shortestIntervalMs } from './schedule-timing.js';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const cron = (expr: string, timezone = 'UTC') => ({ cron: expr, timezone });

describe("schedule timing (croner, in the schedule's timezone)", () => {
  describe('Europe/Amsterdam', () => {
    it('spring gap (02:00 → 03:00 on 2025-03-30): a fixed-time job runs at the first valid time after it', () => {
      expect(iso(nextFireTimes(cron('30 2 * * *', 'Europe/Amsterdam'), new Date('2025-03-29T00:00:00Z'), 3))).toEqual([
        '2025-03-29T01:30:00.000Z',
        '2025-03-30T01:00:00.000Z',
        '2025-03-31T00:30:00.000Z',
      ]);
    });

    it('spring gap: an interval job skips the times that do not exist', () => {
      expect(iso(nextFireTimes(cron('*/30 * * * *', 'Europe/Amsterdam'), new Date('2025-03-30T00:00:00Z'), 3))).toEqual(
        ['2025-03-30T00:30:00.000Z', '2025-03-30T01:00:00.000Z', '2025-03-30T01:30:00.000Z'],
      );
    });

    it('autumn repeat (03:00 → 02:00 on 2025-10-26): a fixed-time job runs once, at the first pass', () => {
      expect(iso(nextFireTimes(cron('30 2 * * *', 'Europe/Amsterdam'), new Date('2025-10-25T00:00:00Z'), 3))).toEqual([
        '2025-10-25T00:30:00.000Z',
        '2025-10-26T00:30:00.000Z',
        '2025-10-27T01:30:00.000Z',
      ]);
    });

    it('autumn repeat: an interval job runs on both passes through the repeated hour', () => {
      expect(iso(nextFireTimes(cron('*/30 2 * * *', 'Europe/Amsterdam'), new Date('2025-10-25T23:00:00Z'), 5))).toEqual(
        [
          '2025-10-26T00:00:00.000Z',
          '2025-10-26T00:30:00.000Z',
          '2025-10-26T01:00:00.000Z',
          '2025-10-26T01:30:00.000Z',
          '2025-10-27T01:00:00.000Z',
        ],
      );
    });
  });

  describe('America/New_York', () => {
    it('spring gap (02:00 → 03:00 on 2025-03-09): 02:30 runs at 03:00 EDT that day', () => {
      expect(iso(nextFireTimes(cron('30 2 * * *', 'America/New_York'), new Date('2025-03-08T12:00:00Z'), 3))).toEqual([
        '2025-03-09T07:00:00.000Z',
        '2025-03-10T06:30:00.000Z',
        '2025-03-11T06:30:00.000Z',
      ]);
    });

    it('autumn repeat (02:00 → 01:00 on 2025-11-02): 01:30 runs once, in EDT', () => {
      expect(iso(nextFireTimes(cron('30 1 * * *', 'America/New_York'), new Date('2025-11-01T12:00:00Z'), 3))).toEqual([
        '2025-11-02T05:30:00.000Z',
        '2025-11-03T06:30:00.000Z',
        '2025-11-04T06:30:00.000Z',
      ]);
    });

    it('autumn repeat: an interval job in the repeated hour runs in EDT and again in EST', () => {
      expect(iso(nextFireTimes(cron('*/30 1 * * *', 'America/New_York'), new Date('2025-11-02T04:00:00Z'), 4))).toEqual(
        [
          '2025-11-02T05:00:00.000Z',
          '2025-11-02T05:30:00.000Z',
          '2025-11-02T06:00:00.000Z',
          '2025-11-02T06:30:00.000Z',
        ],
      );
    });
  });

  it('Feb 29 only fires in leap years', () => {
    expect(iso(nextFireTimes(cron('0 12 29 2 *'), new Date('2025-01-01T00:00:00Z'), 3))).toEqual([
      '2028-02-29T12:00:00.000Z',
      '2032-02-29T12:00:00.000Z',
      '2036-02-29T12:00:00.000Z',
    ]);
  });

  it('a 6-field expression has seconds', () => {
    expect(iso(nextFireTimes(cron('*/15 * * * * *'), new Date('2025-01-01T00:00:00Z'), 3))).toEqual([
      '2025-01-01T00:00:15.000Z',
      '2025-01-01T00:00:30.000Z',
      '2025-01-01T00:00:45.000Z',
    ]);
    expect(shortestIntervalMs(cron('* * * * * *'), new Date('2025-01-01T00:00:00Z'))).toBe(1_000);
  });

  it('is strictly after the reference, even at a fire time', () => {
    expect(nextFireAfter(cron('* * * * *'), new Date('2025-01-01T00:01:00Z'))?.toISOString()).toBe(
      '2025-01-01T00:02:00.000Z',
    );
  });

  it('an interval counts from its anchor', () => {
    const timing = { intervalMs: 90_000, anchor: new Date('2025-01-01T00:00:00Z') };
    expect(iso(nextFireTimes(timing, new Date('2025-01-01T00:02:00Z'), 2))).toEqual([
      '2025-01-01T00:03:00.000Z',
      '2025-01-01T00:04:30.000Z',
    ]);
    expect(nextFireAfter(timing, new Date('2024-12-31T00:00:00Z'))?.toISOString()).toBe('2025-01-01T00:00:00.000Z');
  });

  it('rejects unknown timezones and bad expressions', () => {
    expect(cronError('* * * * *', 'Mars/Olympus')).toMatch(/unknown IANA timezone/);
    expect(cronError('61 * * * *')).toBeDefined();
    expect(cronError('0 0 * * *', 'Europe/Amsterdam')).toBeUndefined();
  });
});

describe('bounded cron evaluation', () => {
  it('refuses an expression longer than 256 characters before croner parses it', () => {
    const started = performance.now();
    expect(cronError('* '.repeat(450_000))).toBe('must be at most 256 characters');
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('refuses a timezone longer than 64 characters', () => {
    expect(cronError('* * * * *', 'E'.repeat(100_000))).toMatch(/timezone/);
  });

  it('stops at the horizon: a Feb 29 cron gives three times in ten years, not a hundred', () => {
    const from = new Date('2026-12-01T00:00:00Z');
    const times = nextFireTimes(cron('0 0 29 2 *'), from, 100, 10 * 366 * 86_400_000);
    expect(iso(times)).toEqual(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z', '2036-02-29T00:00:00.000Z']);
  });

  it('previews 100 fire times of a long (254-character) expression in a few milliseconds', () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => i).join(',');
    const expression = `${list(60)} ${list(29)} * * * *`;
    expect(expression.length).toBeLessThanOrEqual(256);
    expect(cronError(expression)).toBeUndefined();
    const started = performance.now();
    for (let i = 0; i < 5; i++) nextFireTimes(cron(expression, 'America/New_York'), new Date(), 100);
    expect((performance.now() - started) / 5).toBeLessThan(40);
  });
});
