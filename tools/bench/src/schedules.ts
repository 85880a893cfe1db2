import pg from 'pg';
import { freePort } from '@hourglass/db';
import { checkOccurrences, firedTasks, insertSchedules, type ScheduleGroup } from './schedule-seed.js';
import { seedTasks } from './seed.js';
import { sleep, startService, waitReady, type Child } from './services.js';
import { percentiles, type Percentiles } from './stats.js';
import type { PhaseContext } from './throughput.js';

export interface LatenessFigures {
  schedules: number;
  occurrences: number;
  /** Fire time → task and job written (the scheduler's lateness_ms, database clock). */
  enqueue: Percentiles;
  /** Fire time → the receiver got the request. */
  received: Percentiles;
  lost: number;
  duplicates: number;
}

export interface SchedulesResult {
  burst: LatenessFigures;
  steady: LatenessFigures & { seconds: number };
  /** Ordinary due tasks queued ahead of the schedules, so the dispatcher is busy meanwhile. */
  backlog: number;
}

const BURST: ScheduleGroup = {
  prefix: 'burst-',
  count: 0,
  timing: { intervalMs: 3_600_000 },
  firstInSeconds: 3,
  shortestIntervalMs: 3_600_000,
};
const STEADY: ScheduleGroup = {
  prefix: 'steady-',
  count: 0,
  timing: { cron: '* * * * * *' },
  firstInSeconds: 2,
  shortestIntervalMs: 1_000,
};

/**
 * (d) Schedules: a backlog of ordinary tasks keeps one dispatcher busy; then N schedules fall due in
 * the same second, then M per-second schedules run for S seconds. Lateness is measured from each
 * occurrence's fire time to its enqueue (scheduler, database clock) and to its arrival at the receiver.
 */
export async function runSchedules(ctx: PhaseContext): Promise<SchedulesResult> {
  const { config, log } = ctx;
  const url = await ctx.dbs.fresh('schedules');
  log(`(d) seeding a backlog of ${config.scheduleBacklog} tasks…`);
  const orgId = await seedTasks(url, ctx.masterKeys, config.scheduleBacklog, ctx.receiver.url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const children: Child[] = [];
  try {
    await client.query(`UPDATE organizations SET plan = 'pro' WHERE id = $1`, [orgId]);
    for (const name of ['scheduler', 'dispatcher'] as const) {
      const port = await freePort();
      const child = startService(name, {
        DATABASE_URL: url,
        HOURGLASS_MASTER_KEYS: ctx.masterKeys,
        PORT: String(port),
      });
      children.push(child);
      await waitReady(child, port);
    }
    ctx.receiver.reset();
    log(`(d) ${config.scheduleBurst} schedules due in the same second…`);
    const burst = await runGroup(ctx, client, orgId, { ...BURST, count: config.scheduleBurst }, 5_000);
    log(`(d) ${config.scheduleSteady} per-second schedules for ${config.scheduleSeconds} s…`);
    const steady = await runGroup(
      ctx,
      client,
      orgId,
      { ...STEADY, count: config.scheduleSteady },
      config.scheduleSeconds * 1_000,
    );
    return { burst, steady: { ...steady, seconds: config.scheduleSeconds }, backlog: config.scheduleBacklog };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await client.end();
  }
}

async function runGroup(
  ctx: PhaseContext,
  client: pg.Client,
  orgId: string,
  group: ScheduleGroup,
  runMs: number,
): Promise<LatenessFigures> {
  await insertSchedules(client, orgId, ctx.receiver.url, group);
  const { rows } = await client.query<{ t: Date }>(
    `SELECT min(next_run_at) AS t FROM schedules WHERE starts_with(name, $1)`,
    [group.prefix],
  );
  await sleep(group.firstInSeconds * 1_000 + runMs);
  await client.query(`UPDATE schedules SET enabled = false WHERE starts_with(name, $1)`, [group.prefix]);
  await sleep(1_000);
  const fired = await firedTasks(client, group.prefix);
  const received: number[] = [];
  for (const task of fired) {
    const at = await ctx.receiver.waitFor(task.id, 30_000);
    if (at !== undefined) received.push(performance.timeOrigin + at - task.fireAt);
  }
  const { lost, duplicates } = await checkOccurrences(client, group.prefix, rows[0]!.t);
  if (received.length < fired.length)
    ctx.log(`(d) WARNING: ${fired.length - received.length} fired tasks not received within 30 s`);
  return {
    schedules: group.count,
    occurrences: fired.length,
    enqueue: percentiles(fired.map((f) => f.latenessMs)),
    received: percentiles(received),
    lost,
    duplicates,
  };
}
