import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { freePort } from '@hourglass/db';
import { startApi, taskBody } from './api-client.js';
import { type Child, sleep, startService, waitReady } from './services.js';
import { variantEnv, type PhaseContext } from './throughput.js';

export interface SoakRss {
  service: string;
  /** MiB: the first sample (after start-up), the highest, the last. */
  first: number;
  max: number;
  last: number;
}

export interface SoakRate {
  /** Tasks/s over the first and the last tenth of the run, and the whole run. */
  first: number;
  last: number;
  overall: number;
}

export interface SoakResult {
  seconds: number;
  clients: number;
  /** Created but not yet delivered when the load stopped: growing means the dispatcher fell behind. */
  lag: number;
  created: SoakRate;
  delivered: SoakRate;
  failures: number;
  rss: SoakRss[];
}

/** VmRSS of a live process in MiB (0 once it is gone). */
function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Tasks/s over the first and last tenth of per-second counts, and over the whole run. */
function rateOf(perSecond: number[]): SoakRate {
  const tenth = Math.max(1, Math.floor(perSecond.length / 10));
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  return { first: mean(perSecond.slice(0, tenth)), last: mean(perSecond.slice(-tenth)), overall: mean(perSecond) };
}

/**
 * The soak (BENCH_SOAK_S seconds; not in CI): an api-gateway and a dispatcher on one database; (b)'s
 * clients post tasks due now for the whole run while the dispatcher delivers them, so tables and
 * queue grow as in production. Every second: tasks created (201s), deliveries the receiver got,
 * and each service's RSS.
 */
export async function runSoak(ctx: PhaseContext, seconds: number): Promise<SoakResult> {
  const { config, receiver, log } = ctx;
  const url = await ctx.dbs.fresh('soak');
  receiver.reset();
  const api = await startApi(url, ctx.masterKeys, ctx.adminToken, variantEnv(ctx));
  const children: Child[] = [api.child];
  const agent = new Agent({ connections: config.apiConnections, keepAliveTimeout: 30_000 });
  try {
    const port = await freePort();
    const dispatcher = startService('dispatcher', {
      DATABASE_URL: url,
      HOURGLASS_MASTER_KEYS: ctx.masterKeys,
      ...variantEnv(ctx),
      PORT: String(port),
    });
    children.push(dispatcher);
    await waitReady(dispatcher, port);
    const body = taskBody(receiver.url);
    const clients = config.apiConnections;
    log(`soak: ${clients} clients creating tasks due now for ${seconds} s while the dispatcher delivers…`);
    let created = 0;
    let failures = 0;
    const until = performance.now() + seconds * 1_000;
    const load = Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const ok = await request(`${api.base}/v1/tasks`, {
          dispatcher: agent,
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${api.key}` },
        }).then(
          async (res) => (await res.body.dump(), res.statusCode === 201),
          () => false,
        );
        if (ok) created++;
        else failures++;
      }
    });
    const createdPerSecond: number[] = [];
    const deliveredPerSecond: number[] = [];
    const rss = children.map(() => [] as number[]);
    let last = { created: 0, delivered: receiver.count, at: performance.now() };
    while (performance.now() < until) {
      await sleep(1_000);
      const now = performance.now();
      const span = (now - last.at) / 1_000;
      createdPerSecond.push((created - last.created) / span);
      deliveredPerSecond.push((receiver.count - last.delivered) / span);
      children.forEach((child, i) => rss[i]!.push(rssMiB(child.pid)));
      last = { created, delivered: receiver.count, at: now };
    }
    await Promise.all(load);
    const lagAtEnd = created - receiver.count;
    return {
      seconds,
      clients,
      lag: lagAtEnd,
      created: rateOf(createdPerSecond),
      delivered: rateOf(deliveredPerSecond),
      failures,
      rss: children.map((child, i) => ({
        service: child.name,
        first: rss[i]![0] ?? 0,
        max: Math.max(...rss[i]!),
        last: rss[i]!.at(-1) ?? 0,
      })),
    };
  } finally {
    await agent.close();
    await Promise.all(children.map((child) => child.stop()));
  }
}
