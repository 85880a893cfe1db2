import { planOccurrences, RUN_ALL_CAP } from './missed-runs.js';

const now = new Date('2025-01-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1_000);
const GRACE = 60_000;

describe('planOccurrences', () => {
  const due = [ago(600), ago(300), ago(30), ago(0)];

  it('skip: fires only what is within the grace window, records the rest as missed', () => {
    const plan = planOccurrences(due, 'skip', now, GRACE);
    expect(plan.fire).toEqual([ago(30), ago(0)]);
    expect(plan.skipped).toEqual([
      { fireAt: ago(600), reason: 'missed' },
      { fireAt: ago(300), reason: 'missed' },
    ]);
  });

  it('runOnce: fires the latest missed occurrence plus the on-time ones', () => {
    const plan = planOccurrences(due, 'runOnce', now, GRACE);
    expect(plan.fire).toEqual([ago(300), ago(30), ago(0)]);
    expect(plan.skipped).toEqual([{ fireAt: ago(600), reason: 'missed' }]);
  });

  it('runAll: fires every missed occurrence up to the cap, the oldest beyond it are skipped (cap)', () => {
    const many = Array.from({ length: RUN_ALL_CAP + 5 }, (_, i) => ago(10_000 - i));
    const plan = planOccurrences(many, 'runAll', now, GRACE);
    expect(plan.fire).toHaveLength(RUN_ALL_CAP);
    expect(plan.fire[0]).toEqual(ago(10_000 - 5));
    expect(plan.skipped.map((s) => s.reason)).toEqual(['cap', 'cap', 'cap', 'cap', 'cap']);
  });

  it('an occurrence exactly at the grace boundary is on time', () => {
    expect(planOccurrences([ago(60)], 'skip', now, GRACE).fire).toEqual([ago(60)]);
    expect(planOccurrences([ago(61)], 'skip', now, GRACE).fire).toEqual([]);
  });

  it('nothing missed: every policy fires all', () => {
    for (const policy of ['skip', 'runOnce', 'runAll'] as const) {
      expect(planOccurrences([ago(1)], policy, now, GRACE)).toEqual({ fire: [ago(1)], skipped: [] });
    }
  });
});
