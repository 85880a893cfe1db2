import type { DueSchedule } from '@hourglass/db';
import { FireTimes } from './due-occurrences.js';
import { applyQuota, planSchedule } from './occurrence-plan.js';

const now = new Date('2025-01-01T12:00:00.300Z');
const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + s * 1_000);

function schedule(fields: Partial<DueSchedule> = {}): DueSchedule {
  return {
    id: 's1',
    orgId: 'o1',
    cron: '* * * * * *',
    intervalMs: null,
    timezone: 'UTC',
    url: 'http://x',
    method: 'POST',
    headers: {},
    body: null,
    timeoutMs: 1_000,
    maxAttempts: 1,
    labels: {},
    priority: 5,
    missedRuns: 'skip',
    overlap: 'allow',
    nextRunAt: at(-2),
    shortestIntervalMs: 1_000,
    version: 1,
    plan: 'free',
    previousStatus: null,
    previousFinishedAt: null,
    dbNow: now,
    ...fields,
  };
}
const plan = (fields: Partial<DueSchedule>, graceMs = 60_000) =>
  planSchedule(schedule(fields), graceMs, new FireTimes());

describe('planSchedule', () => {
  it('allow: fires every due occurrence and moves next_run_at past now', () => {
    expect(plan({})).toMatchObject({ fire: [at(-2), at(-1), at(0)], skipped: [], nextRunAt: at(1) });
  });

  it('after a downtime, missed-run policies split by the grace window', () => {
    const fields = { nextRunAt: at(-5) };
    expect(plan({ ...fields, missedRuns: 'skip' }, 2_500)).toMatchObject({ fire: [at(-2), at(-1), at(0)] });
    expect(plan({ ...fields, missedRuns: 'skip' }, 2_500).skipped.map((s) => s.reason)).toEqual([
      'missed',
      'missed',
      'missed',
    ]);
    expect(plan({ ...fields, missedRuns: 'runOnce' }, 2_500).fire).toEqual([at(-3), at(-2), at(-1), at(0)]);
    expect(plan({ ...fields, missedRuns: 'runAll' }, 2_500).fire).toHaveLength(6);
  });

  it('overlap skip: nothing starts while the previous run is unfinished', () => {
    const busy = plan({ overlap: 'skip', previousStatus: 'running' });
    expect(busy.fire).toEqual([]);
    expect(busy.skipped).toEqual([at(-2), at(-1), at(0)].map((fireAt) => ({ fireAt, reason: 'overlap', count: 1 })));
    const idle = plan({ overlap: 'skip', previousStatus: 'succeeded' });
    expect(idle.fire).toEqual([at(-2)]);
    expect(idle.skipped.map((s) => s.reason)).toEqual(['overlap', 'overlap']);
  });

  it('overlap queue: fires one and keeps next_run_at on the next due occurrence', () => {
    expect(plan({ overlap: 'queue', previousStatus: 'succeeded' })).toMatchObject({
      fire: [at(-2)],
      skipped: [],
      nextRunAt: at(-1),
    });
  });

  it('overlap queue: an occurrence held back by a long previous run fires however late it is', () => {
    const held = plan(
      { overlap: 'queue', nextRunAt: at(-5), previousStatus: 'succeeded', previousFinishedAt: at(-1) },
      2_500,
    );
    expect(held.fire).toEqual([at(-5)]);
    expect(held.nextRunAt).toEqual(at(-2));
    expect(held.skipped.map((s) => [s.fireAt, s.reason])).toEqual([
      [at(-4), 'missed'],
      [at(-3), 'missed'],
    ]);
  });

  it('quota: fires beyond what is left are skipped with reason quota, oldest fire first', () => {
    const plans = [plan({}), plan({ id: 's2' })];
    applyQuota(plans, new Map([['o1', 4]]));
    expect(plans[0]!.fire).toEqual([at(-2), at(-1)]);
    expect(plans[1]!.fire).toEqual([at(-2), at(-1)]);
    expect(plans[0]!.skipped).toEqual([{ fireAt: at(0), reason: 'quota', count: 1 }]);
  });
});
