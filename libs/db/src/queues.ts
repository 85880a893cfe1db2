import {
  PgBoss,
  type CommandResponse,
  type ConstructorOptions,
  type Db,
  type FetchOptions,
  type Job,
  type JobAttempt,
  type JobInsert,
} from 'pg-boss';
import type { EntityManager } from 'typeorm';
import { queryRows } from './sql.js';
import { PooledClient } from './pooled-client.js';

/**
 * The only module that touches pg-boss (docs/decisions/0012). Services fetch, insert, complete and
 * cancel delivery jobs through the functions below; everything that relies on pg-boss internals
 * rather than its public API is marked INTERNAL here and pinned by libs/testing/src/pg-boss-contract.int-spec.ts.
 */

/** pg-boss queue names. Queues are created by the migrate step, never by services at start-up. */
export const Queue = {
  Deliver: 'deliver',
  /** An HTTP monitor's check is due (the scheduler's leader enqueues, a dispatcher runs it). */
  MonitorCheck: 'monitor-check',
} as const;
export type Queue = (typeof Queue)[keyof typeof Queue];

/** The payload each queue carries: ids only; the rows hold the truth. */
export interface JobPayloads {
  /** `priority` repeats the job's own, so a retry the dispatcher enqueues keeps it. */
  [Queue.Deliver]: { taskId: string; orgId: string; priority?: number };
  [Queue.MonitorCheck]: { monitorId: string; orgId: string };
}

/** A `deliver` job as the task writer builds it (see task-writer/delivery-job.ts). */
export type DeliveryJobInsert = Omit<JobInsert, 'data'> & { data: JobPayloads[typeof Queue.Deliver] };
export type DeliveryJob = Job<JobPayloads[typeof Queue.Deliver]>;

/** Options every queue is created with (see the migrate step). */
export const QUEUE_OPTIONS: Record<Queue, Parameters<PgBoss['createQueue']>[1]> = {
  // A job's lease is its own expireInSeconds; `retryLimit` only covers leases that lapse
  // because a dispatcher died. HTTP failures are retried by the dispatcher with its own backoff.
  [Queue.Deliver]: { retryLimit: 1_000, retryDelay: 0, deleteAfterSeconds: 3_600 },
  // A check whose dispatcher died is run again once; a later one is due every `every` anyway.
  // `stately` with the monitor id as singletonKey: at most one check per monitor queued and one
  // active, so checks enqueued while no dispatcher runs do not pile up and burst when one returns
  // (a re-check enqueued while its check is still active is allowed).
  [Queue.MonitorCheck]: { policy: 'stately', retryLimit: 1, retryDelay: 0, deleteAfterSeconds: 3_600 },
};

export const PGBOSS_SCHEMA = 'pgboss';

/**
 * A pg-boss `db` adapter over a TypeORM transaction, so a job commits or rolls back with the row
 * it refers to. `query(text, values, true)` returns the structured result (`records`).
 */
