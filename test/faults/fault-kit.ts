import type { DataSource } from 'typeorm';
import { createBoss } from '@hourglass/db';
import type { ApiClient } from '../system/api-client.js';
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

/** The pool's connect timeout (5 s) and some: no request may wait longer for a database that is away. */
export const RESPONSE_BOUND_MS = 7_000;
const LOAD_WORKERS = 3;

export interface Answer {
  status: number | 'no answer';
  ms: number;
  at: number;
  code?: string;
  retryAfter?: string | null;
  contentType?: string | null;
}

/** Creates tasks through the API until `stop()`, recording every answer. */
export function loadGenerator(api: ApiClient, url: string) {
  const accepted: string[] = [];
  const answers: Answer[] = [];
  let running = true;
  const worker = async () => {
    while (running) {
      const at = Date.now();
      const answer = await api
        .raw('POST', '/v1/tasks', { request: { url }, timeoutMs: 10_000 }, RESPONSE_BOUND_MS * 2)
        .then(
          async (response): Promise<Answer> => {
            const body = (await response.json().catch(() => ({}))) as { id?: string; code?: string };
            if (response.status === 201 && body.id) accepted.push(body.id);
            return {
              status: response.status,
              ms: Date.now() - at,
              at,
              code: body.code,
              retryAfter: response.headers.get('retry-after'),
              contentType: response.headers.get('content-type'),
            };
          },
          (): Answer => ({ status: 'no answer', ms: Date.now() - at, at }),
        );
      answers.push(answer);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
  };
  const workers = Array.from({ length: LOAD_WORKERS }, worker);
  return {
    accepted,
    answers,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

/** Every answer was 201 or 503 UNAVAILABLE problem+json with Retry-After, all within RESPONSE_BOUND_MS. */
export function expectOnlyUnavailable(answers: Answer[]): { refused: Answer[]; slowest: number } {
  const refused = answers.filter((a) => a.status !== 201);
  expect(refused.filter((a) => a.status !== 503)).toEqual([]);
  for (const answer of refused) {
    expect(answer).toMatchObject({ code: 'UNAVAILABLE', contentType: expect.stringContaining('problem+json') });
    expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  }
  const slowest = Math.max(...answers.map((a) => a.ms));
  expect(slowest).toBeLessThan(RESPONSE_BOUND_MS);
  return { refused, slowest };
}

/** Requests per webhook-id (the task id) at `sink`. */
export function hitsByWebhookId(sink: HttpSink): Map<string, number> {
  const hits = new Map<string, number>();
  for (const hit of sink.requests) {
    const id = String(hit.headers['webhook-id']);
    hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  return hits;
}
