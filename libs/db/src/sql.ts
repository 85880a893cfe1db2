import type { EntityManager } from 'typeorm';

/**
 * Rows of a raw statement. TypeORM's `query()` answers UPDATE/DELETE … RETURNING with
 * `[rows, count]` but SELECT/INSERT with `rows`; the structured result (`records`) is the same for
 * all. Inside a transaction it runs on that transaction's runner, else on a pooled one.
 */
export async function queryRows<T>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const runner = em.queryRunner ?? em.connection.createQueryRunner();
  try {
    return (await runner.query(sql, params, true)).records as T[];
  } finally {
    if (!em.queryRunner) await runner.release();
  }
}
