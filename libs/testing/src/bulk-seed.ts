import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { TaskLimits, TaskStatus } from '@hourglass/domain';
import { deliveryLeaseSeconds, newId, Queue, transactionDb } from '@hourglass/db';

const CHUNK = 1_000;

export interface BulkTaskOptions {
  orgId: string;
  url: string;
  count: number;
  timeoutMs?: number;
  maxAttempts?: number;
}

/**
 * `count` due tasks with their delivery jobs (the API's job options), 1,000 per transaction, for
 * load and fault tests. Each body is `{"taskId":"<id>"}`, so a receiver can tell which task a
 * request carries independently of its headers. Returns the task ids in creation order.
 */
export async function seedDueTasks(db: DataSource, boss: PgBoss, options: BulkTaskOptions): Promise<string[]> {
  const timeoutMs = options.timeoutMs ?? TaskLimits.defaultTimeoutMs;
  const all: string[] = [];
  for (let done = 0; done < options.count; done += CHUNK) {
    const ids = Array.from({ length: Math.min(CHUNK, options.count - done) }, () => newId());
    await db.transaction(async (em) => {
      await em.query(
        `INSERT INTO tasks (id, org_id, status, url, method, body, timeout_ms, run_at, max_attempts, priority)
         SELECT id, $2, $3, $4, 'POST', json_build_object('taskId', id)::text, $5, now(), $6, $7 FROM unnest($1::uuid[]) AS t(id)`,
        [
          ids,
          options.orgId,
          TaskStatus.Queued,
          options.url,
          timeoutMs,
          options.maxAttempts ?? TaskLimits.defaultMaxAttempts,
          TaskLimits.defaultPriority,
        ],
      );
      await boss.insert(
        Queue.Deliver,
        ids.map((id) => ({
          id: newId(),
          data: { taskId: id, orgId: options.orgId },
          priority: TaskLimits.defaultPriority,
          group: { id: options.orgId },
          expireInSeconds: deliveryLeaseSeconds(timeoutMs),
        })),
        { db: transactionDb(em) },
      );
    });
    all.push(...ids);
  }
  return all;
}
