import { PgBoss, type ConstructorOptions, type Db, type JobInsert, type SendOptions } from 'pg-boss';
import type { EntityManager } from 'typeorm';

/** pg-boss queue names. Queues are created by the migrate step, never by services at start-up. */
export const Queue = {
  Deliver: 'deliver',
} as const;
export type Queue = (typeof Queue)[keyof typeof Queue];

/** The payload each queue carries: ids only; the rows hold the truth. */
export interface JobPayloads {
  /** `priority` repeats the job's own, so a retry the dispatcher enqueues keeps it. */
  [Queue.Deliver]: { taskId: string; orgId: string; priority?: number };
}

/** Options every queue is created with (see the migrate step). */
export const QUEUE_OPTIONS: Record<Queue, Parameters<PgBoss['createQueue']>[1]> = {
  // A job's lease is its own expireInSeconds; `retryLimit` only covers leases that lapse
  // because a dispatcher died. HTTP failures are retried by the dispatcher with its own backoff.
  [Queue.Deliver]: { retryLimit: 1_000, retryDelay: 0, deleteAfterSeconds: 3_600 },
};

export const PGBOSS_SCHEMA = 'pgboss';

/**
 * A pg-boss `db` adapter over a TypeORM transaction, so a job commits or rolls back with the row
 * it refers to. `query(text, values, true)` returns the structured result (`records`).
 */
export function transactionDb(em: EntityManager): Db {
  const runner = em.queryRunner;
  if (!runner) throw new Error('transactionDb needs an EntityManager from dataSource.transaction()');
  return {
    executeSql: async (text: string, values?: unknown[]) => ({
      rows: (await runner.query(text, values as unknown[], true)).records as unknown[],
    }),
  };
}

export type BossRole = 'producer' | 'worker' | 'migrator';

/**
 * Builds pg-boss for a role. Producers (api-gateway, scheduler) only send; workers also supervise
 * (expire lapsed leases, retry them); only the migrator installs or upgrades the schema.
 */
export function createBoss(url: string, role: BossRole, extra: Partial<ConstructorOptions> = {}): PgBoss {
  return new PgBoss({
    connectionString: url,
    schema: PGBOSS_SCHEMA,
    application_name: `hourglass-boss-${role}`,
    max: role === 'worker' ? 4 : 2,
    migrate: role === 'migrator',
    createSchema: role === 'migrator',
    supervise: role === 'worker',
    schedule: false,
    // Lapsed leases are found by the monitor pass, gated by both intervals: every 5 s a dead
    // dispatcher's jobs come back within (lease + 5 s) instead of pg-boss's default minute.
    ...(role === 'worker' ? { superviseIntervalSeconds: 5, monitorIntervalSeconds: 5 } : {}),
    ...extra,
  } as ConstructorOptions);
}

/** Typed send: the payload must match the queue. Pass `em` to enqueue inside that transaction. */
export async function sendJob<Q extends Queue>(
  boss: PgBoss,
  queue: Q,
  payload: JobPayloads[Q],
  options: SendOptions = {},
  em?: EntityManager,
): Promise<string | null> {
  return boss.send(queue, payload, em ? { ...options, db: transactionDb(em) } : options);
}

/**
 * How long a delivery job may stay active before pg-boss gives it to another dispatcher: the
 * task's own timeout plus room to record the result. A dispatcher killed mid-delivery therefore
 * delays that task by at most this long (plus the supervise interval), and loses nothing.
 */
export function deliveryLeaseSeconds(timeoutMs: number): number {
  return Math.ceil(timeoutMs / 1_000) + 10;
}

/** Typed multi-job insert (one statement) inside `em`'s transaction: the batch commits or rolls back with its rows. */
export async function insertJobs<Q extends Queue>(
  boss: PgBoss,
  queue: Q,
  jobs: (Omit<JobInsert, 'data'> & { data: JobPayloads[Q] })[],
  em: EntityManager,
): Promise<void> {
  if (jobs.length > 0) await boss.insert(queue, jobs, { db: transactionDb(em) });
}

/** A statement with its parameters, as node-postgres takes it. */
export interface SqlStatement {
  text: string;
  values: unknown[];
}

/**
 * The statement pg-boss would run for `call`, taken instead of run, so a caller can embed it in a
 * statement of its own and spare the round trips (docs/decisions/0009). Only a single plain
 * INSERT is accepted: anything else means pg-boss changed, and embedding it would be wrong.
 */
export async function bossStatement(call: (db: Db) => Promise<unknown>): Promise<SqlStatement> {
  const taken: SqlStatement[] = [];
  await call({
    executeSql: async (text: string, values?: unknown[]) => {
      taken.push({ text, values: values ?? [] });
      return { rows: [] };
    },
  });
  if (taken.length !== 1 || !/^\s*INSERT INTO\b/.test(taken[0]!.text)) {
    throw new Error(
      `pg-boss no longer inserts jobs with one plain INSERT (${taken.length} statements); see docs/decisions/0009`,
    );
  }
  return taken[0]!;
}

/** The pg-boss INSERT of `jobs` into `queue`, to run inside a statement of ours (see `bossStatement`). */
export function jobsInsertStatement<Q extends Queue>(
  boss: PgBoss,
  queue: Q,
  jobs: (Omit<JobInsert, 'data'> & { data: JobPayloads[Q] })[],
): Promise<SqlStatement> {
  return bossStatement((db) => boss.insert(queue, jobs, { db }));
}

/** `text` with each `$n` parameter renumbered to `$(n + offset)`, to follow `offset` parameters of the host statement. */
export function shiftParameters(text: string, offset: number): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}

/** A delivery job's payload and priority: the payload repeats the priority so a retry keeps it. */
export function deliveryJobFields(taskId: string, orgId: string, priority: number) {
  return { data: { taskId, orgId, priority } satisfies JobPayloads[typeof Queue.Deliver], priority };
}
