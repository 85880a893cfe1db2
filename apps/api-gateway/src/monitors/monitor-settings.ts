import {
  AppError,
  cronError,
  ErrorCode,
  type FieldError,
  type MonitorConfig,
  MonitorLimits,
  type MonitorType,
  parseDuration,
} from '@hourglass/domain';
import type { MonitorExpect, MonitorRequest, MonitorRow, NotifyOverride } from '@hourglass/db';
import { notifyOverrideOf } from '../notify-override/notify-override.js';
import type { CreateMonitorDto, UpdateMonitorDto } from './monitors.dto.js';

/** A monitor's settings: what create writes, and what an update writes when any of it changed. */
export type MonitorSettings = MonitorConfig & {
  name: string;
  request: MonitorRequest | null;
  expect: MonitorExpect | null;
  labels: Record<string, string>;
  notify: NotifyOverride;
};

const HEARTBEAT_ONLY = ['cron', 'timezone', 'grace', 'maxRuntime', 'minRuntime', 'failAfter'] as const;
const HTTP_ONLY = ['request', 'expect', 'confirmAfter'] as const;

const ms = (text: string | undefined) => (text === undefined ? undefined : parseDuration(text)!);

/**
 * The settings a create (current null) or an update produces, checked as a whole: fields of the
 * other type, a heartbeat with neither `every` nor `cron`, a cron that never fires in its timezone,
 * minRuntime not below maxRuntime. Throws 400 VALIDATION_FAILED naming each field.
 */
export function settingsOf(
  dto: CreateMonitorDto | UpdateMonitorDto,
  type: MonitorType,
  current: MonitorRow | null,
): MonitorSettings {
  const errors: FieldError[] = [];
  const d = dto as Partial<CreateMonitorDto>;
  for (const field of type === 'http' ? HEARTBEAT_ONLY : HTTP_ONLY)
    if (d[field] !== undefined)
      errors.push({ field, message: `only applies to ${type === 'http' ? 'heartbeat' : 'http'} monitors` });
  // Giving cron drops every and vice versa (as schedules do).
  const everyMs = d.every !== undefined ? ms(d.every)! : d.cron !== undefined ? null : (current?.everyMs ?? null);
  const cron = d.cron ?? (d.every !== undefined ? null : (current?.cron ?? null));
  const timezone = cron === null ? null : (d.timezone ?? current?.timezone ?? 'UTC');
  if (d.timezone !== undefined && cron === null && type === 'heartbeat')
    errors.push({ field: 'timezone', message: 'only applies with cron' });
  if (type === 'heartbeat' && everyMs === null && cron === null)
    errors.push({ field: 'every', message: 'either every or cron is required' });
  if (type === 'http' && everyMs === null) errors.push({ field: 'every', message: 'is required for http monitors' });
  if (cron !== null && timezone !== null && (d.cron !== undefined || d.timezone !== undefined)) {
    const problem = cronError(cron, timezone);
    if (problem) errors.push({ field: 'cron', message: problem });
  }
  const maxRuntimeMs = ms(d.maxRuntime) ?? current?.maxRuntimeMs ?? null;
  const minRuntimeMs = ms(d.minRuntime) ?? current?.minRuntimeMs ?? null;
  if (maxRuntimeMs !== null && minRuntimeMs !== null && minRuntimeMs >= maxRuntimeMs)
    errors.push({ field: 'minRuntime', message: 'must be shorter than maxRuntime' });
  const request: MonitorRequest | null =
    type === 'http'
      ? d.request
        ? {
            url: d.request.url,
            method: d.request.method ?? 'GET',
            headers: d.request.headers ?? {},
            body: d.request.body ?? null,
            timeoutMs: d.request.timeoutMs ?? MonitorLimits.defaultTimeoutMs,
          }
        : (current?.request ?? null)
      : null;
  if (type === 'http' && request === null) errors.push({ field: 'request', message: 'is required for http monitors' });
  if (errors.length > 0) throw new AppError(ErrorCode.VALIDATION_FAILED, 'The monitor is not valid', errors);
  return {
    type,
    name: d.name ?? current!.name,
    everyMs,
    cron,
    timezone,
    graceMs: ms(d.grace) ?? current?.graceMs ?? 0,
    maxRuntimeMs,
    minRuntimeMs,
    failAfter: d.failAfter ?? current?.failAfter ?? 1,
    confirmAfter: d.confirmAfter ?? current?.confirmAfter ?? 1,
    request,
    expect:
      type === 'http'
        ? d.expect
          ? { statusCodes: d.expect.statusCodes ?? [], bodyPattern: d.expect.bodyPattern ?? null }
          : (current?.expect ?? { statusCodes: [], bodyPattern: null })
        : null,
    labels: d.labels ?? current?.labels ?? {},
    notify: d.notify === undefined ? (current?.notify ?? null) : notifyOverrideOf(d.notify),
  };
}
