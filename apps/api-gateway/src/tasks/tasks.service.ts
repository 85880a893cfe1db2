import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Counter } from 'prom-client';
import {
  AttemptRepository,
  AuditTrail,
  isUuid,
  newId,
  type NewTask,
  type Page,
  QueueRepository,
  type TaskEntity,
  type TaskFilter,
  TaskRepository,
} from '@hourglass/db';
import {
  type Actor,
  AppError,
  ErrorCode,
  initialStatus,
  isFinished,
  parseDuration,
  TaskLimits,
  TaskStatus,
} from '@hourglass/domain';
import { DELIVERY_QUEUE_ATTRIBUTES, Metrics, withProducerSpan } from '@hourglass/platform';
import {
  type AttemptResponse,
  type CreateTaskDto,
  type TaskResponse,
  toAttemptResponse,
  toTaskResponse,
} from './tasks.dto.js';
import { TaskWriter } from './task-writer.js';
import { notifyOverrideOf } from '../notify-override/notify-override.js';
import { entry } from '../audit/audit-entries.js';
import type { CreateTaskBatchDto, TaskBatchResponse } from './tasks-edit.dto.js';
import { DEFAULT_PAGE_SIZE, type ListTasksQuery, type PageQuery } from './tasks-query.dto.js';

@Injectable()
export class TasksService {
  private readonly created: Counter;

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(TaskWriter) private readonly writer: TaskWriter,
    @Inject(TaskRepository) private readonly tasks: TaskRepository,
    @Inject(AttemptRepository) private readonly attempts: AttemptRepository,
    @Inject(Metrics) metrics: Metrics,
    @Inject(QueueRepository) private readonly queues: QueueRepository,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
  ) {
    this.created = metrics.counter('hourglass_tasks_created_total', 'Tasks created through the API');
  }

  async create(orgId: string, actor: Actor, dto: CreateTaskDto, traceParent: string): Promise<TaskResponse> {
    if (dto.queue !== undefined && !(await this.queues.find(orgId, dto.queue))) throw unknownQueue(dto.queue);
    // The foreign key closes the race with a queue deleted meanwhile.
    const task = await withProducerSpan('create task', traceParent, DELIVERY_QUEUE_ATTRIBUTES, (traceparent, span) => {
      const row = newTask(orgId, dto, traceparent, new Date());
      span?.setAttribute('hourglass.task.id', row.id);
      return this.writer.write(row, actor);
    }).catch((error: unknown) => {
      throw isQueueKeyViolation(error) ? unknownQueue(dto.queue!) : error;
    });
    this.created.inc();
    return toTaskResponse(task);
  }

  /**
   * All or nothing: one transaction, one multi-row INSERT, one job insert; the quota counts the whole
   * batch. An unknown queue is 400 naming the item (`tasks[3].queue`), before anything is written.
   */
  async createBatch(
    orgId: string,
    actor: Actor,
    dto: CreateTaskBatchDto,
    traceParent: string,
  ): Promise<TaskBatchResponse> {
    const now = new Date();
    await this.assertQueuesExist(orgId, dto.tasks);
    const rows = await withProducerSpan('create tasks', traceParent, DELIVERY_QUEUE_ATTRIBUTES, (traceparent, span) => {
      span?.setAttribute('messaging.batch.message_count', dto.tasks.length);
      return this.db.transaction((em) =>
        this.writer.insertBatch(
          em,
          dto.tasks.map((task) => newTask(orgId, task, traceparent, now)),
          dto.tasks.map(() => actor),
        ),
      );
    }).catch(async (error: unknown) => {
      // A queue deleted since the check: the foreign key refused the batch; name the item it hit.
      if (isQueueKeyViolation(error)) await this.assertQueuesExist(orgId, dto.tasks);
      throw error;
    });
    this.created.inc(rows.length);
    return { data: rows.map((row) => toTaskResponse(row)) };
  }

  private async assertQueuesExist(orgId: string, tasks: readonly CreateTaskDto[]): Promise<void> {
    const names = [...new Set(tasks.flatMap((task) => (task.queue === undefined ? [] : [task.queue])))];
    if (names.length === 0) return;
    // One query for the org's queues (it lists at most 1,000); a name past those is looked up alone.
    const listed = names.length > 1 ? new Set((await this.queues.listForOrg(orgId)).map((q) => q.name)) : new Set();
    const known = new Set<string>();
    for (const name of names) if (listed.has(name) || (await this.queues.find(orgId, name))) known.add(name);
    const errors = tasks.flatMap((task, i) =>
      task.queue !== undefined && !known.has(task.queue)
        ? [{ field: `tasks[${i}].queue`, message: `no queue named "${task.queue}"` }]
        : [],
    );
    if (errors.length > 0) {
      throw new AppError(
        ErrorCode.VALIDATION_FAILED,
        'A task of the batch names an unknown queue',
        errors.slice(0, 20),
      );
    }
  }

  /** A new task with the same request and settings, due now; the source may be in any status. */
  async clone(orgId: string, actor: Actor, id: string, traceParent: string): Promise<TaskResponse> {
    const source = await this.findOrThrow(orgId, id);
    const task = await withProducerSpan('clone task', traceParent, DELIVERY_QUEUE_ATTRIBUTES, (traceparent) =>
      this.writer.write(
        {
          ...source,
          id: newId(),
          status: TaskStatus.Queued,
          runAt: new Date(),
          scheduleId: null,
          fireAt: null,
          jobId: null,
          traceParent: traceparent,
        },
        actor,
      ),
    );
    this.created.inc();
    return toTaskResponse(task);
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

  async cancel(orgId: string, actor: Actor, id: string): Promise<TaskResponse> {
    const cancelled = !isUuid(id)
      ? null
      : await this.db.transaction(async (em) => {
          const before = await this.tasks.findForOrg(orgId, id, em);
          const row = before && (await this.tasks.cancel(orgId, id, em));
          if (row) await this.audit.record(em, [entry(actor, orgId, 'task.cancelled', id, before, row, ['status'])]);
          return row;
        });
    if (!cancelled) {
      const task = await this.findOrThrow(orgId, id);
      // The guarded UPDATE lost: the task had finished (or finished in between).
      if (isFinished(task.status))
        throw new AppError(ErrorCode.TASK_ALREADY_FINISHED, `Task ${id} is already ${task.status}`);
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

/**
 * One process-clock reading decides both runAt and the initial status (a label: whether a job is
 * due is still decided by pg-boss in SQL, and a due-now job is sent without startAfter).
 */
export function newTask(orgId: string, dto: CreateTaskDto, traceParent: string, now: Date): NewTask {
  const runAt = resolveRunAt(dto, now);
  return {
    id: newId(),
    orgId,
    status: initialStatus(runAt, now),
    url: dto.request.url,
    method: dto.request.method ?? 'POST',
    headers: dto.request.headers ?? {},
    body: dto.request.body ?? null,
    timeoutMs: dto.timeoutMs ?? TaskLimits.defaultTimeoutMs,
    runAt,
    maxAttempts: dto.retry?.maxAttempts ?? TaskLimits.defaultMaxAttempts,
    labels: dto.labels ?? {},
    priority: dto.priority ?? TaskLimits.defaultPriority,
    queue: dto.queue ?? null,
    callbackUrl: dto.callbackUrl ?? null,
    failureCallbackUrl: dto.failureCallbackUrl ?? null,
    notify: notifyOverrideOf(dto.notify),
    retryOn4xx: dto.retry?.retryOn4xx ?? false,
    expectedStatusCodes: dto.expectedStatusCodes ?? null,
    expectedBodyPattern: dto.expectedBodyPattern ?? null,
    scheduleId: null,
    fireAt: null,
    traceParent,
  };
}

export function resolveRunAt(dto: Pick<CreateTaskDto, 'runAt' | 'delay'>, now: Date): Date {
  if (dto.runAt) return new Date(Math.max(Date.parse(dto.runAt), now.getTime()));
  if (dto.delay) return new Date(now.getTime() + parseDuration(dto.delay)!);
  return now;
}

/** `key:value` (validated by the DTO) into its parts. */
export function parseLabel(label: string | undefined): { key: string; value: string } | undefined {
  const colon = label?.indexOf(':') ?? -1;
  return label && colon > 0 ? { key: label.slice(0, colon), value: label.slice(colon + 1) } : undefined;
}

function toFilter(query: ListTasksQuery): TaskFilter {
  return {
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    cursor: query.cursor,
    status: query.status,
    queue: query.queue,
    label: parseLabel(query.label),
    createdAfter: query.createdAfter ? new Date(query.createdAfter) : undefined,
    createdBefore: query.createdBefore ? new Date(query.createdBefore) : undefined,
  };
}

const unknownQueue = (name: string) =>
  new AppError(ErrorCode.VALIDATION_FAILED, `No queue "${name}" in this organization`, [
    { field: 'queue', message: `no queue named "${name}"` },
  ]);

function isQueueKeyViolation(error: unknown): boolean {
  const driver = (error as { driverError?: { code?: string; constraint?: string } }).driverError;
  return driver?.code === '23503' && driver.constraint === 'tasks_queue_fk';
}
