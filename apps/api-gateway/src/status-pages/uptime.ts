import type { DayDowntime } from '@hourglass/db';

export const DAY_MS = 86_400_000;

/** One bar: a UTC day and its uptime in percent, null when the monitor did not exist yet (no data). */
export interface DayUptime {
  date: string;
  uptime: number | null;
}

export const startOfUtcDay = (at: Date): Date => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);

/** The first instant of the `days`-day window ending today (today counts, up to `now`). */
export const windowStart = (now: Date, days: number): Date =>
  new Date(startOfUtcDay(now).getTime() - (days - 1) * DAY_MS);

/**
 * Percent, rounded down to two decimals so that any downtime never shows as 100 (a 1-second
 * incident in a 90-day window is 99.99, not 100.00).
 */
export const percent = (up: number, total: number): number =>
  total <= 0 ? 100 : Math.floor((Math.max(0, Math.min(up, total)) / total) * 10_000) / 100;

/**
 * Uptime per UTC day for one monitor over the `days` days ending today: the part of each day since
 * the monitor was created (and before `now`) not covered by an incident. Incidents are the only
 * downtime; a day before the monitor existed has no data.
 */
export function dailyUptime(createdAt: Date, downs: DayDowntime[], now: Date, days: number): DayUptime[] {
  const downByDay = new Map(downs.map((d) => [d.day.getTime(), d.downMs]));
  const first = windowStart(now, days).getTime();
  return Array.from({ length: days }, (_, i) => {
    const day = first + i * DAY_MS;
    const from = Math.max(day, createdAt.getTime());
    const to = Math.min(day + DAY_MS, now.getTime());
    const date = new Date(day).toISOString().slice(0, 10);
    if (to <= from) return { date, uptime: null };
    return { date, uptime: percent(to - from - (downByDay.get(day) ?? 0), to - from) };
  });
}

/** Uptime over [from, now] of a monitor created at `createdAt`, from its clipped per-day downtime. */
export function uptimeSince(createdAt: Date, downs: DayDowntime[], from: Date, now: Date): number {
  const start = Math.max(from.getTime(), createdAt.getTime());
  const total = now.getTime() - start;
  return percent(total - downs.reduce((sum, d) => sum + d.downMs, 0), total);
}
