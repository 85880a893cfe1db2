import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { PgBoss } from 'pg-boss';
import {
  AuditTrail,
  Channel,
  isUuid,
  newId,
  notify,
  type Page,
  type ScheduleChanges,
  type ScheduleEntity,
  ScheduleRepository,
  unprepareOccurrences,
} from '@hourglass/db';
import { type Actor, AppError, ErrorCode, nextFireTimes, planFor, ScheduleLimits } from '@hourglass/domain';
import { APP_CONFIG, DELIVERY_QUEUE_ATTRIBUTES, withProducerSpan } from '@hourglass/platform';
import type { ApiGatewayConfig } from '../config.js';
import { DEFAULT_PAGE_SIZE, type PageQuery } from '../tasks/tasks-query.dto.js';
import { TaskWriter } from '../tasks/task-writer.js';
import { entry, scheduleChanged } from '../audit/audit-entries.js';
import { type TaskResponse, toTaskResponse } from '../tasks/tasks.dto.js';
import {
  type CreateScheduleDto,
  type OccurrenceResponse,
  type ScheduleResponse,
  type ScheduleVersionResponse,
  toOccurrenceResponse,
  toScheduleResponse,
  toScheduleVersionResponse,
  type UpdateScheduleDto,
} from './schedules.dto.js';
import {
  assertPlanAllows,
  enabledChanges,
  manualTask,
  newSchedule,
  scheduleChanges,
  timingOf,
} from './schedule-rules.js';

type Change = 'created' | 'updated' | 'paused' | 'resumed';

/**
 * Schedule writes. Each one commits with its history row (schedule_versions) and a NOTIFY on
 * SchedulesChanged, so the scheduler re-plans its sleep once the change is visible. Pause, delete
 * and every edit also take back the occurrences prepared ahead (docs/decisions/0007) in the same
 * transaction: nothing prepared under the old settings fires after the change was answered.
 */
