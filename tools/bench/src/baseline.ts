import { join } from 'node:path';
import { measureDrain, type DrainResult } from './drain.js';
import { seedJobs } from './seed.js';
import { Child, ROOT } from './services.js';
import type { PhaseContext } from './throughput.js';

/**
 * (a) baseline: the same N delivery jobs on a fresh queue, drained by a bare pg-boss + undici loop
 * in its own process (as the dispatcher is), timed and polled exactly like the dispatcher run.
 */
export async function runBaseline(ctx: PhaseContext): Promise<DrainResult> {
  const { config, receiver, log } = ctx;
  const url = await ctx.dbs.fresh('baseline');
  log(`(a) seeding ${config.tasks} bare jobs for the baseline…`);
  await seedJobs(url, config.tasks);
  receiver.reset();
  log('(a) starting the baseline worker process…');
  const worker = new Child('baseline', join(ROOT, 'tools', 'bench', 'dist', 'baseline-worker.js'), {
    PATH: process.env.PATH,
    BASELINE_URL: url,
    BASELINE_TARGET: receiver.url,
    BASELINE_TASKS: String(config.tasks),
    BASELINE_CONCURRENCY: String(config.concurrency),
    BASELINE_BATCH: String(config.batchSize),
  });
  try {
    return await measureDrain({
      url,
      child: worker,
      receiver,
      tasks: config.tasks,
      timeoutMs: config.phaseTimeoutMs,
      countDone: async (client) => {
        const { rows } = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM pgboss.job WHERE name = 'deliver' AND state = 'completed'`,
        );
        return Number(rows[0]!.n);
      },
    });
  } finally {
    await worker.stop();
  }
}
