import {
  applyCheck,
  applyDeadline,
  applyPause,
  applyPing,
  applyResume,
  initialState,
  type MonitorConfig,
  type MonitorState,
  type Step,
} from './monitor-state.js';

const MIN = 60_000;
const heartbeat = (over: Partial<MonitorConfig> = {}): MonitorConfig => ({
  type: 'heartbeat',
  everyMs: 10 * MIN,
  cron: null,
  timezone: null,
  graceMs: 5 * MIN,
  maxRuntimeMs: null,
  minRuntimeMs: null,
  failAfter: 1,
  confirmAfter: 1,
  ...over,
});
const http = (confirmAfter: number): MonitorConfig => ({ ...heartbeat(), type: 'http', everyMs: MIN, confirmAfter });
const at = (iso: string) => new Date(iso);
const T0 = at('2026-06-01T12:00:00Z');
const plus = (ms: number, from = T0) => new Date(from.getTime() + ms);

/** Runs the evaluator at every deadline up to `until`, as the leader would. */
function evaluateUntil(config: MonitorConfig, state: MonitorState, until: Date): Step[] {
  const steps: Step[] = [];
  let current = state;
  while (current.nextDeadlineAt && current.nextDeadlineAt <= until) {
    const step = applyDeadline(config, current, current.nextDeadlineAt);
    steps.push(step);
    current = step.state;
  }
  return steps;
}

