import { Inject, Injectable } from '@nestjs/common';
import { StatusPageRepository } from '@hourglass/db';
import { AppError, ErrorCode, type MonitorStatus } from '@hourglass/domain';
import { SLUG_PATTERN } from './status-pages.dto.js';
import { DAY_MS, dailyUptime, type DayUptime, uptimeSince, windowStart } from './uptime.js';

export const PAGE_DAYS = 90;
const RECENT_INCIDENTS = 20;
/** Badge token: the monitors service mints base64url/hex tokens; anything else is not looked up. */
const BADGE_TOKEN = /^[\w-]{8,128}$/;

/**
 * A page or badge is computed at most once per this long per replica, however often it is asked
 * for (the routes are public and unthrottled); under the Cache-Control max-age, so no client sees
 * it staler than it allows.
 */
export const COMPUTE_CACHE_MS = 5_000;
const CACHE_ENTRIES = 1_000;

export type OverallState = 'up' | 'degraded' | 'down' | 'unknown';

export interface PublicMonitorView {
  name: string;
  status: MonitorStatus;
  /** Percent over the page's 90 days (since the monitor was created, if later). */
  uptime: number;
  days: DayUptime[];
}

export interface PublicIncidentView {
  monitor: string;
  startedAt: string;
  resolvedAt: string | null;
  cause: string;
  durationMs: number;
}

/** What /status/{slug} shows, and /status/{slug}.json is. Nothing in it identifies the org or a monitor's id. */
export interface PublicStatus {
  slug: string;
  title: string;
  status: OverallState;
  generatedAt: string;
  monitors: PublicMonitorView[];
  incidents: PublicIncidentView[];
}

export interface Badge {
  label: string;
  message: string;
  color: BadgeColor;
}

export type BadgeColor = 'brightgreen' | 'green' | 'yellow' | 'orange' | 'red' | 'lightgrey' | 'blue';

/** Badge periods for `?period=`: the uptime over that long instead of the state. */
export const BADGE_PERIODS: Record<string, number> = {
  '24h': DAY_MS,
  '7d': 7 * DAY_MS,
  '30d': 30 * DAY_MS,
  '90d': 90 * DAY_MS,
};

const STATE_COLORS: Record<MonitorStatus, BadgeColor> = {
  up: 'brightgreen',
  late: 'yellow',
  down: 'red',
  new: 'lightgrey',
  paused: 'blue',
};

export function uptimeColor(uptime: number): BadgeColor {
  if (uptime >= 99.9) return 'brightgreen';
  if (uptime >= 99) return 'green';
  if (uptime >= 95) return 'yellow';
  if (uptime >= 90) return 'orange';
  return 'red';
}

/** Any monitor down: down; any late: degraded; any up: up; only new or paused ones (or none): unknown. */
export function overallOf(states: MonitorStatus[]): OverallState {
  if (states.includes('down')) return 'down';
  if (states.includes('late')) return 'degraded';
  return states.includes('up') ? 'up' : 'unknown';
}

/**
 * Incident causes as the state machine and the checks write them. Anything else (a network error's
 * text can name an internal host or address) shows publicly as "check failed".
 */
const PUBLIC_CAUSES = [
  /^no ping( within grace)?$/,
  /^fail ping$/,
  /^exit code \d{1,3}$/,
  /^ran \d+ms, shorter than minRuntime$/,
  /^started, no success within maxRuntime$/,
  /^status \d{3}$/,
  /^[a-z][a-z ]{0,40}$/,
];

export const publicCause = (cause: string): string =>
  PUBLIC_CAUSES.some((pattern) => pattern.test(cause)) ? cause : 'check failed';

export const formatPercent = (uptime: number): string => `${uptime.toFixed(2).replace(/\.?0+$/, '')}%`;

/** The public reads (docs/decisions/0023): two queries per page, one or two per badge. */
@Injectable()
export class PublicStatusService {
  /** Answers being or recently computed (single flight): failures are not kept. */
  private readonly recent = new Map<string, { until: number; answer: Promise<unknown> }>();

  constructor(@Inject(StatusPageRepository) private readonly pages: StatusPageRepository) {}

  page(slug: string): Promise<PublicStatus> {
    return this.cached(`page:${slug}`, () => this.computePage(slug, new Date()));
  }

  badge(token: string, period: string | undefined, label: string | undefined): Promise<Badge> {
    return this.cached(`badge:${token}:${period ?? ''}:${label ?? ''}`, () =>
      this.computeBadge(token, period, label, new Date()),
    );
  }

  private cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.recent.get(key);
    if (hit && hit.until > now) return hit.answer as Promise<T>;
    const answer = compute();
    this.recent.delete(key);
    if (this.recent.size >= CACHE_ENTRIES) this.recent.delete(this.recent.keys().next().value!);
    const entry = { until: now + COMPUTE_CACHE_MS, answer };
    this.recent.set(key, entry);
    answer.catch(() => {
      if (this.recent.get(key) === entry) this.recent.delete(key);
    });
    return answer;
  }

  private async computePage(slug: string, now: Date): Promise<PublicStatus> {
    const found = SLUG_PATTERN.test(slug) ? await this.pages.publicPage(slug) : null;
    if (!found) throw new AppError(ErrorCode.STATUS_PAGE_NOT_FOUND, 'No status page has this address');
    const { page, monitors } = found;
    const from = windowStart(now, PAGE_DAYS);
    const { days, incidents } = await this.pages.uptime(
      monitors.map((m) => m.id),
      from,
      now,
      RECENT_INCIDENTS,
    );
    const names = new Map(monitors.map((m) => [m.id, m.name]));
    return {
      slug: page.slug,
      title: page.title,
      status: overallOf(monitors.map((m) => m.status)),
      generatedAt: now.toISOString(),
      monitors: monitors.map((m) => {
        const own = days.filter((d) => d.monitorId === m.id);
        return {
          name: m.name,
          status: m.status,
          uptime: uptimeSince(m.createdAt, own, from, now),
          days: dailyUptime(m.createdAt, own, now, PAGE_DAYS),
        };
      }),
      incidents: incidents.map((i) => ({
        monitor: names.get(i.monitorId) ?? '',
        startedAt: i.startedAt.toISOString(),
        resolvedAt: i.resolvedAt?.toISOString() ?? null,
        cause: publicCause(i.cause),
        durationMs: (i.resolvedAt ?? now).getTime() - i.startedAt.getTime(),
      })),
    };
  }

  /** The state, or with a period the uptime over it; the label is the monitor's name unless given. */
  private async computeBadge(
    token: string,
    period: string | undefined,
    label: string | undefined,
    now: Date,
  ): Promise<Badge> {
    const monitor = BADGE_TOKEN.test(token) ? await this.pages.badgeMonitor(token) : null;
    if (!monitor) throw new AppError(ErrorCode.BADGE_NOT_FOUND, 'No badge has this address');
    const title = label ?? monitor.name;
    if (period === undefined) return { label: title, message: monitor.status, color: STATE_COLORS[monitor.status] };
    const from = new Date(now.getTime() - BADGE_PERIODS[period]!);
    const { days } = await this.pages.uptime([monitor.id], from, now, 0);
    const uptime = uptimeSince(monitor.createdAt, days, from, now);
    return { label: title, message: formatPercent(uptime), color: uptimeColor(uptime) };
  }
}
