import pg from 'pg';
import { freePort } from '@hourglass/db';
import type { BenchConfig } from './config.js';
import type { BenchDatabases } from './database.js';
import { measureDrain, type DrainResult } from './drain.js';
import type { Receiver } from './receiver.js';
import { seedHistory, tableSizes } from './history.js';
import { seedTasks } from './seed.js';
import { ChildGroup, startService, type Child } from './services.js';
import type { TraceSink } from './trace-sink.js';

export interface PhaseContext {
  config: BenchConfig;
  dbs: BenchDatabases;
  receiver: Receiver;
  masterKeys: string;
  /** The encryption-off comparison: services and seed write customer data unencrypted (HOURGLASS_BENCH_PLAINTEXT). */
  plaintext?: boolean;
  /** The tracing-on comparison: services export every span to this local OTLP endpoint (docs/decisions/0019). */
  tracing?: TraceSink;
  adminToken: string;
  log: (line: string) => void;
}

/**
 * (a) End-to-end delivery throughput: N due tasks with their jobs are loaded, then ONE dispatcher
 * process (or `dispatchers` of them, each with its default in-flight limit, for the scale-out phase)
 * delivers them; done when every task is `succeeded` with exactly one attempts row.
 */
export async function runThroughput(ctx: PhaseContext, dispatchers = 1, history = 0): Promise<DrainResult> {
  const { config, receiver, log } = ctx;
  const url = await ctx.dbs.fresh('throughput');
  if (history > 0) {
    log(`(a) seeding a history of ${history} finished tasks with their attempts and completed jobs…`);
    await seedHistory(url, ctx.masterKeys, history, receiver.url, !ctx.plaintext);
  }
  log(`(a) seeding ${config.tasks} tasks with their delivery jobs…`);
  await seedTasks(url, ctx.masterKeys, config.tasks, receiver.url, !ctx.plaintext);
  receiver.reset();
  log(dispatchers === 1 ? '(a) starting one dispatcher…' : `(a) starting ${dispatchers} dispatchers…`);
  const children: Child[] = [];
  for (let i = 0; i < dispatchers; i++) {
    const port = await freePort();
    children.push(
      startService('dispatcher', {
        DATABASE_URL: url,
        HOURGLASS_MASTER_KEYS: ctx.masterKeys,
        ...variantEnv(ctx),
        PORT: String(port),
      }),
    );
  }
  const dispatcher = dispatchers === 1 ? children[0]! : new ChildGroup(children);
  try {
    const result = await measureDrain({
      url,
      child: dispatcher,
      receiver,
      tasks: config.tasks,
      timeoutMs: config.phaseTimeoutMs,
      countDone: async (client) => {
        const { rows } = await client.query<{ succeeded: string; attempts: string }>(
          `SELECT (SELECT count(*) FROM tasks WHERE status = 'succeeded') AS succeeded, (SELECT count(*) FROM attempts) AS attempts`,
        );
        return Math.min(Number(rows[0]!.succeeded), Number(rows[0]!.attempts)) - history;
      },
    });
    await checkExactlyOnce(url, receiver, config.tasks, log);
    return { ...result, sizes: await tableSizes(url) };
  } finally {
    await dispatcher.stop();
  }
}

/** The services' env for the encryption-off and tracing-on comparisons. */
export function variantEnv(ctx: Pick<PhaseContext, 'plaintext' | 'tracing'>): Record<string, string> {
  return { ...(ctx.plaintext ? { HOURGLASS_BENCH_PLAINTEXT: 'true' } : {}), ...ctx.tracing?.env };
}

/** One attempts row per task, and the receiver saw every task (duplicates are reported, not fatal). */
async function checkExactlyOnce(
  url: string,
  receiver: Receiver,
  tasks: number,
  log: (line: string) => void,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM attempts GROUP BY task_id HAVING count(*) > 1',
    );
    if (rows.length > 0) log(`(a) WARNING: ${rows.length} tasks have more than one attempt`);
  } finally {
    await client.end();
  }
  if (receiver.receivedAt.size !== tasks)
    log(`(a) WARNING: receiver saw ${receiver.receivedAt.size} distinct ids, expected ${tasks}`);
  if (receiver.count !== tasks) log(`(a) note: receiver got ${receiver.count} requests for ${tasks} tasks`);
}
