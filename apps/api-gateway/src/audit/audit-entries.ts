import type { NewTask, ScheduleEntity, TaskEntity } from '@hourglass/db';
import { type Actor, type AuditEntry, diffChanges } from '@hourglass/domain';
import { toScheduleResponse } from '../schedules/schedules.dto.js';

/**
 * The task fields an audit entry shows. The request itself (url, headers, body, callbacks) stays
 * out: it is the task's own sealed data, headers often carry credentials, and copying it would double
 * the create path's sealing cost; an edit of it is recorded by name (`request: changed`).
 */
const TASK_FIELDS = ['status', 'runAt', 'queue', 'priority', 'maxAttempts', 'timeoutMs', 'labels'] as const;
const REQUEST_FIELDS = ['url', 'method', 'headers', 'body', 'callbackUrl', 'failureCallbackUrl'] as const;

/** A changed request (which may carry credentials) is recorded by name only, never by value. */
const CHANGED = 'changed';

type TaskFields = Pick<TaskEntity, (typeof TASK_FIELDS)[number] | (typeof REQUEST_FIELDS)[number]>;

export function taskCreated(task: NewTask, actor: Actor): AuditEntry {
  return {
    orgId: task.orgId,
    actor,
    action: 'task.created',
    resourceType: 'task',
    resourceId: task.id,
    changes: diffChanges(null, task, TASK_FIELDS),
  };
}

/** `task.<verb>` with the visible fields that changed; a changed request shows as [`changed`, `changed`]. */
export function taskChanged(
  verb: string,
  before: TaskFields,
  after: TaskFields & { id: string; orgId: string },
  actor: Actor,
): AuditEntry {
  const changes = diffChanges(before, after, TASK_FIELDS);
  for (const field of REQUEST_FIELDS)
    if (JSON.stringify(before[field] ?? null) !== JSON.stringify(after[field] ?? null))
      changes[field] = [CHANGED, CHANGED];
  return { orgId: after.orgId, actor, action: `task.${verb}`, resourceType: 'task', resourceId: after.id, changes };
}

/** An entry of any resource: `changes` the diff of the given fields between the two states. */
export function entry(
  actor: Actor,
  orgId: string,
  action: string,
  resourceId: string,
  before: object | null,
  after: object | null,
  fields?: readonly string[],
): AuditEntry {
  return {
    orgId,
    actor,
    action,
    resourceType: action.slice(0, action.indexOf('.')),
    resourceId,
    changes: diffChanges(before, after, fields),
  };
}

/** Schedule fields an audit entry shows: the API view, without bookkeeping; the request by name only. */
const SCHEDULE_FIELDS = [
  'name',
  'cron',
  'interval',
  'timezone',
  'timeoutMs',
  'retry',
  'labels',
  'priority',
  'missedRuns',
  'overlap',
  'paused',
] as const;

export function scheduleChanged(
  actor: Actor,
  verb: string,
  before: ScheduleEntity | null,
  after: ScheduleEntity,
): AuditEntry {
  const [was, is] = [before && toScheduleResponse(before), toScheduleResponse(after)];
  const changes = diffChanges(was, is, SCHEDULE_FIELDS);
  if (JSON.stringify(was?.request ?? null) !== JSON.stringify(is.request))
    changes['request'] = [was ? CHANGED : null, CHANGED];
  return {
    orgId: after.orgId,
    actor,
    action: `schedule.${verb}`,
    resourceType: 'schedule',
    resourceId: after.id,
    changes,
  };
}
