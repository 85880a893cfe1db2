import { Cron } from 'croner';
import { ScheduleLimits } from './task-limits.js';

/** When a schedule fires: a cron expression in an IANA timezone, or a fixed interval from an anchor. */
export type ScheduleTiming = { cron: string; timezone: string } | { intervalMs: number; anchor: Date };

const CRON_OPTIONS = { paused: true, mode: '5-or-6-parts' as const };

export function isValidTimezone(timezone: string): boolean {
  if (timezone.length === 0 || timezone.length > ScheduleLimits.maxTimezoneLength) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** A reason the expression is unusable, or undefined when it is fine (5 fields, 6 with seconds, or `@hourly`-style). */
export function cronError(cron: string, timezone = 'UTC'): string | undefined {
  // Checked before croner sees it: parsing and searching a long expression can hold the event loop for seconds.
  if (cron.length > ScheduleLimits.maxCronLength) return `must be at most ${ScheduleLimits.maxCronLength} characters`;
  if (!isValidTimezone(timezone)) return `unknown IANA timezone "${timezone}"`;
  try {
    const job = new Cron(cron, { ...CRON_OPTIONS, timezone });
    return job.nextRun() ? undefined : 'never fires';
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '');
  }
}

/** The first fire time strictly after `after` (croner: DST gaps fire at the next valid time, repeats once). */
export function nextFireAfter(timing: ScheduleTiming, after: Date): Date | null {
  if ('cron' in timing) return new Cron(timing.cron, { ...CRON_OPTIONS, timezone: timing.timezone }).nextRun(after);
  const elapsed = after.getTime() - timing.anchor.getTime();
  const steps = elapsed < 0 ? 0 : Math.floor(elapsed / timing.intervalMs) + 1;
  return new Date(timing.anchor.getTime() + steps * timing.intervalMs);
}

/** `nextFireAfter` for many cursors, with a cron expression parsed once. */
function fireTimeAfter(timing: ScheduleTiming): (from: Date) => Date | null {
  if (!('cron' in timing)) return (from) => nextFireAfter(timing, from);
  const job = new Cron(timing.cron, { ...CRON_OPTIONS, timezone: timing.timezone });
  return (from) => job.nextRun(from);
}

/**
 * Up to `count` fire times strictly after `after`, and none later than `horizonMs` after it. The
 * expression is parsed once for all of them.
 */
export function nextFireTimes(
  timing: ScheduleTiming,
  after: Date,
  count: number,
  horizonMs = Number.POSITIVE_INFINITY,
): Date[] {
  const next = fireTimeAfter(timing);
  const until = after.getTime() + horizonMs;
  const times: Date[] = [];
  let cursor: Date | null = after;
  while (times.length < count && (cursor = next(cursor)) && cursor.getTime() <= until) times.push(cursor);
  return times;
}

/**
 * The shortest gap between consecutive fire times over the next `sample` runs: what "a minute cron"
 * or "a daily cron" means for the plan's minimum interval and for dispatch priority.
 */
export function shortestIntervalMs(timing: ScheduleTiming, from: Date, sample = 50): number {
  if ('intervalMs' in timing) return timing.intervalMs;
  const times = nextFireTimes(timing, from, sample);
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, times[i]!.getTime() - times[i - 1]!.getTime());
  return shortest;
}
