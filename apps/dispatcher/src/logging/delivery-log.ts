import type { Logger } from 'pino';
import type { StartedTask } from '@hourglass/db';
import { type AppLogger, childLogger, traceFields } from '@hourglass/platform';
import type { AttemptRecord } from '../delivery/index.js';

/**
 * Log lines about one delivery attempt, from a child logger bound to the task: its id, org, attempt
 * number, schedule, and the trace and span ids of the `traceparent` sent to the target (the CLIENT
 * span's when tracing is on, the stored one otherwise), so a target's log joins ours.
 */
export interface DeliveryLog {
  /** Undefined below `info`: the worker then spends nothing per attempt. */
  readonly attempt?: (task: StartedTask, traceparent: string | null, record: AttemptRecord, outcome: string) => void;
  failed(task: StartedTask, traceparent: string | null, error: Error): void;
}

export function deliveryLog(logger: AppLogger): DeliveryLog {
  const forTask = (task: StartedTask, traceparent: string | null): Logger =>
    childLogger(logger, {
      context: 'Delivery',
      taskId: task.id,
      orgId: task.orgId,
      attempt: task.attemptNumber,
      ...(task.scheduleId ? { scheduleId: task.scheduleId } : {}),
      ...traceFields(traceparent),
    });
  return {
    attempt: logger.pino.isLevelEnabled('info')
      ? (task, traceparent, record, outcome) =>
          forTask(task, traceparent).info(
            { outcome, statusCode: record.statusCode, durationMs: record.durationMs },
            'delivery attempt',
          )
      : undefined,
    failed: (task, traceparent, error) => forTask(task, traceparent).warn({ err: error }, 'delivery deliver failed'),
  };
}
