import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { PgBoss } from 'pg-boss';
import type { Counter } from 'prom-client';
import {
  AttemptRepository, Channel, isUuid, newId, notify, type Page, Queue, sendJob, type TaskEntity, type TaskFilter, TaskRepository,
} from '@hourglass/db';
import { AppError, ErrorCode, initialStatus, isFinished, parseDuration, TaskLimits, TaskStatus } from '@hourglass/domain';
import { Metrics } from '@hourglass/platform';
import { type AttemptResponse, type CreateTaskDto, type TaskResponse, toAttemptResponse, toTaskResponse } from './tasks.dto.js';
import { DEFAULT_PAGE_SIZE, type ListTasksQuery, type PageQuery } from './tasks-query.dto.js';

/** Seconds a dispatcher may hold a delivery job beyond the request timeout before its lease lapses. */
const LEASE_MARGIN_SECONDS = 30;

@Injectable()
export class TasksService {
  private readonly created: Counter;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(PgBoss) private readonly boss: PgBoss,
    @Inject(TaskRepository) private readonly tasks: TaskRepository,
    @Inject(AttemptRepository) private readonly attempts: AttemptRepository,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.created = metrics.counter('hourglass_tasks_created_total', 'Tasks created through the API');
  }

  async create(orgId: string, dto: CreateTaskDto, traceParent: string): Promise<TaskResponse> {
    const task = await this.dataSource.transaction((em) => this.insertAndEnqueue(em, orgId, dto, traceParent));
    this.created.inc();
    return toTaskResponse(task);
  }

  /**
   * The row, its delivery job and the wake-up hint all go through `em`, so they commit or roll back
   * together: a task without its job (or a job without its task) cannot exist.
   */
  async insertAndEnqueue(em: EntityManager, orgId: string, dto: CreateTaskDto, traceParent: string): Promise<TaskEntity> {
    // One process-clock reading decides both runAt and the initial status. Whether a job is due is
    // still decided by pg-boss in SQL: a due-now job is sent without startAfter (the database's now()).
    const now = new Date();
    const runAt = resolveRunAt(dto, now);
    const status = initialStatus(runAt, now);
    const timeoutMs = dto.timeoutMs ?? TaskLimits.defaultTimeoutMs;
    const priority = dto.priority ?? TaskLimits.defaultPriority;
    const task = await this.tasks.insert(
      {
        id: newId(), orgId, status, url: dto.request.url, method: dto.request.method ?? 'POST',
        headers: dto.request.headers ?? {}, body: dto.request.body ?? null, timeoutMs, runAt,
        maxAttempts: dto.retry?.maxAttempts ?? TaskLimits.defaultMaxAttempts, labels: dto.labels ?? {}, priority,
        queue: null, callbackUrl: dto.callbackUrl ?? null, scheduleId: null, fireAt: null, traceParent,
      },
      em,
    );
    const due = status === TaskStatus.Queued;
    await sendJob(
      this.boss,
      Queue.Deliver,
      { taskId: task.id, orgId },
      {
        id: newId(), priority, group: { id: orgId }, expireInSeconds: Math.ceil(timeoutMs / 1000) + LEASE_MARGIN_SECONDS,
        ...(due ? {} : { startAfter: runAt }),
      },
      em,
    );
    if (due) await notify(em, Channel.TasksReady, task.id);
    return task;
  }

  async get(orgId: string, id: string): Promise<TaskResponse> {
    const task = await this.findOrThrow(orgId, id);
    return toTaskResponse(task, await this.attempts.latestForTask(task.id));
  }

  async list(orgId: string, query: ListTasksQuery): Promise<Page<TaskResponse>> {
    const page = await this.tasks.listForOrg(orgId, toFilter(query));
    const latest = await this.attempts.latestForTasks(page.data.map((t) => t.id));
    return { data: page.data.map((t) => toTaskResponse(t, latest.get(t.id) ?? null)), nextCursor: page.nextCursor };
  }

  async cancel(orgId: string, id: string): Promise<TaskResponse> {
    const cancelled = isUuid(id) ? await this.tasks.cancel(orgId, id) : null;
    if (!cancelled) {
      const task = await this.findOrThrow(orgId, id);
      // The guarded UPDATE lost: the task had finished (or finished in between).
      if (isFinished(task.status)) throw new AppError(ErrorCode.TASK_ALREADY_FINISHED, `Task ${id} is already ${task.status}`);
      throw new AppError(ErrorCode.CONFLICT, `Task ${id} changed while being cancelled; retry`);
    }
    return toTaskResponse(cancelled, await this.attempts.latestForTask(cancelled.id));
  }

  async listAttempts(orgId: string, taskId: string, query: PageQuery): Promise<Page<AttemptResponse>> {
    await this.findOrThrow(orgId, taskId);
    const page = await this.attempts.listForTask(orgId, taskId, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    return { data: page.data.map(toAttemptResponse), nextCursor: page.nextCursor };
  }

  /** A malformed id and another org's task look exactly like a missing one: 404, never 403. */
  private async findOrThrow(orgId: string, id: string): Promise<TaskEntity> {
    const task = isUuid(id) ? await this.tasks.findForOrg(orgId, id) : null;
    if (!task) throw new AppError(ErrorCode.TASK_NOT_FOUND, `No task ${id} in this organization`);
    return task;
  }
}

function resolveRunAt(dto: CreateTaskDto, now: Date): Date {
  if (dto.runAt) return new Date(Math.max(Date.parse(dto.runAt), now.getTime()));
  if (dto.delay) return new Date(now.getTime() + parseDuration(dto.delay)!);
  return now;
}

function toFilter(query: ListTasksQuery): TaskFilter {
  const colon = query.label?.indexOf(':') ?? -1;
  return {
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    cursor: query.cursor,
    status: query.status,
    queue: query.queue,
    label: query.label && colon > 0 ? { key: query.label.slice(0, colon), value: query.label.slice(colon + 1) } : undefined,
    createdAfter: query.createdAfter ? new Date(query.createdAfter) : undefined,
    createdBefore: query.createdBefore ? new Date(query.createdBefore) : undefined,
  };
}
