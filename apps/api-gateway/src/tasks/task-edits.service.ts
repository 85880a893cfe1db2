import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  AttemptRepository,
  AuditTrail,
  isUuid,
  type TaskEdit,
  TaskActionRepository,
  type TaskEntity,
  TaskRepository,
} from '@hourglass/db';
import { type Actor, AppError, ErrorCode, initialStatus, isFinished, TaskStatus } from '@hourglass/domain';
import { taskChanged } from '../audit/audit-entries.js';
import { type TaskResponse, toTaskResponse } from './tasks.dto.js';
import type { UpdateTaskDto } from './tasks-edit.dto.js';
import { resolveRunAt } from './tasks.service.js';
import { TaskJobs } from './task-jobs.js';
import { notifyOverrideOf } from '../notify-override/notify-override.js';

/**
 * Edit, run now and replay. Each runs in one transaction that locks the task row, withdraws its
 * pending delivery job, applies one guarded UPDATE and has the task writer enqueue the new job
 * (so the job always reflects runAt, priority and timeout).
 */
@Injectable()
export class TaskEditsService {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(TaskActionRepository) private readonly actions: TaskActionRepository,
    @Inject(TaskRepository) private readonly tasks: TaskRepository,
    @Inject(AttemptRepository) private readonly attempts: AttemptRepository,
    @Inject(TaskJobs) private readonly jobs: TaskJobs,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
  ) {}

  async edit(
    orgId: string,
    actor: Actor,
    id: string,
    dto: UpdateTaskDto,
    ifMatch: string | undefined,
  ): Promise<TaskResponse> {
    const expected = parseIfMatch(ifMatch);
    const row = await this.db.transaction(async (em) => {
      const task = await this.lockUnstarted(em, orgId, id);
      if (expected !== undefined && expected !== task.version) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `Task ${id} is at version ${task.version}, not ${expected}; read it again`,
        );
      }
      await this.jobs.withdraw(em, task);
      const updated = await this.actions.applyEdit(em, orgId, id, task.version, mergeEdit(task, dto, new Date()));
      return this.enqueued(em, actor, 'edited', task, updated);
    });
    return this.respond(row);
  }

  async runNow(orgId: string, actor: Actor, id: string): Promise<TaskResponse> {
    const row = await this.db.transaction(async (em) => {
      const task = await this.lockUnstarted(em, orgId, id);
      await this.jobs.withdraw(em, task);
      return this.enqueued(em, actor, 'run', task, await this.actions.runNow(em, orgId, id));
    });
    return this.respond(row);
  }

  async replay(orgId: string, actor: Actor, id: string): Promise<TaskResponse> {
    const row = await this.db.transaction(async (em) => {
      const replayed = isUuid(id) ? await this.actions.replay(em, orgId, id) : null;
      if (!replayed) {
        const task = isUuid(id) ? await this.tasks.findForOrg(orgId, id, em) : null;
        if (!task) throw notFound(id);
        throw new AppError(ErrorCode.CONFLICT, `Task ${id} is ${task.status}; only failed tasks can be replayed`);
      }
      // Only a failed task replays (the guarded UPDATE); its other fields stay.
      return this.enqueued(em, actor, 'replayed', { ...replayed, status: TaskStatus.Failed }, replayed);
    });
    return this.respond(row);
  }

  /** The row, locked; 404 when missing, 409 once an attempt has started or the task has finished. */
  private async lockUnstarted(em: EntityManager, orgId: string, id: string): Promise<TaskEntity> {
    const task = isUuid(id) ? await this.actions.lockForOrg(em, orgId, id) : null;
    if (!task) throw notFound(id);
    if (isFinished(task.status))
      throw new AppError(ErrorCode.TASK_ALREADY_FINISHED, `Task ${id} is already ${task.status}`);
    if (task.status === TaskStatus.Running)
      throw new AppError(ErrorCode.CONFLICT, `Task ${id} is running; it can no longer be changed`);
    return task;
  }

  /** Enqueues the updated row and records `task.<verb>` with what changed since `before`. */
  private async enqueued(
    em: EntityManager,
    actor: Actor,
    verb: string,
    before: TaskEntity,
    row: TaskEntity | null,
  ): Promise<TaskEntity> {
    // The row is locked, so the guarded UPDATE losing means a bug or a concurrent schema change, not a race to report
    // as 404.
    if (!row) throw new AppError(ErrorCode.CONFLICT, `Task ${before.id} changed meanwhile; retry`);
    await this.jobs.enqueue(em, row.orgId, [row]);
    await this.audit.record(em, [taskChanged(verb, before, row, actor)]);
    return row;
  }

  private async respond(row: TaskEntity): Promise<TaskResponse> {
    return toTaskResponse(row, await this.attempts.latestForTask(row.id));
  }
}

const notFound = (id: string) => new AppError(ErrorCode.TASK_NOT_FOUND, `No task ${id} in this organization`);

/** `"3"`, `W/"3"` or `3`; absent means no version check. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match)
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'If-Match must be a task version like "3"', [
      { field: 'If-Match', message: 'must be a version like "3"' },
    ]);
  return Number(match[1]);
}

/** The task with the patch applied; a new runAt/delay also resets the status (scheduled or queued). */
export function mergeEdit(task: TaskEntity, dto: UpdateTaskDto, now: Date): TaskEdit {
  const moved = dto.runAt !== undefined || dto.delay !== undefined;
  const runAt = moved ? resolveRunAt(dto, now) : task.runAt;
  const request = dto.request ?? {};
  return {
    status: moved ? initialStatus(runAt, now) : task.status,
    url: request.url ?? task.url,
    method: request.method ?? task.method,
    headers: request.headers ?? task.headers,
    body: request.body !== undefined ? request.body : task.body,
    timeoutMs: dto.timeoutMs ?? task.timeoutMs,
    runAt,
    maxAttempts: dto.retry?.maxAttempts ?? task.maxAttempts,
    retryOn4xx: dto.retry?.retryOn4xx ?? task.retryOn4xx,
    labels: dto.labels ?? task.labels,
    priority: dto.priority ?? task.priority,
    expectedStatusCodes: dto.expectedStatusCodes !== undefined ? dto.expectedStatusCodes : task.expectedStatusCodes,
    expectedBodyPattern: dto.expectedBodyPattern !== undefined ? dto.expectedBodyPattern : task.expectedBodyPattern,
    notify: dto.notify !== undefined ? notifyOverrideOf(dto.notify) : task.notify,
  };
}
