import { DAY_MS, dailyUptime, percent, uptimeSince, windowStart } from './uptime.js';

const day0 = Date.UTC(2026, 11, 3); // today, 00:00 UTC
const now = new Date(day0 + 12 * 3_600_000); // today, 12:00 UTC
const id = 'm';

describe('daily uptime from incidents', () => {
  it('has one bar per day ending today, no data before the monitor existed', () => {
    const bars = dailyUptime(new Date(day0 - 2 * DAY_MS + 6 * 3_600_000), [], now, 90);
    expect(bars).toHaveLength(90);
    expect(bars[89]).toEqual({ date: '2026-12-03', uptime: 100 });
    expect(bars[87]).toEqual({ date: '2026-12-01', uptime: 100 });
    expect(bars[86]).toEqual({ date: '2026-11-30', uptime: null });
    expect(bars[0]!.date).toBe('2026-09-05');
  });

  it('counts downtime against the part of the day the monitor existed, and today only up to now', () => {
    const createdAt = new Date(day0 - DAY_MS + 12 * 3_600_000); // yesterday noon
    const downs = [
      { monitorId: id, day: new Date(day0 - DAY_MS), downMs: 3 * 3_600_000 }, // 3 h of 12 h
      { monitorId: id, day: new Date(day0), downMs: 6 * 3_600_000 }, // 6 h of 12 h so far
    ];
    const bars = dailyUptime(createdAt, downs, now, 90);
    expect(bars[88]!.uptime).toBe(75);
    expect(bars[89]!.uptime).toBe(50);
    expect(uptimeSince(createdAt, downs, windowStart(now, 90), now)).toBe(62.5);
  });

  it('never rounds any downtime up to 100, nor below 0', () => {
    expect(percent(DAY_MS - 1_000, DAY_MS)).toBe(99.99);
    expect(percent(DAY_MS, DAY_MS)).toBe(100);
    expect(percent(-5, DAY_MS)).toBe(0);
    expect(percent(0, 0)).toBe(100);
  });
});
