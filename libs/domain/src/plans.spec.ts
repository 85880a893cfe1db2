import { parsePlans } from './plans.js';

const base = { tier: 1, minScheduleIntervalMs: 1_000, maxSchedules: 5, tasksPerMonth: 10, retentionDays: 1 };

describe('parsePlans: maxMonitors', () => {
  it('is optional (the schedule limit then applies) and kept when given', () => {
    const plans = parsePlans(JSON.stringify({ a: base, b: { ...base, maxMonitors: 7 } }));
    expect(plans.a!.maxMonitors).toBeUndefined();
    expect(plans.b!.maxMonitors).toBe(7);
    expect(plans.free!.maxMonitors).toBe(20);
  });

  it.each([-1, 1.5, '3'])('refuses %p', (value) => {
    expect(() => parsePlans(JSON.stringify({ a: { ...base, maxMonitors: value } }))).toThrow(
      'plan "a": maxMonitors must be a non-negative integer',
    );
  });
});
