import autocannon, { type Result } from 'autocannon';
import pg from 'pg';
import { postJson, type RunningApi, startApi, startGateway, taskBody } from './api-client.js';
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

/** What autocannon posts (`path` on every gateway): built once the gateways run (an endpoint may be made first). */
interface LoadTarget {
  path: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * (b) POST /v1/tasks under load: autocannon, N connections for S seconds, each task delayed 1 h so
 * no dispatcher is involved (none runs). A short warm-up run comes first and is not reported. With
 * `gateways` > 1 (the scale-out phase) that many api-gateways share the database and the N connections
 * are split evenly across them, one autocannon per gateway running at the same time.
 */
export function runApiLoad(ctx: PhaseContext, gateways = 1): Promise<ApiLoadResult> {
  return measureLoad(ctx, '(b)', gateways, async (api) => ({
    path: '/v1/tasks',
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
  return measureLoad(ctx, '(f)', 1, async (api) => {
    const endpoint = await postJson<{ slug: string }>(`${api.base}/v1/endpoints`, api.key, {
      name: 'bench',
      forward: [{ url: `${ctx.receiver.url}/forwarded` }],
    });
    return { path: `/in/${endpoint.slug}`, body: INBOUND_BODY, headers: { 'content-type': 'application/json' } };
  });
}

async function measureLoad(
  ctx: PhaseContext,
  label: string,
  gateways: number,
  target: (api: RunningApi) => Promise<LoadTarget>,
): Promise<ApiLoadResult> {
  const { config, log } = ctx;
  const url = await ctx.dbs.fresh('api');
  const api = await startApi(url, ctx.masterKeys, ctx.adminToken, variantEnv(ctx));
  const children = [api.child];
  try {
    const bases = [api.base];
    for (let i = 1; i < gateways; i++) {
      const extra = await startGateway(url, ctx.masterKeys, ctx.adminToken, variantEnv(ctx));
      children.push(extra.child);
      bases.push(extra.base);
    }
    const { path, body, headers } = await target(api);
    const load = (connections: number, duration: number) =>
      Promise.all(
        bases.map((base, i) =>
          autocannon({
            url: `${base}${path}`,
            method: 'POST',
            body,
            headers,
            // The remainder goes to the first gateways, so the total stays `connections`.
            connections: Math.floor(connections / bases.length) + (i < connections % bases.length ? 1 : 0),
            duration,
          }),
        ),
      );
    log(
      `${label} warm-up ${WARMUP_SECONDS} s, then ${config.apiConnections} connections for ${config.apiSeconds} s` +
        (gateways > 1 ? ` across ${gateways} api-gateways…` : '…'),
    );
    await load(10, WARMUP_SECONDS);
    const before = await countTasks(url);
    const meter = new CpuMeter(children.map((child) => child.pid));
    const started = performance.now();
    const results = await load(config.apiConnections, config.apiSeconds);
    const cpu = meter.stop();
    const elapsed = (performance.now() - started) / 1_000;
    return summarize(
      results,
      config.apiConnections,
      cpu.child / elapsed,
      cpu.machine / elapsed,
      (await countTasks(url)) - before,
    );
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}

/** One autocannon's figures, or several run side by side: rates add up; p50 is averaged, p99 and max the worst. */
function summarize(
  results: Result[],
  connections: number,
  apiCores: number,
  machineCores: number,
  tasksInDb: number,
): ApiLoadResult {
  const seconds = Math.max(...results.map((r) => r.duration));
  const sum = (pick: (r: Result) => number) => results.reduce((total, r) => total + pick(r), 0);
  return {
    connections,
    seconds,
    requestsPerSec: sum((r) => r['2xx'] / r.duration),
    p50: sum((r) => r.latency.p50) / results.length,
    p99: Math.max(...results.map((r) => r.latency.p99)),
    max: Math.max(...results.map((r) => r.latency.max)),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    apiCores,
    machineCores,
    tasksInDb,
  };
}

export async function countTasks(url: string): Promise<number> {
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
