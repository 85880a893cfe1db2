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
});
