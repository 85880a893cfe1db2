import type { DataSource, EntityManager } from 'typeorm';
import { AttemptEntity } from '../entities/attempt.entity.js';
import { decodeCursor, toPage, type Page } from '../cursor.js';
import { openOne, openRows, sealRows } from '../encryption/sealed-rows.js';

export type NewAttempt = AttemptEntity;

export class AttemptRepository {
  constructor(private readonly db: DataSource) {}

  /** One multi-row INSERT for a whole batch of attempts. */
  async insertMany(attempts: NewAttempt[], em: EntityManager): Promise<void> {
    if (attempts.length === 0) return;
    const rows = await sealRows(em, 'attempts', attempts);
    const column = <K extends keyof NewAttempt>(key: K) => rows.map((row) => row[key]);
    await em.query(
      `INSERT INTO attempts (id, task_id, org_id, number, outcome, status_code, duration_ms, response_headers,
                             response_body, response_truncated, error, started_at, finished_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::int[], $7::int[],
                            $8::jsonb[], $9::bytea[], $10::boolean[], $11::bytea[], $12::timestamptz[], $13::timestamptz[])
       ON CONFLICT (task_id, number) DO NOTHING`,
      [
        column('id'),
        column('taskId'),
        column('orgId'),
        column('number'),
        column('outcome'),
        column('statusCode'),
        column('durationMs'),
        rows.map((row) => (row.responseHeaders ? JSON.stringify(row.responseHeaders) : null)),
        column('responseBody'),
        column('responseTruncated'),
        column('error'),
        column('startedAt'),
        column('finishedAt'),
      ],
    );
  }

  async latestForTask(taskId: string): Promise<AttemptEntity | null> {
    const em = this.db.manager;
    return openOne(em, 'attempts', await em.findOne(AttemptEntity, { where: { taskId }, order: { number: 'DESC' } }));
  }

  /** The latest attempt of each of `taskIds` (one query for a whole page of tasks). */
  async latestForTasks(taskIds: string[]): Promise<Map<string, AttemptEntity>> {
    if (taskIds.length === 0) return new Map();
    const rows = await this.db.manager
      .createQueryBuilder(AttemptEntity, 'a')
      .distinctOn(['a.task_id'])
      .where('a.task_id = ANY(:taskIds)', { taskIds })
      .orderBy('a.task_id')
      .addOrderBy('a.number', 'DESC')
      .getMany();
    return new Map((await openRows(this.db.manager, 'attempts', rows)).map((row) => [row.taskId, row]));
  }

  async listForTask(orgId: string, taskId: string, limit: number, cursor?: string): Promise<Page<AttemptEntity>> {
    const query = this.db.manager
      .createQueryBuilder(AttemptEntity, 'a')
      .where('a.org_id = :orgId AND a.task_id = :taskId', { orgId, taskId });
    const before = decodeCursor(cursor);
    if (before) query.andWhere('a.id < :before', { before });
    const rows = await query
      .orderBy('a.id', 'DESC')
      .limit(limit + 1)
      .getMany();
    return toPage(await openRows(this.db.manager, 'attempts', rows), limit);
  }
}
