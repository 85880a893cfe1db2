import { lastIsoWeek, p95, uuidV7Floor } from './weekly-digest.js';
import { usageEvents } from './usage-alerts.js';

describe('weekly digest pieces', () => {
  it('takes the last complete ISO week, keyed by ISO year and week', () => {
    expect(lastIsoWeek(new Date('2026-12-03T18:00:00Z'))).toEqual({
      start: new Date('2026-11-23T00:00:00Z'),
      end: new Date('2026-11-30T00:00:00Z'),
      key: '2026-W48',
    });
    // A Monday: the week that ended at its midnight.
    expect(lastIsoWeek(new Date('2026-11-30T00:00:00Z')).key).toBe('2026-W48');
    // The ISO year is the Thursday's: 2020-12-28 starts 2020-W53; 2024-12-30 starts 2025-W01.
    expect(lastIsoWeek(new Date('2021-01-04T09:00:00Z')).key).toBe('2020-W53');
    expect(lastIsoWeek(new Date('2025-01-08T09:00:00Z')).key).toBe('2025-W01');
  });

  it('bounds a time range of UUID v7 ids and takes a nearest-rank p95', () => {
    expect(uuidV7Floor(new Date(0x0192_3456_789a))).toBe('01923456-789a-0000-0000-000000000000');
    expect(p95([])).toBe(0);
    expect(p95([5])).toBe(5);
    expect(p95(Array.from({ length: 100 }, (_, i) => i + 1))).toBe(95);
  });

  it('raises every threshold reached, once each by key', () => {
    const row = { org_id: 'o', plan: 'free', period: '2026-12', quota: '10' };
    expect(usageEvents({ ...row, used: 7 })).toEqual([]);
    expect(usageEvents({ ...row, used: '8' }).map((e) => e.dedupKey)).toEqual(['usage:2026-12:tasks:80']);
    expect(usageEvents({ ...row, used: 12 }).map((e) => [e.dedupKey, e.payload.severity])).toEqual([
      ['usage:2026-12:tasks:80', 'warning'],
      ['usage:2026-12:tasks:100', 'critical'],
    ]);
  });
});
