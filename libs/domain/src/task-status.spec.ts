import { parseDuration } from './durations.js';
import { EDITABLE_STATUSES, initialStatus, isFinished, TaskStatus, TaskTransition } from './task-status.js';

describe('task state machine', () => {
  it('never leaves a finished status but by replaying a failed task; start may retake a lapsed running lease', () => {
    for (const [name, transition] of Object.entries(TaskTransition)) {
      if (name !== 'replay') for (const from of transition.from) expect(isFinished(from)).toBe(false);
    }
    expect(TaskTransition.replay.from).toEqual([TaskStatus.Failed]);
    expect(TaskTransition.start.from).toContain(TaskStatus.Running);
    expect(EDITABLE_STATUSES).not.toContain(TaskStatus.Running);
  });

  it('starts scheduled when due later, queued when due now', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(initialStatus(new Date('2026-01-01T00:00:01Z'), now)).toBe('scheduled');
    expect(initialStatus(now, now)).toBe('queued');
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['250ms', 250],
  ])('%s → %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it.each(['', '5', '5x', '-1s', '1.5h', 's'])('rejects %p', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