describe('monitor state machine', () => {
  it('a new heartbeat has no deadline until its first ping, then goes up with the next one expected', () => {
    const state = initialState(heartbeat(), T0);
    expect(state).toMatchObject({ status: 'new', nextDeadlineAt: null });
    const step = applyPing(heartbeat(), state, { kind: 'success', at: T0 });
    expect(step.state).toMatchObject({ status: 'up', nextDeadlineAt: plus(10 * MIN), deadlineKind: 'late' });
    expect(step.transition).toBeNull();
  });

  it('late once overdue, down after grace with one incident, up again on the next ping', () => {
    const config = heartbeat();
    const up = applyPing(config, initialState(config, T0), { kind: 'success', at: T0 }).state;
    const late = applyDeadline(config, up, plus(10 * MIN));
    expect(late.state).toMatchObject({ status: 'late', nextDeadlineAt: plus(15 * MIN), deadlineKind: 'down' });
    expect(late.transition).toBeNull();
    expect(applyDeadline(config, late.state, plus(14 * MIN)).state).toBe(late.state);
    const down = applyDeadline(config, late.state, plus(15 * MIN));
    expect(down.state).toMatchObject({ status: 'down', nextDeadlineAt: null });
    expect(down.transition).toEqual({ kind: 'down', cause: 'no ping within grace' });
    const back = applyPing(config, down.state, { kind: 'success', at: plus(20 * MIN) });
    expect(back.transition).toEqual({ kind: 'up' });
    expect(back.state).toMatchObject({ status: 'up', nextDeadlineAt: plus(30 * MIN) });
  });

  it('a late ping before grace runs out goes back up without any alert', () => {
    const config = heartbeat();
    const up = applyPing(config, initialState(config, T0), { kind: 'success', at: T0 }).state;
    const late = applyDeadline(config, up, plus(10 * MIN)).state;
    const step = applyPing(config, late, { kind: 'success', at: plus(12 * MIN) });
    expect(step.state.status).toBe('up');
    expect(step.transition).toBeNull();
  });

  it('/fail is down at once; a non-zero exit code too; exit code 0 is a success', () => {
    const config = heartbeat();
    const up = applyPing(config, initialState(config, T0), { kind: 'success', at: T0 }).state;
    expect(applyPing(config, up, { kind: 'fail', at: plus(MIN) }).transition).toEqual({
      kind: 'down',
      cause: 'fail ping',
    });
    expect(applyPing(config, up, { kind: 'success', exitCode: 3, at: plus(MIN) }).transition).toEqual({
      kind: 'down',
      cause: 'exit code 3',
    });
    expect(applyPing(config, up, { kind: 'success', exitCode: 0, at: plus(MIN) }).state.status).toBe('up');
  });

  it('failAfter: down only after that many failures in a row; a success in between starts over', () => {
    const config = heartbeat({ failAfter: 3 });
    let state = applyPing(config, initialState(config, T0), { kind: 'success', at: T0 }).state;
    const fail = (s: MonitorState, m: number) => applyPing(config, s, { kind: 'fail', at: plus(m * MIN) });
    state = fail(state, 1).state;
    state = fail(state, 2).state;
    expect(state).toMatchObject({ status: 'up', consecutiveFailures: 2 });
    state = applyPing(config, state, { kind: 'success', at: plus(3 * MIN) }).state;
    state = fail(fail(state, 4).state, 5).state;
    expect(state.status).toBe('up');
    const third = fail(state, 6);
    expect(third.transition).toEqual({ kind: 'down', cause: 'fail ping' });
  });

  it('start + success with the same rid records the duration; a different rid does not pair', () => {
    const config = heartbeat();
    const started = applyPing(config, initialState(config, T0), { kind: 'start', runId: 'a', at: T0 }).state;
    expect(applyPing(config, started, { kind: 'success', runId: 'b', at: plus(MIN) }).durationMs).toBeUndefined();
    expect(applyPing(config, started, { kind: 'success', runId: 'a', at: plus(MIN) }).durationMs).toBe(MIN);
    expect(applyPing(config, started, { kind: 'success', at: plus(2 * MIN) }).durationMs).toBe(2 * MIN);
  });

  it('maxRuntime: a start without a success in time is down', () => {
    const config = heartbeat({ maxRuntimeMs: 30 * MIN });
    const up = applyPing(config, initialState(config, T0), { kind: 'success', at: T0 }).state;
    const started = applyPing(config, up, { kind: 'start', at: plus(MIN) }).state;
    expect(started).toMatchObject({ nextDeadlineAt: plus(31 * MIN), deadlineKind: 'runtime' });
    const down = applyDeadline(config, started, plus(31 * MIN));
    expect(down.transition).toEqual({ kind: 'down', cause: 'started, no success within maxRuntime' });
  });

  it('minRuntime: a success faster than minRuntime counts as a failure', () => {
    const config = heartbeat({ minRuntimeMs: 5 * MIN });
    const started = applyPing(config, initialState(config, T0), { kind: 'start', at: T0 }).state;
    const step = applyPing(config, started, { kind: 'success', at: plus(MIN) });
    expect(step.transition).toEqual({ kind: 'down', cause: 'ran 60000ms, shorter than minRuntime' });
    expect(applyPing(config, started, { kind: 'success', at: plus(6 * MIN) }).state.status).toBe('up');
  });

  it('log pings change nothing; a paused monitor ignores pings and deadlines', () => {
    const config = heartbeat();
    const up = applyPing(config, initialState(config, T0), { kind: 'success', at: T0 }).state;
    expect(applyPing(config, up, { kind: 'log', at: plus(MIN) }).state).toBe(up);
    const paused = applyPause(up);
    expect(paused).toMatchObject({ status: 'paused', nextDeadlineAt: null });
    expect(applyPing(config, paused, { kind: 'fail', at: plus(MIN) }).state).toBe(paused);
    expect(applyResume(config, paused, plus(MIN))).toMatchObject({ status: 'new', nextDeadlineAt: null });
  });

  it('resumed with its incident still open, a monitor is down and its next success is the up transition', () => {
    const config = heartbeat();
    const paused = applyPause(applyPing(config, initialState(config, T0), { kind: 'fail', at: T0 }).state);
    const resumed = applyResume(config, paused, plus(MIN), true);
    expect(resumed).toMatchObject({ status: 'down', nextDeadlineAt: null });
    expect(applyPing(config, resumed, { kind: 'success', at: plus(2 * MIN) }).transition).toEqual({ kind: 'up' });
    const http = { ...config, type: 'http' as const, everyMs: MIN };
    expect(applyResume(http, paused, plus(MIN), true)).toMatchObject({ status: 'down', deadlineKind: 'check' });
  });

  it('grace 0: down at the expected time itself', () => {
    const config = heartbeat({ graceMs: 0 });
    const up = applyPing(config, initialState(config, T0), { kind: 'success', at: T0 }).state;
    expect(applyDeadline(config, up, plus(10 * MIN)).transition).toEqual({ kind: 'down', cause: 'no ping' });
  });

  describe('cron heartbeat in Europe/Amsterdam across DST', () => {
    const config = heartbeat({ everyMs: null, cron: '0 3 * * *', timezone: 'Europe/Amsterdam', graceMs: 10 * MIN });

    it('spring forward (2026-03-29): the next 03:00 is 23 hours after the last', () => {
      const ping = at('2026-03-28T02:00:05Z'); // 03:00:05 CET
      const up = applyPing(config, initialState(config, ping), { kind: 'success', at: ping }).state;
      expect(up.nextDeadlineAt).toEqual(at('2026-03-29T01:00:00Z')); // 03:00 CEST
      const steps = evaluateUntil(config, up, at('2026-03-29T01:10:00Z'));
      expect(steps.map((s) => s.state.status)).toEqual(['late', 'down']);
    });

    it('spring forward: a 02:30 job, whose time does not exist that day, is expected at 03:00 CEST', () => {
      const gap = heartbeat({ everyMs: null, cron: '30 2 * * *', timezone: 'Europe/Amsterdam' });
      const ping = at('2026-03-28T01:30:00Z');
      expect(applyPing(gap, initialState(gap, ping), { kind: 'success', at: ping }).state.nextDeadlineAt).toEqual(
        at('2026-03-29T01:00:00Z'),
      );
    });

    it('fall back (2026-10-25): the next 03:00 is 25 hours after the last, and not late before it', () => {
      const ping = at('2026-10-24T01:00:05Z'); // 03:00:05 CEST
      const up = applyPing(config, initialState(config, ping), { kind: 'success', at: ping }).state;
      expect(up.nextDeadlineAt).toEqual(at('2026-10-25T02:00:00Z')); // 03:00 CET
      expect(evaluateUntil(config, up, at('2026-10-25T01:59:59Z'))).toEqual([]);
    });

    it('fall back: a 02:30 job is expected once, at the first pass through the repeated hour', () => {
      const repeat = heartbeat({ everyMs: null, cron: '30 2 * * *', timezone: 'Europe/Amsterdam' });
      const ping = at('2026-10-25T00:30:01Z'); // 02:30 CEST, first pass
      expect(applyPing(repeat, initialState(repeat, ping), { kind: 'success', at: ping }).state.nextDeadlineAt).toEqual(
        at('2026-10-26T01:30:00Z'),
      );
    });
  });

  describe('http checks', () => {
    it('a new http monitor is due for a check at once; the deadline moves by `every`', () => {
      const state = initialState(http(2), T0);
      expect(state).toMatchObject({ nextDeadlineAt: T0, deadlineKind: 'check' });
      expect(applyDeadline(http(2), state, T0).state.nextDeadlineAt).toEqual(plus(MIN));
    });

    it('confirmAfter: the first failure asks for a re-check and stays up; the second is down; a success is up', () => {
      const config = http(2);
      const up = applyCheck(config, initialState(config, T0), true, null).state;
      const first = applyCheck(config, up, false, 'status 500');
      expect(first).toMatchObject({ state: { status: 'up' }, transition: null, recheck: true });
      const second = applyCheck(config, first.state, false, 'status 500');
      expect(second.transition).toEqual({ kind: 'down', cause: 'status 500' });
      expect(second.recheck).toBe(false);
      expect(applyCheck(config, second.state, true, null).transition).toEqual({ kind: 'up' });
    });

    it('confirmAfter 1: down on the first failure, no re-check', () => {
      const step = applyCheck(http(1), initialState(http(1), T0), false, 'timeout');
      expect(step).toMatchObject({ transition: { kind: 'down', cause: 'timeout' }, recheck: false });
    });
  });
});
