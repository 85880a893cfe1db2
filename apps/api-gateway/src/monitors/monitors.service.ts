import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  AuditTrail,
  Channel,
  MonitorRepository,
  type MonitorRow,
  newId,
  notify,
  type NotifyOverride,
  queryRows,
  ScheduleRepository,
} from '@hourglass/db';
import {
  type Actor,
  AppError,
  applyPause,
  applyResume,
  ErrorCode,
  initialState,
  type MonitorState,
  planFor,
  replan,
} from '@hourglass/domain';
import { APP_CONFIG } from '@hourglass/platform';
import type { ApiGatewayConfig } from '../config.js';
import { entry } from '../audit/audit-entries.js';
import { DEFAULT_PAGE_SIZE, type PageQuery } from '../tasks/tasks-query.dto.js';
import type { CreateMonitorDto, UpdateMonitorDto } from './monitors.dto.js';
import { type MonitorSettings, settingsOf } from './monitor-settings.js';
import {
  type Monitor,
  type MonitorCheckPage,
  type MonitorIncidentPage,
  type MonitorPage,
  type MonitorPingPage,
  toCheckResponse,
  toIncidentResponse,
  toMonitorResponse,
  toPingResponse,
} from './monitors.responses.js';

/** What an audit entry shows: settings, never the request (it may carry credentials) or the tokens. */
const AUDITED = [
  'name',
  'type',
  'status',
  'every',
  'cron',
  'timezone',
  'grace',
  'maxRuntime',
  'minRuntime',
  'failAfter',
  'confirmAfter',
  'expect',
  'notify',
  'labels',
] as const;

/** 18 random bytes (144 bits): the token is the only credential of `/ping/<token>`. */
export const newPingToken = () => randomBytes(18).toString('base64url');
export const pingTokenHash = (token: string) => createHash('sha256').update(token).digest();
const newBadgeToken = () => randomBytes(16).toString('base64url');

