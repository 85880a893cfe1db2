import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { writeTasks } from '@hourglass/db';
import { newTaskWrite, TEST_TASKS_PER_MONTH } from './factories.js';

const CHUNK = 1_000;

export interface BulkTaskOptions {
  orgId: string;
  url: string;
  count: number;
  timeoutMs?: number;
  maxAttempts?: number;
}

/**
 * `count` due tasks with their delivery jobs, written by the task writer as the API writes them,
 * 1,000 per statement, for load and fault tests. Each body is `{"taskId":"<id>"}`, so a receiver
 * can tell which task a request carries independently of its headers. Returns the task ids in
 * creation order.
 */
export async function seedDueTasks(db: DataSource, boss: PgBoss, options: BulkTaskOptions): Promise<string[]> {
  const all: string[] = [];
  for (let done = 0; done < options.count; done += CHUNK) {
    const writes = Array.from({ length: Math.min(CHUNK, options.count - done) }, () => {
      const write = newTaskWrite({
        orgId: options.orgId,
        url: options.url,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
      });
      write.task.body = JSON.stringify({ taskId: write.task.id });
      return write;
    });
    await writeTasks(db.manager, boss, writes, { quota: { enforce: TEST_TASKS_PER_MONTH } });
    all.push(...writes.map((write) => write.task.id));
  }
  return all;
}
