import { newId, type NewSchedule, type NewTask, type ScheduleChanges, type ScheduleEntity } from '@hourglass/db';
import {
  AppError,
  ErrorCode,
  formatDuration,
  initialStatus,
  nextFireAfter,
  parseDuration,
  type Plan,
  type ScheduleTiming,
  shortestIntervalMs,
  TaskLimits,
} from '@hourglass/domain';
import type { CreateScheduleDto, UpdateScheduleDto } from './schedules.dto.js';
import { notifyOverrideOf } from '../notify-override/notify-override.js';

/** Schedules default to one attempt: the next occurrence is the retry. */
export const DEFAULT_SCHEDULE_ATTEMPTS = 1;

type TimingColumns = Pick<ScheduleEntity, 'cron' | 'intervalMs' | 'timezone' | 'createdAt'>;

/** An interval counts from the schedule's creation, so its fire times do not drift with edits or restarts. */
export function timingOf(s: TimingColumns): ScheduleTiming {
  return s.cron !== null ? { cron: s.cron, timezone: s.timezone } : { intervalMs: s.intervalMs!, anchor: s.createdAt };
}

/** When it next fires (none while paused) and how often it fires at most, both from one reading of the clock. */
function timingState(
  timing: ScheduleTiming,
  enabled: boolean,
  now: Date,
): Pick<ScheduleEntity, 'nextRunAt' | 'shortestIntervalMs'> {
  const shortest = shortestIntervalMs(timing, now);
  return {
    nextRunAt: enabled ? nextFireAfter(timing, now) : null,
    shortestIntervalMs: Number.isFinite(shortest) ? shortest : Number.MAX_SAFE_INTEGER,
  };
}

export function newSchedule(orgId: string, dto: CreateScheduleDto, now: Date): NewSchedule {
  const timing = {
    cron: dto.cron ?? null,
    intervalMs: dto.interval ? parseDuration(dto.interval)! : null,
    timezone: dto.timezone ?? 'UTC',
    createdAt: now,
  };
  return {
    id: newId(),
    orgId,
    name: dto.name,
    ...timing,
    ...requestColumns(dto.request),
    timeoutMs: dto.timeoutMs ?? TaskLimits.defaultTimeoutMs,
    maxAttempts: dto.retry?.maxAttempts ?? DEFAULT_SCHEDULE_ATTEMPTS,
    labels: dto.labels ?? {},
    priority: dto.priority ?? TaskLimits.defaultPriority,
    missedRuns: dto.missedRuns ?? 'skip',
    overlap: dto.overlap ?? 'allow',
    notify: notifyOverrideOf(dto.notify),
    enabled: true,
    ...timingState(timingOf(timing), true, now),
    version: 1,
    updatedAt: now,
  };
}

/** The columns a PATCH changes; timing columns (and next_run_at) only when cron, interval or timezone is given. */
export function scheduleChanges(current: ScheduleEntity, dto: UpdateScheduleDto, now: Date): ScheduleChanges {
  const changes: ScheduleChanges = {
    name: dto.name,
    timeoutMs: dto.timeoutMs,
    maxAttempts: dto.retry?.maxAttempts,
    labels: dto.labels,
    priority: dto.priority,
    missedRuns: dto.missedRuns,
    overlap: dto.overlap,
    notify: dto.notify !== undefined ? notifyOverrideOf(dto.notify) : undefined,
    ...(dto.request ? requestColumns(dto.request) : {}),
  };
  if (dto.cron !== undefined || dto.interval !== undefined || dto.timezone !== undefined) {
    const timing: TimingColumns = {
      cron: dto.interval !== undefined ? null : (dto.cron ?? current.cron),
      intervalMs:
        dto.interval !== undefined ? parseDuration(dto.interval)! : dto.cron !== undefined ? null : current.intervalMs,
      timezone: dto.timezone ?? current.timezone,
      createdAt: current.createdAt,
    };
    Object.assign(
      changes,
      { cron: timing.cron, intervalMs: timing.intervalMs, timezone: timing.timezone },
      timingState(timingOf(timing), current.enabled, now),
    );
  }
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
}

/** Pausing clears next_run_at; resuming plans from now, so the paused period is not "missed". */
export function enabledChanges(current: ScheduleEntity, enabled: boolean, now: Date): ScheduleChanges {
  return { enabled, nextRunAt: enabled ? nextFireAfter(timingOf(current), now) : null };
}

/** 400 on the timing field when the schedule fires more often than the org's plan allows. */
export function assertPlanAllows(
  plan: Plan,
  planName: string,
  s: Pick<ScheduleEntity, 'cron' | 'shortestIntervalMs'>,
): void {
  if (s.shortestIntervalMs >= plan.minScheduleIntervalMs) return;
  const message = `fires every ${formatDuration(s.shortestIntervalMs)}; the "${planName}" plan allows at most one run every ${formatDuration(plan.minScheduleIntervalMs)}`;
  throw new AppError(ErrorCode.VALIDATION_FAILED, 'The schedule fires too often for the plan', [
    { field: s.cron !== null ? 'cron' : 'interval', message },
  ]);
}

/** A manual run: a task carrying the schedule's template, due now, with no occurrence (fireAt null). */
export function manualTask(s: ScheduleEntity, traceParent: string, now: Date): NewTask {
  return {
    id: newId(),
    orgId: s.orgId,
    status: initialStatus(now, now),
    url: s.url,
    method: s.method,
    headers: s.headers,
    body: s.body,
    timeoutMs: s.timeoutMs,
    runAt: now,
    maxAttempts: s.maxAttempts,
    labels: s.labels,
    priority: s.priority,
    queue: null,
    callbackUrl: null,
    scheduleId: s.id,
    fireAt: null,
    traceParent,
    // A manual run is no occurrence: its failure is a task.failed, heard where the schedule's are.
    notify: s.notify,
  };
}

function requestColumns(
  request: CreateScheduleDto['request'],
): Pick<ScheduleEntity, 'url' | 'method' | 'headers' | 'body'> {
  return {
    url: request.url,
    method: request.method ?? 'POST',
    headers: request.headers ?? {},
    body: request.body ?? null,
  };
}