@Injectable()
export class MonitorsService {
  private readonly publicBase: string;

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(MonitorRepository) private readonly monitors: MonitorRepository,
    @Inject(ScheduleRepository) private readonly schedules: ScheduleRepository,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
    @Inject(APP_CONFIG) private readonly config: ApiGatewayConfig,
  ) {
    this.publicBase = (config.http.publicUrl ?? `http://localhost:${config.http.port}`).replace(/\/+$/, '');
  }

  async create(orgId: string, actor: Actor, dto: CreateMonitorDto): Promise<Monitor> {
    const settings = settingsOf(dto, dto.type, null);
    const now = new Date();
    const row = await this.db.transaction(async (em) => {
      // The org row stays locked until commit: concurrent creates for one org count one after another.
      const planName = await this.schedules.lockOrgPlan(orgId, em);
      if (planName === null) throw new AppError(ErrorCode.ORG_NOT_FOUND, `No organization ${orgId}`);
      const plan = planFor(this.config.plans, planName);
      const max = plan.maxMonitors ?? plan.maxSchedules;
      if (await this.monitors.hasAtLeast(orgId, max, em))
        throw new AppError(ErrorCode.QUOTA_EXCEEDED, `The "${planName}" plan allows ${max} monitors`);
      await this.assertChannels(orgId, settings.notify, em);
      const token = settings.type === 'heartbeat' ? newPingToken() : null;
      const written = await this.monitors.insert(
        {
          id: newId(),
          orgId,
          ...settings,
          ...initialState(settings, now),
          pingToken: token,
          pingTokenHash: token === null ? null : pingTokenHash(token),
          badgeToken: newBadgeToken(),
        },
        em,
      );
      await this.record(em, actor, 'created', null, written);
      return written;
    });
    return this.view(row);
  }

  async list(orgId: string, query: PageQuery): Promise<MonitorPage> {
    const page = await this.monitors.list(orgId, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return { data: page.data.map((row) => this.view(row)), nextCursor: page.nextCursor };
  }

  async get(orgId: string, id: string): Promise<Monitor> {
    return this.view(await this.findOrThrow(orgId, id));
  }

  /** A settings change re-plans the deadline from the last ping; the status is kept. */
  update(orgId: string, actor: Actor, id: string, dto: UpdateMonitorDto): Promise<Monitor> {
    return this.change(orgId, actor, id, 'updated', async (current, now, em) => {
      const settings: MonitorSettings = settingsOf(dto, current.type, current);
      await this.assertChannels(orgId, dto.notify ?? null, em);
      return { ...settings, ...stateOf(replan(settings, current, now)) };
    });
  }

  pause(orgId: string, actor: Actor, id: string): Promise<Monitor> {
    return this.change(orgId, actor, id, 'paused', async (current) =>
      current.status === 'paused' ? null : stateOf(applyPause(current)),
    );
  }

  resume(orgId: string, actor: Actor, id: string): Promise<Monitor> {
    return this.change(orgId, actor, id, 'resumed', async (current, now, em) =>
      current.status === 'paused'
        ? stateOf(applyResume(current, current, now, await this.monitors.hasOpenIncident(current.id, em)))
        : null,
    );
  }

  async delete(orgId: string, actor: Actor, id: string): Promise<void> {
    const deleted = await this.db.transaction(async (em) => {
      const gone = await this.monitors.delete(orgId, id, em);
      if (gone) {
        await this.audit.record(em, [entry(actor, orgId, 'monitor.deleted', id, null, null)]);
        await notify(em, Channel.MonitorsChanged, id);
      }
      return gone;
    });
    if (!deleted) throw notFound(id);
  }

  async pings(orgId: string, id: string, query: PageQuery): Promise<MonitorPingPage> {
    await this.findOrThrow(orgId, id);
    const page = await this.monitors.listPings(orgId, id, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return { data: page.data.map(toPingResponse), nextCursor: page.nextCursor };
  }

  async checks(orgId: string, id: string, query: PageQuery): Promise<MonitorCheckPage> {
    await this.findOrThrow(orgId, id);
    const page = await this.monitors.listChecks(orgId, id, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return { data: page.data.map(toCheckResponse), nextCursor: page.nextCursor };
  }

  async incidents(orgId: string, id: string, query: PageQuery): Promise<MonitorIncidentPage> {
    await this.findOrThrow(orgId, id);
    const page = await this.monitors.listIncidents(orgId, id, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return { data: page.data.map(toIncidentResponse), nextCursor: page.nextCursor };
  }

  private view(row: MonitorRow): Monitor {
    return toMonitorResponse(row, this.publicBase);
  }

  /** Another org's monitor, or a malformed id, is 404 like a missing one. */
  private async findOrThrow(orgId: string, id: string): Promise<MonitorRow> {
    const row = await this.monitors.find(orgId, id);
    if (!row) throw notFound(id);
    return row;
  }

  /**
   * One change under the row lock, audited, announced on MonitorsChanged (the leader re-plans).
   * `apply` returns the fields to write, or null when nothing changes (then nothing is recorded).
   */
  private async change(
    orgId: string,
    actor: Actor,
    id: string,
    verb: string,
    apply: (
      current: MonitorRow,
      now: Date,
      em: EntityManager,
    ) => Promise<(Partial<MonitorSettings> & Partial<MonitorState>) | null>,
  ): Promise<Monitor> {
    const row = await this.db.transaction(async (em) => {
      const current = await this.monitors.find(orgId, id, em, true);
      if (!current) throw notFound(id);
      const now = new Date();
      const patch = await apply(current, now, em);
      if (patch === null) return current;
      const updated = (await this.monitors.update(orgId, id, patch, em))!;
      await this.record(em, actor, verb, current, updated);
      return updated;
    });
    return this.view(row);
  }

  private async record(
    em: EntityManager,
    actor: Actor,
    verb: string,
    before: MonitorRow | null,
    after: MonitorRow,
  ): Promise<void> {
    const view = (row: MonitorRow | null) => row && this.view(row);
    await this.audit.record(em, [
      entry(actor, after.orgId, `monitor.${verb}`, after.id, view(before), view(after), AUDITED),
    ]);
    await notify(em, Channel.MonitorsChanged, after.id);
  }

  /** Channels named in `notify` must be the org's own (another org's id reads as unknown). */
  private async assertChannels(orgId: string, override: NotifyOverride, em: EntityManager): Promise<void> {
    if (override === null || override === 'none') return;
    const ids = [...new Set(override.channelIds)];
    const found = await queryRows<{ id: string }>(
      em,
      'SELECT id FROM notification_channels WHERE org_id = $1 AND id = ANY($2::uuid[])',
      [orgId, ids],
    );
    const known = new Set(found.map((r) => r.id));
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length > 0)
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'The monitor is not valid', [
        { field: 'notify.channelIds', message: `no channel ${missing[0]} in this organization` },
      ]);
  }
}

/** Only the state columns of a state machine result (it spreads the whole row it was given). */
const stateOf = (s: MonitorState): MonitorState => ({
  status: s.status,
  consecutiveFailures: s.consecutiveFailures,
  lastPingAt: s.lastPingAt,
  lastStartedAt: s.lastStartedAt,
  lastRunId: s.lastRunId,
  nextDeadlineAt: s.nextDeadlineAt,
  deadlineKind: s.deadlineKind,
});

const notFound = (id: string) =>
  new AppError(ErrorCode.MONITOR_NOT_FOUND, `No monitor ${id.slice(0, 100)} in this organization`);
