import pg from 'pg';
import { Pool } from 'undici';
import { freePort } from '@hourglass/db';
import { DEFAULT_PLANS } from '@hourglass/domain';
import { benchPlansEnv, postJson, startApi } from './api-client.js';
import { sleep, startService, waitReady, type Child } from './services.js';
import { percentiles, type Percentiles } from './stats.js';
import type { PhaseContext } from './throughput.js';

export interface MonitorsResult {
  monitors: number;
  /** Of them, how many were pinged once and then never again, on a short every + grace. */
  silent: number;
  /** Monitors created per second through POST /v1/monitors (there is no batch route). */
  createdPerSecond: number;
  /** Pings sent at the target rate, their acknowledgements, and the rate reached. */
  pingRate: number;
  pingSeconds: number;
  pingsPerSecond: number;
  pingErrors: number;
  ack: Percentiles;
  /** monitor.down notification_events.created_at − (last ping + every + grace), database clock. */
  lateness: Percentiles;
  /** Silent monitors with no monitor.down event after the wait, and with more than one. */
  missing: number;
  duplicates: number;
}

const CREATE_CONCURRENCY = 16;
const WARMUP_CONCURRENCY = 16;
const PING_CONNECTIONS = 64;
/** The silent ones: the shortest `every` the API allows, and a short grace. */
const SILENT = { every: '10s', grace: '5s' };
/** The others: never due while the phase runs (their pings only load the path). */
const STEADY = { every: '10m', grace: '10m' };
/** Pings in flight at most; beyond that the loop skips (and counts) rather than queue without bound. */
const MAX_IN_FLIGHT = 2_000;
const ALERT_WAIT_MS = 60_000;

/** The bench plan ((b)'s raised limits), with room for the monitors and the API's shortest monitor interval. */
function monitorPlansEnv(monitors: number): Record<string, string> {
  return benchPlansEnv({
    minScheduleIntervalMs: 1_000,
    maxSchedules: Math.max(monitors, DEFAULT_PLANS.free!.maxSchedules),
    maxMonitors: monitors,
  });
}

interface Created {
  id: string;
  pingPath: string;
}

/** N monitors through the API, CREATE_CONCURRENCY requests at a time (no batch route exists). */
async function createMonitors(base: string, key: string, count: number, prefix: string, timing: object) {
  const created: Created[] = new Array<Created>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) {
        const monitor = await postJson<{ id: string; pingUrl: string }>(`${base}/v1/monitors`, key, {
          name: `${prefix}${i}`,
          type: 'heartbeat',
          ...timing,
        });
        created[i] = { id: monitor.id, pingPath: new URL(monitor.pingUrl).pathname };
      }
    }),
  );
  return created;
}

/**
 * One ping to each monitor, `WARMUP_CONCURRENCY` at a time, not measured: a monitor's first ping
 * gives it its first deadline (the evaluator's slow path: a row lock and a wake-up), later ones only
 * move it on, which is what a fleet of running monitors sends.
 */
async function warmUp(base: string, monitors: Created[]): Promise<void> {
  const pool = new Pool(base, { connections: WARMUP_CONCURRENCY });
  let next = 0;
  await Promise.all(
    Array.from({ length: WARMUP_CONCURRENCY }, async () => {
      for (let i = next++; i < monitors.length; i = next++) {
        const res = await pool.request({ path: monitors[i]!.pingPath, method: 'POST', body: '' });
        await res.body.dump();
        if (res.statusCode !== 200) throw new Error(`warm-up ping → ${res.statusCode}`);
      }
    }),
  );
  await pool.close();
}

/**
 * Pings at `rate` per second for `seconds`, open loop (sent on a 10 ms clock, not after the previous
 * answer): the silent monitors first, once each, then the steady ones round-robin.
 */
