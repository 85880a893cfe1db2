import { OrgSlots } from './org-slots.js';

describe('OrgSlots', () => {
  it('leaves capped orgs out, lends to them once a short fetch shows nobody else waits, and rechecks after a hint or the period', () => {
    const slots = new OrgSlots(2, 500);
    slots.take('a');
    expect(slots.plan(0)).toEqual({});
    slots.take('a');
    slots.take('b');
    expect(slots.plan(0)).toEqual({ ignoreGroups: ['a'] });
    // Full answer: others had jobs, keep leaving 'a' out.
    expect(slots.fetched({ ignoreGroups: ['a'] }, 10, 10, 0)).toBe(false);
    expect(slots.plan(1)).toEqual({ ignoreGroups: ['a'] });
    // Nothing for anyone else: lend at once, until the recheck period ends or a NOTIFY hints.
    expect(slots.fetched({ ignoreGroups: ['a'] }, 10, 0, 1)).toBe(true);
    expect(slots.plan(100)).toEqual({});
    expect(slots.plan(501)).toEqual({ ignoreGroups: ['a'] });
    slots.fetched({ ignoreGroups: ['a'] }, 10, 3, 600);
    slots.hint();
    expect(slots.plan(601)).toEqual({ ignoreGroups: ['a'] });
    slots.release('a');
    expect(slots.plan(602)).toEqual({});
    expect(slots.countOf('a')).toBe(1);
  });

  it('lends for longer while consecutive walks find nobody else, and starts over after a hint', () => {
    const slots = new OrgSlots(1, 500, 2_000);
    slots.take('a');
    const walk = (now: number) => slots.fetched({ ignoreGroups: ['a'] }, 10, 0, now);
    walk(0);
    expect(slots.plan(499)).toEqual({});
    expect(slots.plan(500)).toEqual({ ignoreGroups: ['a'] });
    walk(500);
    expect(slots.plan(1_499)).toEqual({});
    walk(1_500);
    walk(3_500);
    expect(slots.plan(5_499)).toEqual({});
    expect(slots.plan(5_500)).toEqual({ ignoreGroups: ['a'] }); // capped at 2 s
    slots.hint();
    walk(6_000);
    expect(slots.plan(6_500)).toEqual({ ignoreGroups: ['a'] });
  });
});
