import { Cron } from 'croner';
import { nextFireAfter, type ScheduleTiming } from '@hourglass/domain';

/** The timing of a claimed row. An interval is anchored at next_run_at, which lies on its grid. */
export function timingOf(row: {
  cron: string | null;
  timezone: string;
  intervalMs: number | null;
  nextRunAt: Date;
}): ScheduleTiming {
  return row.cron !== null
    ? { cron: row.cron, timezone: row.timezone }
    : { intervalMs: row.intervalMs!, anchor: row.nextRunAt };
}

/**
 * `nextFireAfter`, memoised for one tick: a thousand schedules on the same cron due in the same
 * second need one croner evaluation, not a thousand (each costs tens of microseconds).
 */
export class FireTimes {
  private readonly memo = new Map<string, Date | null>();

  next(timing: ScheduleTiming, after: Date): Date | null {
    if ('intervalMs' in timing) return nextFireAfter(timing, after);
    const key = `${timing.timezone}|${timing.cron}|${after.getTime()}`;
    if (!this.memo.has(key)) this.memo.set(key, nextFireAfter(timing, after));
    return this.memo.get(key)!;
  }
}

/** Due occurrences of one schedule: the newest `limit` in full, anything older as one counted gap. */
export interface DueOccurrences {
  /** Due fire times (≤ now), oldest first. */
  due: Date[];
  /** Occurrences older than `due[0]` that were not enumerated: from `fireAt` on, `count` of them. */
  gap: { fireAt: Date; count: number } | null;
  /** The first fire time after now (the next next_run_at), null when the schedule never fires again. */
  next: Date | null;
}

/** Croner options as libs/domain's schedule-timing uses them (same pattern modes, same timezone rules). */
const CRON_OPTIONS = { paused: true, mode: '5-or-6-parts' as const };
/** Past this many steps a cron gap's size is extrapolated from its average spacing so far. */
const COUNT_BUDGET = 10_000;

/**
 * Enumerates from `nextRunAt` (itself due) up to `now`, at most `limit` times. After a long
 * downtime (86,400 occurrences of a per-second schedule in a day) the newest `limit` are taken
 * backwards from now instead, and everything before them becomes one counted gap.
 */
export function dueOccurrences(
  timing: ScheduleTiming,
  nextRunAt: Date,
  now: Date,
  limit: number,
  times = new FireTimes(),
): DueOccurrences {
  const due = [nextRunAt];
  let next = times.next(timing, nextRunAt);
  while (next && next <= now && due.length < limit) {
    due.push(next);
    next = times.next(timing, next);
  }
  if (!next || next > now) return { due, gap: null, next };
  const tail = newestUpTo(timing, now, limit);
  const older = due.filter((d) => d < tail[0]!);
  const count =
    older.length === due.length
      ? due.length + countBetween(timing, due[due.length - 1]!, tail[0]!, times)
      : older.length;
  return { due: tail, gap: { fireAt: nextRunAt, count }, next: times.next(timing, now) };
}

/** The newest `n` fire times at or before `now`, oldest first. */
function newestUpTo(timing: ScheduleTiming, now: Date, n: number): Date[] {
  if ('intervalMs' in timing) {
    const last =
      timing.anchor.getTime() +
      Math.floor((now.getTime() - timing.anchor.getTime()) / timing.intervalMs) * timing.intervalMs;
    return Array.from({ length: n }, (_, i) => new Date(last - (n - 1 - i) * timing.intervalMs));
  }
  // previousRuns excludes the reference itself but includes runs earlier in its second.
  const job = new Cron(timing.cron, { ...CRON_OPTIONS, timezone: timing.timezone });
  return job.previousRuns(n, new Date(now.getTime() + 1)).reverse();
}

/** How many fire times lie strictly between `from` and `to` (both fire times). */
function countBetween(timing: ScheduleTiming, from: Date, to: Date, times: FireTimes): number {
  if ('intervalMs' in timing) return Math.round((to.getTime() - from.getTime()) / timing.intervalMs) - 1;
  let count = 0;
  let cursor = times.next(timing, from);
  while (cursor && cursor < to && count < COUNT_BUDGET) {
    count++;
    cursor = nextFireAfter(timing, cursor);
  }
  if (!cursor || cursor >= to) return count;
  const spacing = (cursor.getTime() - from.getTime()) / (count + 1);
  return count + Math.round((to.getTime() - cursor.getTime()) / spacing);
}
