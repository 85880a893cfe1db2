import { cronError, formatDuration, isValidTimezone, parseDuration, ScheduleLimits } from '@hourglass/domain';
import { constraint } from '../tasks/task.validators.js';

/** The floor for any plan: a schedule fires at most once a second. */
export const MIN_INTERVAL_MS = ScheduleLimits.minIntervalMs;

/**
 * Syntax only (in UTC): the message is croner's reason. The timezone is checked on its own field.
 * cronError checks the length (256) before croner parses anything, whatever order the decorators run in.
 */
export const IsCron = () =>
  constraint('isCron', (v) => (typeof v === 'string' ? cronError(v) : 'must be a cron expression'));

export const IsTimezone = () =>
  constraint('isTimezone', (v) =>
    typeof v === 'string' && v.length > ScheduleLimits.maxTimezoneLength
      ? `must be at most ${ScheduleLimits.maxTimezoneLength} characters`
      : typeof v === 'string' && isValidTimezone(v)
        ? undefined
        : 'must be an IANA timezone like "Europe/Amsterdam"',
  );

export const MinDuration = (minMs: number) =>
  constraint('minDuration', (v) => {
    const ms = typeof v === 'string' ? parseDuration(v) : undefined;
    return ms !== undefined && ms < minMs ? `must be at least ${formatDuration(minMs)}` : undefined;
  });
