import type { StartedTask, TaskKind } from '@hourglass/db';
import type { AttemptRecord } from '../delivery/http-client.js';
import type { FinishedTask } from './callbacks.js';
import { causeOf, finishedAlerts } from './failure-alerts.js';

const finished = (outcome: FinishedTask['outcome'], fields: Partial<StartedTask> = {}, rec = {}): FinishedTask => ({
  task: {
    id: 't1',
    orgId: 'o1',
    url: 'https://example.com/work?key=k',
    method: 'POST',
    attemptNumber: 3,
    attemptOffset: 0,
    scheduleId: null,
    kind: 'task',
    ...fields,
  } as StartedTask,
  record: { statusCode: 500, error: null, ...rec } as AttemptRecord,
  outcome,
  jobPriority: 0,
});

describe('finishedAlerts', () => {
  it('raises task.failed only for a failed task of kind task', () => {
    const kinds = ['task', 'callback', 'notification'] as TaskKind[];
    const { taskFailures } = finishedAlerts([
      ...kinds.map((kind, i) => finished('permanent', { id: `t${i}`, kind })),
      finished('delivered', { id: 'ok' }),
    ]);
    expect(taskFailures.map((e) => [e.event, e.subjectId, e.notify, e.dedupKey])).toEqual([
      ['task.failed', 't0', null, 'task.failed:t0:3'],
    ]);
    expect(taskFailures[0]!.payload.fields).toEqual({
      task: 't0',
      target: 'example.com',
      attempts: 3,
      cause: 'HTTP 500',
    });
  });

  it("routes a schedule occurrence's end to its schedule, a manual run (no fire time) to task.failed", () => {
    const fireAt = new Date('2026-01-01T00:00:00Z');
    const { taskFailures, occurrences } = finishedAlerts([
      finished('retryable', { id: 'o1', scheduleId: 's1', fireAt }),
      finished('delivered', { id: 'o2', scheduleId: 's2', fireAt }),
      finished('permanent', { id: 'manual', scheduleId: 's1', fireAt: null, notify: 'none' }),
    ]);
    expect(occurrences).toEqual([
      { scheduleId: 's1', fireAt, failed: true, cause: 'HTTP 500' },
      { scheduleId: 's2', fireAt, failed: false, cause: undefined },
    ]);
    expect(taskFailures.map((e) => [e.subjectId, e.notify])).toEqual([['manual', 'none']]);
  });

  it('says why in a few words', () => {
    expect(causeOf(finished('permanent', {}, { statusCode: null, error: 'timeout' }))).toBe('timeout');
    expect(causeOf(finished('permanent', {}, { error: 'assertion_failed' }))).toBe('HTTP 500: assertion_failed');
    expect(causeOf(finished('permanent', {}, { statusCode: null }))).toBe('permanent');
  });
});