function transactionDb(em: EntityManager): Db {
  const runner = em.queryRunner;
  if (!runner)
    throw new Error('pg-boss calls inside a transaction need an EntityManager from dataSource.transaction()');
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
    Client: PooledClient,
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

/**
 * How long a delivery job may stay active before pg-boss gives it to another dispatcher: the
 * task's own timeout plus room to record the result. A dispatcher killed mid-delivery therefore
 * delays that task by at most this long (plus the supervise interval), and loses nothing.
 */
export function deliveryLeaseSeconds(timeoutMs: number): number {
  return Math.ceil(timeoutMs / 1_000) + 10;
}

/** The dispatcher's fetch (public API; its own autocommit transaction). */
export function fetchDeliveryJobs(boss: PgBoss, options: FetchOptions): Promise<DeliveryJob[]> {
  return boss.fetch<JobPayloads[typeof Queue.Deliver]>(Queue.Deliver, options);
}

export type MonitorCheckJob = Job<JobPayloads[typeof Queue.MonitorCheck]>;

/**
 * Enqueues HTTP monitor checks inside `em`'s transaction (public API): they exist iff the claim
 * committed. A monitor that already has a check queued gets no second one (stately queue, keyed by monitor).
 */
export async function sendMonitorChecks(
  boss: PgBoss,
  em: EntityManager,
  checks: JobPayloads[typeof Queue.MonitorCheck][],
): Promise<void> {
  if (checks.length === 0) return;
  await boss.insert(
    Queue.MonitorCheck,
    checks.map((data) => ({ data, expireInSeconds: 120, singletonKey: data.monitorId })),
    { db: transactionDb(em) },
  );
}

/** Runs `handler` on batches of due monitor checks, polling every 0.5 s (public API); returns the worker id. */
export function workMonitorChecks(boss: PgBoss, handler: (jobs: MonitorCheckJob[]) => Promise<void>): Promise<string> {
  return boss.work<JobPayloads[typeof Queue.MonitorCheck]>(
    Queue.MonitorCheck,
    { batchSize: 20, pollingIntervalSeconds: 0.5 },
    handler,
  );
}

/** Stops a worker `workMonitorChecks` started, waiting for its batch in flight. */
export async function stopMonitorChecks(boss: PgBoss, id: string): Promise<void> {
  await boss.offWork(Queue.MonitorCheck, { id, wait: true });
}

/** Completes fetched jobs inside `em`'s transaction, fenced to the attempt fetched (public API). */
export function completeDeliveryJobs(
  boss: PgBoss,
  em: EntityManager,
  attempts: JobAttempt[],
): Promise<CommandResponse> {
  return boss.complete(Queue.Deliver, attempts, null, { db: transactionDb(em) });
}

/**
 * Deletes jobs (whatever their state) inside `em`'s transaction (public API). Only for jobs whose
 * task the same transaction removes: a dispatcher holding one finds no task and delivers nothing.
 */
export async function deleteDeliveryJobs(boss: PgBoss, em: EntityManager, jobIds: string[]): Promise<void> {
  if (jobIds.length > 0) await boss.deleteJob(Queue.Deliver, jobIds, { db: transactionDb(em) });
}

/** A statement with its parameters, as node-postgres takes it. */
export interface SqlStatement {
  text: string;
  values: unknown[];
}

/**
 * INTERNAL (public call, internal shape): pg-boss's INSERT of `jobs`, taken instead of run, so the
 * task writer can embed it in its own statement and spare the round trips (docs/decisions/0009).
 * `boss.insert(…, { db })` is public; what we rely on is that it runs exactly ONE plain
 * `INSERT INTO` whose only parameter is `$1` (the jobs as JSON). The host statement then keeps
 * that parameter at `$1` and numbers its own from `$2`: nothing is renumbered. Anything else
 * throws here (and fails the contract test) rather than being embedded wrongly.
 */
export async function jobsInsertStatement(boss: PgBoss, jobs: DeliveryJobInsert[]): Promise<SqlStatement> {
  const taken: SqlStatement[] = [];
  await boss.insert(Queue.Deliver, jobs, {
    db: {
      executeSql: async (text: string, values?: unknown[]) => {
        taken.push({ text, values: values ?? [] });
        return { rows: [] };
      },
    },
  });
  const statement = taken[0];
  const parameters = new Set(statement?.text.match(/\$\d+/g) ?? []);
  if (
    taken.length !== 1 ||
    !/^\s*INSERT INTO\b/.test(statement!.text) ||
    statement!.values.length !== 1 ||
    parameters.size !== 1 ||
    !parameters.has('$1')
  ) {
    throw new Error(
      `pg-boss no longer inserts jobs as one plain INSERT with the single parameter $1 (${taken.length} statements); see docs/decisions/0012`,
    );
  }
  return statement!;
}

const JOB_TABLE = `${PGBOSS_SCHEMA}.job`;
const JOB_STATE_TYPE = `${PGBOSS_SCHEMA}.job_state`;
/**
 * INTERNAL: the columns and states of pgboss.job that `withdrawUnfetchedJob` and retention read (pinned by the
 * contract test). `live` is pg-boss's own LIVE_STATES: a `failed` job can still be retried by hand.
 */
export const JOB_TABLE_CONTRACT = {
  table: JOB_TABLE,
  stateType: JOB_STATE_TYPE,
  columns: ['id', 'name', 'state', 'data', 'start_after'],
  unfetched: ['created', 'retry'],
  fetched: 'active',
  live: ['created', 'retry', 'active', 'failed'],
} as const;

export type PendingJob = 'released' | 'active' | 'none';

export interface ReadyJobs {
  /** Jobs due now and not fetched yet. */
  ready: number;
  /** How long the longest-waiting of them has been due (0 when none is). */
  oldestReadyAgeSeconds: number;
}

/**
 * INTERNAL (direct SQL on pgboss.job): the queue's backlog, for the metrics an on-call alerts on.
 * pg-boss's own counts come from a stats cache refreshed every minute and have no age; this reads
 * its partial index of unfetched jobs (state < active), so it costs one index scan of the backlog.
 */
export async function readyJobs(em: EntityManager, queue: Queue): Promise<ReadyJobs> {
  const [row] = await queryRows<{ ready: number; age: number }>(
    em,
    `SELECT count(*)::int AS ready, COALESCE(extract(epoch FROM now() - min(start_after)), 0)::float8 AS age
       FROM ${JOB_TABLE} WHERE name = $1 AND state = ANY($2::${JOB_STATE_TYPE}[]) AND start_after <= now()`,
    [queue, JOB_TABLE_CONTRACT.unfetched],
  );
  return { ready: row!.ready, oldestReadyAgeSeconds: row!.age };
}

/**
 * INTERNAL (direct SQL on pgboss.job): deletes the task's job if no dispatcher has fetched it, so a
 * new one can replace it. pg-boss has no public "remove unless fetched": `cancel` and `deleteJob`
 * also take an active job, and a dispatcher would then deliver the edited task twice (once for
 * the job it holds, once for the new one). A fetch locks the job before marking it active; this
 * DELETE waits for that lock and then skips the now-active job, and a separate statement (fresh
 * snapshot) reports it: `active` means a dispatcher is starting the task. Found by `job_id`, else
 * by payload (rows written before every writer recorded `job_id`, docs/decisions/0012).
 */
export async function withdrawUnfetchedJob(
  em: EntityManager,
  task: { id: string; jobId: string | null },
): Promise<PendingJob> {
  const byId = task.jobId !== null;
  const match = byId ? 'id = $2::uuid' : `data->>'taskId' = $2`;
  const key = byId ? task.jobId : task.id;
  const { unfetched, fetched } = JOB_TABLE_CONTRACT;
  const gone = await queryRows(
    em,
    `DELETE FROM ${JOB_TABLE} WHERE name = $1 AND ${match} AND state = ANY($3::${JOB_STATE_TYPE}[]) RETURNING id`,
    [Queue.Deliver, key, unfetched],
  );
  if (gone.length > 0) return 'released';
  const active = await queryRows(em, `SELECT 1 FROM ${JOB_TABLE} WHERE name = $1 AND ${match} AND state = $3`, [
    Queue.Deliver,
    key,
    fetched,
  ]);
  if (active.length > 0) return 'active';
  // A recorded job that is already done (a retry enqueued by code that did not record it): look by payload.
  return byId ? withdrawUnfetchedJob(em, { id: task.id, jobId: null }) : 'none';
}