async function pingLoad(base: string, silent: Created[], steady: Created[], rate: number, seconds: number) {
  const pool = new Pool(base, { connections: PING_CONNECTIONS, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  let errors = 0;
  let skipped = 0;
  let inFlight = 0;
  let sent = 0;
  const pending = new Set<Promise<void>>();
  const pathOf = (n: number) =>
    n < silent.length ? silent[n]!.pingPath : steady[(n - silent.length) % steady.length]!.pingPath;
  const fire = (path: string) => {
    const at = performance.now();
    inFlight++;
    const done = pool
      .request({ path, method: 'POST', body: '' })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode === 200) latencies.push(performance.now() - at);
        else errors++;
      })
      .catch(() => void errors++)
      .finally(() => {
        inFlight--;
        pending.delete(done);
      });
    pending.add(done);
  };
  const started = performance.now();
  const ticks = seconds * 100;
  for (let tick = 0; tick < ticks; tick++) {
    const wait = started + tick * 10 - performance.now();
    if (wait > 0) await sleep(wait);
    const due = Math.floor(((tick + 1) * rate) / 100) - Math.floor((tick * rate) / 100);
    for (let i = 0; i < due; i++) {
      if (inFlight >= MAX_IN_FLIGHT) skipped++;
      else fire(pathOf(sent++));
    }
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1_000;
  await pool.close();
  return { latencies, errors: errors + skipped, perSecond: latencies.length / elapsed };
}

/**
 * (g) Heartbeat monitors: N created through the API, an api-gateway and a scheduler (its leader
 * evaluates deadlines) running; every steady monitor pinged once (warm-up), then pings at R/s for
 * S seconds. A subset is pinged once, then falls silent on a short every + grace: each must raise
 * one monitor.down, and its lateness is the event's created_at minus the monitor's down deadline
 * (last ping + every + grace).
 */
export async function runMonitors(ctx: PhaseContext): Promise<MonitorsResult> {
  const { config, log } = ctx;
  const url = await ctx.dbs.fresh('monitors');
  const total = config.monitors;
  const silentCount = Math.min(config.monitorsSilent, total);
  const api = await startApi(url, ctx.masterKeys, ctx.adminToken, monitorPlansEnv(total));
  const children: Child[] = [api.child];
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const port = await freePort();
    const scheduler = startService('scheduler', {
      DATABASE_URL: url,
      HOURGLASS_MASTER_KEYS: ctx.masterKeys,
      PORT: String(port),
    });
    children.push(scheduler);
    await waitReady(scheduler, port);

    log(`(g) creating ${total} heartbeat monitors through POST /v1/monitors…`);
    const createStart = performance.now();
    const steady = await createMonitors(api.base, api.key, total - silentCount, 'steady-', STEADY);
    const silent = await createMonitors(api.base, api.key, silentCount, 'silent-', SILENT);
    const createdPerSecond = total / ((performance.now() - createStart) / 1_000);

    log(`(g) warm-up: one ping to each of the ${steady.length} steady monitors (not measured)…`);
    await warmUp(api.base, steady);

    log(`(g) pings at ${config.monitorPingRate}/s for ${config.monitorSeconds} s (${silentCount} then fall silent)…`);
    const load = await pingLoad(api.base, silent, steady, config.monitorPingRate, config.monitorSeconds);

    log(`(g) waiting for ${silentCount} monitor.down alerts…`);
    const ids = silent.map((m) => m.id);
    const deadline = Date.now() + ALERT_WAIT_MS;
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(DISTINCT subject_id)::int AS n FROM notification_events
          WHERE event = 'monitor.down' AND subject_id = ANY($1::uuid[])`,
        [ids],
      );
      if (rows[0]!.n >= ids.length || Date.now() > deadline) break;
      await sleep(500);
    }
    const { rows } = await client.query<{ id: string; events: number; lateness_ms: number | null }>(
      `SELECT m.id, count(e.id)::int AS events,
              extract(epoch FROM min(e.created_at) - (m.last_ping_at
                + (m.every_ms + m.grace_ms) * interval '1 millisecond')) * 1000 AS lateness_ms
         FROM monitors m
         LEFT JOIN notification_events e ON e.subject_id = m.id AND e.event = 'monitor.down'
        WHERE m.id = ANY($1::uuid[])
        GROUP BY m.id, m.last_ping_at, m.every_ms, m.grace_ms`,
      [ids],
    );
    return {
      monitors: total,
      silent: silentCount,
      createdPerSecond,
      pingRate: config.monitorPingRate,
      pingSeconds: config.monitorSeconds,
      pingsPerSecond: load.perSecond,
      pingErrors: load.errors,
      ack: percentiles(load.latencies),
      lateness: percentiles(rows.filter((r) => r.lateness_ms !== null).map((r) => Number(r.lateness_ms))),
      missing: rows.filter((r) => r.events === 0).length,
      duplicates: rows.filter((r) => r.events > 1).length,
    };
  } finally {
    await client.end();
    await Promise.all(children.map((child) => child.stop()));
  }
}