@Injectable()
export class SchedulesService {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(ScheduleRepository) private readonly schedules: ScheduleRepository,
    @Inject(TaskWriter) private readonly writer: TaskWriter,
    @Inject(PgBoss) private readonly boss: PgBoss,
    @Inject(APP_CONFIG) private readonly config: ApiGatewayConfig,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
  ) {}

  async create(orgId: string, actor: Actor, dto: CreateScheduleDto): Promise<ScheduleResponse> {
    const row = newSchedule(orgId, dto, new Date());
    const saved = await this.db.transaction(async (em) => {
      // The org row stays locked until commit: concurrent creates for one org count one after another.
      const planName = await this.schedules.lockOrgPlan(orgId, em);
      if (planName === null) throw new AppError(ErrorCode.ORG_NOT_FOUND, `No organization ${orgId}`);
      const plan = planFor(this.config.plans, planName);
      assertPlanAllows(plan, planName, row);
      if (await this.schedules.hasAtLeast(orgId, plan.maxSchedules, em)) {
        throw new AppError(ErrorCode.QUOTA_EXCEEDED, `The "${planName}" plan allows ${plan.maxSchedules} schedules`);
      }
      const schedule = await this.schedules.insert(row, em);
      await this.record(em, schedule, 'created', actor, null);
      return schedule;
    });
    return toScheduleResponse(saved);
  }

  /** `expectedVersion` (from If-Match) makes a stale edit a 409 instead of a silent overwrite. */
  async update(
    orgId: string,
    actor: Actor,
    id: string,
    dto: UpdateScheduleDto,
    expectedVersion?: number,
  ): Promise<ScheduleResponse> {
    const now = new Date();
    const updated = await this.db.transaction(async (em) => {
      const current = await this.lockOrThrow(orgId, id, em);
      if (expectedVersion !== undefined && expectedVersion !== current.version) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `Schedule ${id} is at version ${current.version}, not ${expectedVersion}`,
        );
      }
      const changes = scheduleChanges(current, dto, now);
      if (Object.keys(changes).length === 0) return current;
      if (changes.shortestIntervalMs !== undefined)
        await this.assertPlanAllows(
          orgId,
          { cron: changes.cron ?? null, shortestIntervalMs: changes.shortestIntervalMs },
          em,
        );
      return this.write(em, actor, current, changes, now, 'updated');
    });
    return toScheduleResponse(updated);
  }

  async delete(orgId: string, actor: Actor, id: string): Promise<void> {
    await this.db.transaction(async (em) => {
      // Locked first (FOR UPDATE), so a tick cannot prepare more while the prepared ones go.
      const schedule = isUuid(id) ? await this.schedules.lockForOrg(orgId, id, em) : null;
      if (!schedule) throw notFound(id);
      await unprepareOccurrences(em, this.boss, schedule);
      await this.schedules.delete(orgId, id, em);
      await this.audit.record(em, [entry(actor, orgId, 'schedule.deleted', id, { deleted: false }, { deleted: true })]);
      await notify(em, Channel.SchedulesChanged, id);
    });
  }

  pause(orgId: string, actor: Actor, id: string): Promise<ScheduleResponse> {
    return this.setEnabled(orgId, actor, id, false);
  }

  resume(orgId: string, actor: Actor, id: string): Promise<ScheduleResponse> {
    return this.setEnabled(orgId, actor, id, true);
  }

  /** Runs now, through the same writer as any task: the monthly quota and plan-tier priority apply. */
  /** Audited as the `task.created` of the task it makes (its `scheduleId` names the schedule). */
  async trigger(orgId: string, actor: Actor, id: string, traceParent: string): Promise<TaskResponse> {
    const schedule = await this.findOrThrow(orgId, id);
    const attributes = { ...DELIVERY_QUEUE_ATTRIBUTES, 'hourglass.schedule.id': schedule.id };
    return toTaskResponse(
      await withProducerSpan('trigger schedule', traceParent, attributes, (traceparent) =>
        this.writer.write(manualTask(schedule, traceparent, new Date()), actor, schedule.shortestIntervalMs),
      ),
    );
  }

  async get(orgId: string, id: string): Promise<ScheduleResponse> {
    return toScheduleResponse(await this.findOrThrow(orgId, id));
  }

  async list(orgId: string, query: PageQuery): Promise<Page<ScheduleResponse>> {
    const page = await this.schedules.listForOrg(orgId, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return { data: page.data.map(toScheduleResponse), nextCursor: page.nextCursor };
  }

  /** Computed from now, paused or not: what the schedule would do if it ran from here (within ten years). */
  async next(orgId: string, id: string, count: number): Promise<{ data: string[] }> {
    const schedule = await this.findOrThrow(orgId, id);
    const times = nextFireTimes(timingOf(schedule), new Date(), count, ScheduleLimits.previewHorizonMs);
    return { data: times.map((d) => d.toISOString()) };
  }

  async history(orgId: string, id: string, query: PageQuery): Promise<Page<ScheduleVersionResponse>> {
    await this.findOrThrow(orgId, id);
    const page = await this.schedules.listVersions(orgId, id, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return { data: page.data.map(toScheduleVersionResponse), nextCursor: page.nextCursor };
  }

  async occurrences(orgId: string, id: string, query: PageQuery): Promise<Page<OccurrenceResponse>> {
    await this.findOrThrow(orgId, id);
    const page = await this.schedules.listOccurrences(orgId, id, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return { data: page.data.map(toOccurrenceResponse), nextCursor: page.nextCursor };
  }

  /** A malformed id and another org's schedule look exactly like a missing one: 404, never 403. */
  async findOrThrow(orgId: string, id: string, em?: EntityManager): Promise<ScheduleEntity> {
    const schedule = isUuid(id) ? await this.schedules.findForOrg(orgId, id, em) : null;
    if (!schedule) throw notFound(id);
    return schedule;
  }

  /** The row locked FOR UPDATE until commit: a tick (which claims with SKIP LOCKED) leaves it alone meanwhile. */
  private async lockOrThrow(orgId: string, id: string, em: EntityManager): Promise<ScheduleEntity> {
    const schedule = isUuid(id) ? await this.schedules.lockForOrg(orgId, id, em) : null;
    if (!schedule) throw notFound(id);
    return schedule;
  }

  /** Pausing a paused schedule (or resuming an active one) changes nothing and records nothing. */
  private async setEnabled(orgId: string, actor: Actor, id: string, enabled: boolean): Promise<ScheduleResponse> {
    const now = new Date();
    const schedule = await this.db.transaction(async (em) => {
      const current = await this.lockOrThrow(orgId, id, em);
      if (current.enabled === enabled) return current;
      const change = enabled ? 'resumed' : 'paused';
      return this.write(em, actor, current, enabledChanges(current, enabled, now), now, change);
    });
    return toScheduleResponse(schedule);
  }

  private async write(
    em: EntityManager,
    actor: Actor,
    current: ScheduleEntity,
    changes: ScheduleChanges,
    now: Date,
    change: Change,
  ): Promise<ScheduleEntity> {
    // Occurrences prepared under the old settings are taken back; an edit that leaves the timing
    // alone plans again from the first of them, so they run with the new settings instead.
    const firstTakenBack = takesBackPrepared(change, changes)
      ? await unprepareOccurrences(em, this.boss, current)
      : null;
    const replan =
      change === 'updated' && changes.nextRunAt === undefined && firstTakenBack !== null && current.nextRunAt !== null
        ? { nextRunAt: firstTakenBack < current.nextRunAt ? firstTakenBack : current.nextRunAt }
        : {};
    const updated = await this.schedules.update(
      current.orgId,
      current.id,
      current.version,
      { ...changes, ...replan, updatedAt: now },
      em,
    );
    if (!updated) throw new AppError(ErrorCode.CONFLICT, `Schedule ${current.id} changed while being updated; retry`);
    await this.record(em, updated, change, actor, current);
    return updated;
  }

  private async assertPlanAllows(
    orgId: string,
    timing: Pick<ScheduleEntity, 'cron' | 'shortestIntervalMs'>,
    em: EntityManager,
  ): Promise<void> {
    const planName = (await this.schedules.lockOrgPlan(orgId, em)) ?? 'free';
    assertPlanAllows(planFor(this.config.plans, planName), planName, timing);
  }

  /** The schedule's version history and the audit log, in the change's transaction. */
  private async record(
    em: EntityManager,
    schedule: ScheduleEntity,
    change: Change,
    actor: Actor,
    before: ScheduleEntity | null,
  ): Promise<void> {
    await this.audit.record(em, [scheduleChanged(actor, change, before, schedule)]);
    await this.schedules.insertVersion(
      {
        id: newId(),
        scheduleId: schedule.id,
        orgId: schedule.orgId,
        version: schedule.version,
        change,
        snapshot: { ...toScheduleResponse(schedule) },
      },
      em,
    );
    await notify(em, Channel.SchedulesChanged, schedule.id);
  }
}

/** Fields a prepared occurrence does not depend on: a change of only these leaves it as prepared. */
const OCCURRENCE_NEUTRAL = new Set(['name', 'missedRuns', 'updatedAt']);

/** Pause takes back what was prepared; an edit does when it changes what an occurrence runs or when. */
function takesBackPrepared(change: Change, changes: ScheduleChanges): boolean {
  if (change === 'paused') return true;
  return change === 'updated' && Object.keys(changes).some((key) => !OCCURRENCE_NEUTRAL.has(key));
}

const notFound = (id: string) => new AppError(ErrorCode.SCHEDULE_NOT_FOUND, `No schedule ${id} in this organization`);
