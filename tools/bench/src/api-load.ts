import autocannon, { type Result } from 'autocannon';
import pg from 'pg';
import { postJson, type RunningApi, startApi, taskBody } from './api-client.js';
import { CpuMeter } from './cpu.js';
import { variantEnv, type PhaseContext } from './throughput.js';

export interface ApiLoadResult {
  connections: number;
  seconds: number;
  requestsPerSec: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  /** Cores used by the api-gateway process and by the whole machine during the run. */
  apiCores: number;
  machineCores: number;
  /** Tasks written with their delivery job during the measured run. */
  tasksInDb: number;
}

const WARMUP_SECONDS = 2;

/** What autocannon posts: built once the gateway runs (an endpoint may need creating first). */
interface LoadTarget {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * (b) POST /v1/tasks under load: autocannon, N connections for S seconds, each task delayed 1 h so
 * no dispatcher is involved (none runs). A short warm-up run comes first and is not reported.
 */
export function runApiLoad(ctx: PhaseContext): Promise<ApiLoadResult> {
  return measureLoad(ctx, '(b)', async (api) => ({
    url: `${api.base}/v1/tasks`,
    body: taskBody(ctx.receiver.url, '1h'),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${api.key}` },
  }));
}

/** A 2 KB JSON event, as a provider would send it. */
const INBOUND_BODY = JSON.stringify({ type: 'invoice.paid', data: { pad: 'x'.repeat(2_000) } });

/**
 * (f) `/in/{slug}` under the same load as (b): an endpoint without a verifier and one forward, 2 KB
 * bodies. Each 202 is an event committed with its forward task (and job), so `tasksInDb` over the
 * run is the forward throughput written; no dispatcher runs.
 */
export function runInboundLoad(ctx: PhaseContext): Promise<ApiLoadResult> {
  return measureLoad(ctx, '(f)', async (api) => {
    const endpoint = await postJson<{ slug: string }>(`${api.base}/v1/endpoints`, api.key, {
      name: 'bench',
      forward: [{ url: `${ctx.receiver.url}/forwarded` }],
    });
    return {
      url: `${api.base}/in/${endpoint.slug}`,
      body: INBOUND_BODY,
      headers: { 'content-type': 'application/json' },
    };
  });
}

async function measureLoad(
  ctx: PhaseContext,
  label: string,
  target: (api: RunningApi) => Promise<LoadTarget>,
): Promise<ApiLoadResult> {
  const { config, log } = ctx;
  const url = await ctx.dbs.fresh('api');
  const api = await startApi(url, ctx.masterKeys, ctx.adminToken, variantEnv(ctx));
  try {
    const options = { ...(await target(api)), method: 'POST' as const };
    log(`${label} warm-up ${WARMUP_SECONDS} s, then ${config.apiConnections} connections for ${config.apiSeconds} s…`);
    await autocannon({ ...options, connections: 10, duration: WARMUP_SECONDS });
    const before = await countTasks(url);
    const meter = new CpuMeter(api.child.pid);
    const started = performance.now();
    const result = await autocannon({ ...options, connections: config.apiConnections, duration: config.apiSeconds });
    const cpu = meter.stop();
    const elapsed = (performance.now() - started) / 1_000;
    return summarize(
      result,
      config.apiConnections,
      cpu.child / elapsed,
      cpu.machine / elapsed,
      (await countTasks(url)) - before,
    );
  } finally {
    await api.child.stop();
  }
}

function summarize(
  result: Result,
  connections: number,
  apiCores: number,
  machineCores: number,
  tasksInDb: number,
): ApiLoadResult {
  return {
    connections,
    seconds: result.duration,
    requestsPerSec: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    apiCores,
    machineCores,
    tasksInDb,
  };
}

async function countTasks(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Counted only when the task has its job, so a missing enqueue would show up here.
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM tasks t JOIN pgboss.job j ON j.name = 'deliver' AND (j.data->>'taskId')::uuid = t.id`,
    );
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}
