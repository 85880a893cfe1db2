import type { DataSource } from 'typeorm';
import { createBoss } from '@hourglass/db';
import { seedDueTasks, type HttpSink, type RunningService, type TestDataSource } from '@hourglass/testing';

/** Requests per task id across sinks (each body is `{"taskId": …}`), checking webhook-id names the same task. */
export function hitsByTask(sinks: HttpSink[]): Map<string, number> {
  const hits = new Map<string, number>();
  for (const hit of sinks.flatMap((sink) => sink.requests)) {
    const { taskId } = JSON.parse(hit.body) as { taskId: string };
    if (hit.headers['webhook-id'] !== taskId)
      throw new Error(`webhook-id ${String(hit.headers['webhook-id'])} on task ${taskId}'s delivery`);
    hits.set(taskId, (hits.get(taskId) ?? 0) + 1);
  }
  return hits;
}

/** Accepted tasks the target never received. */
export const lostAmong = (ids: string[], hits: Map<string, number>): string[] => ids.filter((id) => !hits.has(id));

export const duplicatedIn = (hits: Map<string, number>): number => [...hits.values()].filter((n) => n > 1).length;

export async function unfinishedTasks(db: DataSource): Promise<number> {
  return Number((await db.query(`SELECT count(*) AS n FROM tasks WHERE status <> 'succeeded'`))[0].n);
}

/** Services that exited by themselves (a crash), named with their last log lines. */
export function crashed(services: RunningService[]): string[] {
  return services
    .filter((s) => s.child.exitCode !== null || s.child.signalCode !== null)
    .map((s) => `${s.name} exited ${s.child.exitCode ?? s.child.signalCode}: ${s.logs.slice(-12).join('')}`);
}

/** The figures line each fault test prints (docs/reliability.md quotes them). */
export function reportFigures(test: string, figures: Record<string, number | string>): void {
  const line = Object.entries(figures)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  console.log(`fault ${test}: ${line}`);
}

/** `count` due tasks of `orgId` per sink URL (bodies name their task), written with a producer pg-boss of its own. */
export async function seedTasksFor(
  source: TestDataSource,
  orgId: string,
  urls: string[],
  count: (index: number) => number,
  timeoutMs: number,
): Promise<string[]> {
  const boss = createBoss(source.database.url, 'producer');
  await boss.start();
  try {
    const ids: string[] = [];
    for (const [i, url] of urls.entries())
      ids.push(...(await seedDueTasks(source.db, boss, { orgId, url, count: count(i), timeoutMs })));
    return ids;
  } finally {
    await boss.stop({ graceful: false });
  }
}
