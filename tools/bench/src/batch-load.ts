import pg from 'pg';
import { Agent, request } from 'undici';
import { startApi } from './api-client.js';
import { countTasks } from './api-load.js';
import { CpuMeter } from './cpu.js';
import { enableStatements } from './db-cost.js';
import { percentiles, type Percentiles } from './stats.js';
import { variantEnv, type PhaseContext } from './throughput.js';

export interface BatchLoadResult {
  clients: number;
  batchSize: number;
  seconds: number;
  batches: number;
  /** Tasks created per second (201s × batch size over the measured run). */
  tasksPerSec: number;
  /** Milliseconds per POST /v1/tasks/batch. */
  latency: Percentiles;
  failures: number;
  /** Cores used by the api-gateway process and by the whole machine during the run. */
  apiCores: number;
  machineCores: number;
  /** Tasks written with their delivery job during the measured run. */
  tasksInDb: number;
}

const WARMUP_BATCHES = 5;

/**
 * (e) POST /v1/tasks/batch of `batchSize` tasks (each as (b)'s, delayed 1 h: no dispatcher runs) from
 * `clients` concurrent clients, each posting its next batch once the previous one is answered, for
 * the configured seconds after a short warm-up.
 */
export async function runBatchLoad(ctx: PhaseContext): Promise<BatchLoadResult> {
  const { config, log } = ctx;
  const { batchClients: clients, batchTasks: batchSize, batchSeconds: seconds } = config;
  const url = await ctx.dbs.fresh('batch');
  if (process.env.BENCH_BATCH_EXPLAIN === 'true') await explainSlowStatements(url);
  const api = await startApi(url, ctx.masterKeys, ctx.adminToken, variantEnv(ctx));
  const agent = new Agent({ connections: clients, keepAliveTimeout: 30_000 });
  const task = { request: { url: `${ctx.receiver.url}/batch`, method: 'POST', body: '{"n":1}' }, delay: '1h' };
  const body = JSON.stringify({ tasks: Array.from({ length: batchSize }, () => task) });
  const post = async (): Promise<boolean> => {
    const res = await request(`${api.base}/v1/tasks/batch`, {
      dispatcher: agent,
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${api.key}` },
    });
    await res.body.dump();
    return res.statusCode === 201;
  };
  try {
    log(`(e) warm-up, then ${clients} clients × batches of ${batchSize} for ${seconds} s…`);
    for (let i = 0; i < WARMUP_BATCHES; i++) if (!(await post())) throw new Error('warm-up batch refused');
    const before = await countTasks(url);
    const latencies: number[] = [];
    let failures = 0;
    const meter = new CpuMeter(api.child.pid);
    const started = performance.now();
    const until = started + seconds * 1_000;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < until) {
          const t0 = performance.now();
          const ok = await post().catch(() => false);
          if (ok) latencies.push(performance.now() - t0);
          else failures++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1_000;
    const cpu = meter.stop();
    if (process.env.BENCH_BATCH_STATEMENTS === 'true') await logTopStatements(url, log);
    return {
      clients,
      batchSize,
      seconds: elapsed,
      batches: latencies.length,
      tasksPerSec: (latencies.length * batchSize) / elapsed,
      latency: percentiles(latencies),
      failures,
      apiCores: cpu.child / elapsed,
      machineCores: cpu.machine / elapsed,
      tasksInDb: (await countTasks(url)) - before,
    };
  } finally {
    await agent.close();
    await api.child.stop();
  }
}

/** Where the database's time went (BENCH_BATCH_STATEMENTS=true; needs pg_stat_statements preloaded). */
async function logTopStatements(url: string, log: (line: string) => void): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    if (!(await enableStatements(client))) return log('(e) pg_stat_statements is not preloaded');
    const { rows } = await client.query<{ calls: string; total: number; mean: number; query: string }>(
      `SELECT calls, total_exec_time AS total, mean_exec_time AS mean, left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS query
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time DESC LIMIT 6`,
    );
    for (const r of rows) log(`(e) ${r.calls} × ${r.mean.toFixed(1)} ms = ${r.total.toFixed(0)} ms: ${r.query}`);
  } finally {
    await client.end();
  }
}

/** Plans of statements over 50 ms go to the server log (BENCH_BATCH_EXPLAIN=true, a profiling aid; superuser). */
async function explainSlowStatements(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const db = client.escapeIdentifier(new URL(url).pathname.slice(1));
    await client.query(`ALTER DATABASE ${db} SET session_preload_libraries = 'auto_explain'`);
    for (const [name, value] of Object.entries({
      log_min_duration: '50',
      log_analyze: 'on',
      log_buffers: 'on',
      log_triggers: 'on',
    }))
      await client.query(`ALTER DATABASE ${db} SET auto_explain.${name} = '${value}'`);
  } finally {
    await client.end();
  }
}
