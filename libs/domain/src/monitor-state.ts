import { nextFireAfter } from './schedule-timing.js';

const DAY_MS = 86_400_000;

export const MONITOR_TYPES = ['heartbeat', 'http'] as const;
export type MonitorType = (typeof MONITOR_TYPES)[number];
export const MONITOR_STATUSES = ['new', 'up', 'late', 'down', 'paused'] as const;
export type MonitorStatus = (typeof MONITOR_STATUSES)[number];
export const PING_KINDS = ['start', 'success', 'fail', 'log'] as const;
export type PingKind = (typeof PING_KINDS)[number];

/**
 * What the next deadline means when it passes: `late` a heartbeat is overdue (down after grace),
 * `down` grace ran out, `runtime` a started run outlived maxRuntime, `check` an HTTP check is due.
 */
export type DeadlineKind = 'late' | 'down' | 'runtime' | 'check';

export const MonitorLimits = {
  maxNameLength: 200,
  /** Heartbeats and HTTP checks alike: more often than this is a load test, not a monitor. */
  minEveryMs: 10_000,
  maxEveryMs: 366 * DAY_MS,
  maxGraceMs: 30 * DAY_MS,
  maxRuntimeMs: 7 * DAY_MS,
  maxFailAfter: 100,
  maxConfirmAfter: 10,
  minTimeoutMs: 1_000,
  maxTimeoutMs: 60_000,
  defaultTimeoutMs: 10_000,
  maxStatusCodes: 50,
  /** Stored per ping; the rest of a longer body is cut off (docs/api.md "Pings"). */
  maxPingBodyBytes: 10 * 1024,
  maxRunIdLength: 128,
} as const;

/** A monitor's settings, as the state machine needs them. */
export interface MonitorConfig {
  type: MonitorType;
  everyMs: number | null;
  cron: string | null;
  timezone: string | null;
  graceMs: number;
  maxRuntimeMs: number | null;
  minRuntimeMs: number | null;
  failAfter: number;
  confirmAfter: number;
}

/** A monitor's mutable state (the columns the evaluator, pings and checks write). */
export interface MonitorState {
  status: MonitorStatus;
  consecutiveFailures: number;
  lastPingAt: Date | null;
  lastStartedAt: Date | null;
  lastRunId: string | null;
  nextDeadlineAt: Date | null;
  deadlineKind: DeadlineKind | null;
}

/** What a step did besides the new state: `down` opens an incident with `cause`, `up` resolves it. */
export type Transition = { kind: 'down'; cause: string } | { kind: 'up' } | null;

export interface Step {
  state: MonitorState;
  transition: Transition;
  /** Set on a success/fail ping that ended a started run: how long the run took. */
  durationMs?: number;
  /** HTTP only: the first failure of a series asks for an immediate re-check. */
  recheck?: boolean;
}

export interface Ping {
  kind: PingKind;
  exitCode?: number;
  runId?: string;
  at: Date;
}

/** When the next ping is expected after one at `at`: `every` later, or the next cron fire in its timezone. */
export function expectedAfter(config: MonitorConfig, at: Date): Date | null {
  if (config.cron) return nextFireAfter({ cron: config.cron, timezone: config.timezone ?? 'UTC' }, at);
  return config.everyMs === null ? null : new Date(at.getTime() + config.everyMs);
}

const isFailureStatus = (status: MonitorStatus) => status === 'down';

/** Down (with an incident) from any other status; `up` only ever follows `down`. */
function transitionTo(before: MonitorStatus, after: MonitorStatus, cause: string): Transition {
  if (after === 'down' && !isFailureStatus(before)) return { kind: 'down', cause };
  if (after !== 'down' && isFailureStatus(before)) return { kind: 'up' };
  return null;
}

function lateDeadline(config: MonitorConfig, at: Date): Pick<MonitorState, 'nextDeadlineAt' | 'deadlineKind'> {
  const expected = expectedAfter(config, at);
  return { nextDeadlineAt: expected, deadlineKind: expected ? 'late' : null };
}

/**
 * A heartbeat ping. `log` only records. `start` opens a run (and a maxRuntime deadline). `success`
 * ends it (a run shorter than minRuntime is a failure); `fail` or a non-zero exit code is a failure,
 * down once `failAfter` failures follow one another. A paused monitor records pings but stays paused.
 */
export function applyPing(config: MonitorConfig, state: MonitorState, ping: Ping): Step {
  if (ping.kind === 'log' || state.status === 'paused') return { state, transition: null };
  if (ping.kind === 'start') {
    const runtime =
      config.maxRuntimeMs === null
        ? {}
        : { nextDeadlineAt: new Date(ping.at.getTime() + config.maxRuntimeMs), deadlineKind: 'runtime' as const };
    return {
      state: { ...state, lastStartedAt: ping.at, lastRunId: ping.runId ?? null, ...runtime },
      transition: null,
    };
  }
  const paired =
    state.lastStartedAt !== null && (ping.runId === undefined || ping.runId === state.lastRunId)
      ? ping.at.getTime() - state.lastStartedAt.getTime()
      : undefined;
  const durationMs = paired !== undefined && paired >= 0 ? paired : undefined;
  const failed =
    ping.kind === 'fail' ||
    (ping.exitCode !== undefined && ping.exitCode !== 0) ||
    (config.minRuntimeMs !== null && durationMs !== undefined && durationMs < config.minRuntimeMs);
  const cause =
    ping.kind === 'fail'
      ? 'fail ping'
      : ping.exitCode !== undefined && ping.exitCode !== 0
        ? `exit code ${ping.exitCode}`
        : `ran ${durationMs}ms, shorter than minRuntime`;
  const base = {
    ...state,
    lastPingAt: ping.at,
    lastStartedAt: paired !== undefined ? null : state.lastStartedAt,
    lastRunId: paired !== undefined ? null : state.lastRunId,
    ...lateDeadline(config, ping.at),
  };
  const withDuration = durationMs === undefined ? {} : { durationMs };
  if (!failed) {
    const next: MonitorState = { ...base, status: 'up', consecutiveFailures: 0 };
    return { state: next, transition: transitionTo(state.status, 'up', ''), ...withDuration };
  }
  const failures = state.consecutiveFailures + 1;
  const down = failures >= config.failAfter;
  const status: MonitorStatus = down ? 'down' : state.status === 'new' || state.status === 'late' ? 'up' : state.status;
  const next: MonitorState = {
    ...base,
    status,
    consecutiveFailures: failures,
    // Down stays down until a success: no further deadline to chase.
    ...(status === 'down' ? { nextDeadlineAt: null, deadlineKind: null } : {}),
  };
  return { state: next, transition: transitionTo(state.status, status, cause), ...withDuration };
}

