import pg from 'pg';
import { KeyRing, signingSecretAad } from '@hourglass/crypto';
import { TaskLimits, TaskStatus } from '@hourglass/domain';
import { createBoss, newId, Queue } from '@hourglass/db';
import { CpuMeter } from './cpu.js';
import { percentiles, type Percentiles } from './stats.js';
import type { PhaseContext } from './throughput.js';

export interface InsertBaselineResult extends Percentiles {
  concurrency: number;
  perSecond: number;
  /** Cores used by this (bench) process, which runs the loops, and by the whole machine. */
  benchCores: number;
  machineCores: number;
}

/** API-gateway's default pool size (DB_POOL_MAX), so both sides of (b) have as many connections. */
const POOL_MAX = 20;

/**
 * (b) baseline: what (b) costs without HTTP, Nest, auth or validation: 50 concurrent loops in this
 * process, each a transaction with the task INSERT and pg-boss send (same job options as the API).
 */
export async function runInsertBaseline(ctx: PhaseContext): Promise<InsertBaselineResult> {
  const { config } = ctx;
  const url = await ctx.dbs.fresh('insert');
  const pool = new pg.Pool({ connectionString: url, max: POOL_MAX, application_name: 'hourglass-bench-insert' });
  const boss = createBoss(url, 'producer');
  boss.on('error', () => undefined);
  await boss.start();
  try {
    const orgId = await insertOrg(pool, ctx.masterKeys);
    const target = ctx.receiver.url;
    const latencies: number[] = [];
    const until = performance.now() + config.apiSeconds * 1_000;
    const started = performance.now();
    const meter = new CpuMeter(undefined);
    const loop = async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        await insertAndSend(pool, boss, orgId, target);
        latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: config.apiConnections }, loop));
    const elapsed = (performance.now() - started) / 1_000;
    const cpu = meter.stop();
    return {
      concurrency: config.apiConnections,
      perSecond: latencies.length / elapsed,
      ...percentiles(latencies),
      benchCores: cpu.bench / elapsed,
      machineCores: cpu.machine / elapsed,
    };
  } finally {
    await boss.stop({ graceful: false });
    await pool.end();
  }
}

async function insertOrg(pool: pg.Pool, keys: string): Promise<string> {
  const id = newId();
  await pool.query(`INSERT INTO organizations (id, name, signing_secrets) VALUES ($1, 'bench', $2)`, [
    id,
    [new KeyRing(keys).seal('whsec_unused', signingSecretAad(id))],
  ]);
  return id;
}

async function insertAndSend(
  pool: pg.Pool,
  boss: ReturnType<typeof createBoss>,
  orgId: string,
  target: string,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const id = newId();
    await client.query(
      `INSERT INTO tasks (id, org_id, status, url, method, headers, body, timeout_ms, run_at, max_attempts, labels, priority)
       VALUES ($1, $2, $3, $4, 'POST', '{}', '{"n":1}', $5, now() + interval '1 hour', $6, '{}', $7)`,
      [
        id,
        orgId,
        TaskStatus.Scheduled,
        target,
        TaskLimits.defaultTimeoutMs,
        TaskLimits.defaultMaxAttempts,
        TaskLimits.defaultPriority,
      ],
    );
    await boss.send(
      Queue.Deliver,
      { taskId: id, orgId },
      {
        id: newId(),
        priority: TaskLimits.defaultPriority,
        group: { id: orgId },
        startAfter: 3_600,
        expireInSeconds: Math.ceil(TaskLimits.defaultTimeoutMs / 1_000) + 30,
        db: { executeSql: (text, values) => client.query(text, values) },
      },
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
