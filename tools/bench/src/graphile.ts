import { join } from 'node:path';
import { makeWorkerUtils } from 'graphile-worker';
import { newId } from '@hourglass/db';
import { measureDrain, type DrainResult } from './drain.js';
import { Child, ROOT } from './services.js';
import type { PhaseContext } from './throughput.js';

const CHUNK = 1_000;

/**
 * (a) peer: the same N deliveries as graphile-worker jobs in a fresh database on the bench's
 * PostgreSQL, seeded (schema migrated) before timing, drained by graphile-worker in its own process.
 * graphile-worker deletes a job once completed, so done = N − rows left.
 */
export async function runGraphile(ctx: PhaseContext): Promise<DrainResult> {
  const { config, receiver, log } = ctx;
  const url = await ctx.dbs.fresh('graphile');
  log(`(a) seeding ${config.tasks} graphile-worker jobs…`);
  const utils = await makeWorkerUtils({ connectionString: url });
  try {
    await utils.migrate();
    for (let done = 0; done < config.tasks; done += CHUNK) {
      const jobs = Array.from({ length: Math.min(CHUNK, config.tasks - done) }, () => ({
        identifier: 'deliver',
        payload: { taskId: newId() },
      }));
      await utils.addJobs(jobs);
    }
    await utils.withPgClient((client) => client.query('ANALYZE'));
  } finally {
    await utils.release();
  }
  receiver.reset();
  log('(a) starting the graphile-worker process…');
  const worker = new Child('graphile', join(ROOT, 'tools', 'bench', 'dist', 'graphile-worker.js'), {
    PATH: process.env.PATH,
    PEER_URL: url,
    PEER_TARGET: receiver.url,
    PEER_CONCURRENCY: String(config.concurrency),
  });
  try {
    return await measureDrain({
      url,
      child: worker,
      receiver,
      tasks: config.tasks,
      timeoutMs: config.phaseTimeoutMs,
      countDone: async (client) => {
        const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM graphile_worker._private_jobs');
        return config.tasks - Number(rows[0]!.n);
      },
    });
  } finally {
    await worker.stop();
  }
}
