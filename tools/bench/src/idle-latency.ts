import { freePort } from '@hourglass/db';
import { createTask, startApi, taskBody, type RunningApi } from './api-client.js';
import { percentiles, type Percentiles } from './stats.js';
import { sleep, startService, waitReady, type Child } from './services.js';
import type { PhaseContext } from './throughput.js';

export interface IdleLatencyResult {
  /** From just before the POST is sent until the receiver has the request (matched by webhook-id). */
  delivery: Percentiles;
  /** The POST /v1/tasks round trip alone, for comparison. */
  create: Percentiles;
  lost: number;
}

const WARMUP_TASKS = 10;
const SETTLE_MS = 2_000;

/**
 * (c) Idle creation-to-delivery latency: api-gateway, scheduler and dispatcher running and idle;
 * tasks due now are created one at a time, ~20 ms apart. A few warm-up tasks are not counted.
 */
export async function runIdleLatency(ctx: PhaseContext): Promise<IdleLatencyResult> {
  const { config, receiver, log } = ctx;
  const url = await ctx.dbs.fresh('latency');
  const children: Child[] = [];
  try {
    const api = await startApi(url, ctx.masterKeys, ctx.adminToken);
    children.push(api.child);
    for (const name of ['dispatcher', 'scheduler'] as const) {
      const port = await freePort();
      const child = startService(name, {
        DATABASE_URL: url,
        HOURGLASS_MASTER_KEYS: ctx.masterKeys,
        PORT: String(port),
      });
      children.push(child);
      await waitReady(child, port);
    }
    receiver.reset();
    await sendSequentially(api, receiver.url, WARMUP_TASKS, config.latencyGapMs);
    await sleep(SETTLE_MS);
    log(`(c) ${config.latencyTasks} tasks, one at a time, ${config.latencyGapMs} ms apart…`);
    const sent = await sendSequentially(api, receiver.url, config.latencyTasks, config.latencyGapMs);
    return await collect(sent, ctx);
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}

interface Sent {
  id: string;
  sentAt: number;
  createMs: number;
}

async function sendSequentially(api: RunningApi, target: string, count: number, gapMs: number): Promise<Sent[]> {
  const body = taskBody(target);
  const sent: Sent[] = [];
  for (let i = 0; i < count; i++) {
    const sentAt = performance.now();
    const id = await createTask(api, body);
    sent.push({ id, sentAt, createMs: performance.now() - sentAt });
    await sleep(gapMs);
  }
  return sent;
}

async function collect(sent: Sent[], ctx: PhaseContext): Promise<IdleLatencyResult> {
  const delivery: number[] = [];
  let lost = 0;
  for (const task of sent) {
    const at = await ctx.receiver.waitFor(task.id, 10_000);
    if (at === undefined) lost++;
    else delivery.push(at - task.sentAt);
  }
  if (lost > 0) ctx.log(`(c) WARNING: ${lost} tasks were not delivered within 10 s`);
  return { delivery: percentiles(delivery), create: percentiles(sent.map((s) => s.createMs)), lost };
}