/**
 * The deadline passed at `now` (the evaluator calls this only when `nextDeadlineAt <= now`). A
 * heartbeat goes late, then down after grace; a run past maxRuntime goes down. HTTP checks are
 * not decided here (the check result is): the caller enqueues one and gets the next due time.
 */
export function applyDeadline(config: MonitorConfig, state: MonitorState, now: Date): Step {
  const at = state.nextDeadlineAt;
  if (at === null || at.getTime() > now.getTime() || state.status === 'paused') return { state, transition: null };
  if (state.deadlineKind === 'check') {
    const next = new Date(now.getTime() + (config.everyMs ?? MonitorLimits.minEveryMs));
    return { state: { ...state, nextDeadlineAt: next, deadlineKind: 'check' }, transition: null };
  }
  if (state.deadlineKind === 'late' && config.graceMs > 0) {
    const late: MonitorState = {
      ...state,
      status: state.status === 'down' ? 'down' : 'late',
      nextDeadlineAt: new Date(at.getTime() + config.graceMs),
      deadlineKind: 'down',
    };
    return { state: late, transition: null };
  }
  const cause =
    state.deadlineKind === 'runtime'
      ? `started, no success within maxRuntime`
      : `no ping${config.graceMs > 0 ? ' within grace' : ''}`;
  const down: MonitorState = { ...state, status: 'down', nextDeadlineAt: null, deadlineKind: null };
  return { state: down, transition: transitionTo(state.status, 'down', cause) };
}

/** An HTTP check's result: down after `confirmAfter` failures in a row, re-checked at once after the first. */
export function applyCheck(config: MonitorConfig, state: MonitorState, ok: boolean, error: string | null): Step {
  if (state.status === 'paused') return { state, transition: null };
  if (ok) {
    const next: MonitorState = { ...state, status: 'up', consecutiveFailures: 0 };
    return { state: next, transition: transitionTo(state.status, 'up', '') };
  }
  const failures = state.consecutiveFailures + 1;
  const down = failures >= config.confirmAfter;
  const status: MonitorStatus = down ? 'down' : state.status === 'new' ? 'new' : state.status;
  const next: MonitorState = { ...state, status, consecutiveFailures: failures };
  const recheck = !down && failures === 1;
  return { state: next, transition: transitionTo(state.status, status, error ?? 'check failed'), recheck };
}

/**
 * Pausing stops every deadline (an open incident stays open: a pause silences, it does not mend).
 * Resuming starts over as `new`, or as `down` when the incident is still open, so the next
 * success closes it with `monitor.up` (heartbeats wait for a ping, HTTP checks at once).
 */
export function applyPause(state: MonitorState): MonitorState {
  return { ...state, status: 'paused', nextDeadlineAt: null, deadlineKind: null, consecutiveFailures: 0 };
}

export function applyResume(config: MonitorConfig, state: MonitorState, now: Date, incidentOpen = false): MonitorState {
  if (state.status !== 'paused') return state;
  return {
    ...state,
    status: incidentOpen ? 'down' : 'new',
    consecutiveFailures: 0,
    lastStartedAt: null,
    lastRunId: null,
    ...(config.type === 'http' ? { nextDeadlineAt: now, deadlineKind: 'check' as const } : initialDeadline()),
  };
}

/** A new heartbeat waits for its first ping before any deadline (it cannot be late for a job not yet set up). */
function initialDeadline(): Pick<MonitorState, 'nextDeadlineAt' | 'deadlineKind'> {
  return { nextDeadlineAt: null, deadlineKind: null };
}

export function initialState(config: MonitorConfig, now: Date): MonitorState {
  return {
    status: 'new',
    consecutiveFailures: 0,
    lastPingAt: null,
    lastStartedAt: null,
    lastRunId: null,
    ...(config.type === 'http' ? { nextDeadlineAt: now, deadlineKind: 'check' as const } : initialDeadline()),
  };
}

/**
 * After a settings change: a heartbeat's deadline is re-planned from its last ping (so a shorter
 * `every` takes effect now); statuses are kept.
 */
export function replan(config: MonitorConfig, state: MonitorState, now: Date): MonitorState {
  if (state.status === 'paused' || state.status === 'down') return state;
  if (config.type === 'http') return { ...state, nextDeadlineAt: now, deadlineKind: 'check' };
  if (state.lastPingAt === null) return { ...state, ...initialDeadline() };
  if (state.deadlineKind === 'runtime') return state;
  return { ...state, status: state.status === 'late' ? 'up' : state.status, ...lateDeadline(config, state.lastPingAt) };
}
