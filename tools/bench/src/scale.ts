import { runApiLoad, type ApiLoadResult } from './api-load.js';
import type { DrainResult } from './drain.js';
import { stopAll } from './services.js';
import { runThroughput, type PhaseContext } from './throughput.js';

/** One configuration of the scale-out phase: its figure, or why there is none. */
export interface ScaleRun<T> {
  processes: number;
  result?: T;
  note?: string;
}

export interface ScaleResult {
  dispatchers: ScaleRun<DrainResult>[];
  gateways: ScaleRun<ApiLoadResult>[];
}

export const DISPATCHER_COUNTS = [1, 2, 4];
export const GATEWAY_COUNTS = [1, 2];

async function attempt<T>(ctx: PhaseContext, processes: number, run: () => Promise<T>): Promise<ScaleRun<T>> {
  try {
    return { processes, result: await run() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.log(`scale: ${processes} processes failed: ${message}`);
    await stopAll();
    return { processes, note: `failed: ${message.split('\n')[0]!.slice(0, 120)}` };
  }
}

/**
 * Scale-out against one PostgreSQL (BENCH_ONLY=scale): (a) with 1, 2 and 4 dispatcher processes, each
 * with its default in-flight limit, and (b) with 1 and 2 api-gateways sharing the connections; the
 * 1-process runs are repeated here so every ratio compares figures from the same run.
 */
export async function runScale(ctx: PhaseContext): Promise<ScaleResult> {
  const result: ScaleResult = { dispatchers: [], gateways: [] };
  for (const n of DISPATCHER_COUNTS) {
    ctx.log(`scale: (a) with ${n} dispatcher process(es)`);
    result.dispatchers.push(await attempt(ctx, n, () => runThroughput(ctx, n)));
  }
  for (const n of GATEWAY_COUNTS) {
    ctx.log(`scale: (b) with ${n} api-gateway process(es)`);
    result.gateways.push(await attempt(ctx, n, () => runApiLoad(ctx, n)));
  }
  return result;
}
