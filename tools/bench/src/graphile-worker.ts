/**
 * A peer for (a), run as its own process like the baseline: graphile-worker with batching on (a local
 * queue the pool fills in one fetch, completions batched per tick), `PEER_CONCURRENCY` jobs in flight,
 * each posted through the same undici Agent. Env: PEER_URL, PEER_TARGET, PEER_CONCURRENCY.
 * Stays up after finishing until SIGTERM.
 */
import { Logger, run } from 'graphile-worker';
import { PeerDelivery, requiredEnv as env } from './peer-delivery.js';

/** Per-job info lines would cost the peer more than its queue does; warnings and errors still show. */
const quiet = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') console.error(`graphile-worker ${level}: ${message}`);
});

async function main(): Promise<void> {
  const delivery = new PeerDelivery(env('PEER_TARGET'));
  const concurrency = Number(env('PEER_CONCURRENCY'));
  const runner = await run({
    connectionString: env('PEER_URL'),
    concurrency,
    noHandleSignals: true,
    logger: quiet,
    taskList: { deliver: (payload) => delivery.post((payload as { taskId: string }).taskId) },
    preset: {
      worker: {
        // The README's starting point for batching: a local queue of concurrency + 1, completes batched.
        localQueue: { size: concurrency + 1 },
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
      },
    },
  });
  process.once(
    'SIGTERM',
    () =>
      void runner
        .stop()
        .then(() => delivery.close())
        .finally(() => process.exit(0)),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
