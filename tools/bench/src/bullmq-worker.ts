/**
 * A peer for (a), run as its own process like the baseline: a BullMQ Worker (Redis) posting each job
 * through the same undici Agent, `PEER_CONCURRENCY` jobs in flight. Env: PEER_REDIS_URL, PEER_PREFIX,
 * PEER_TARGET, PEER_CONCURRENCY. Stays up after finishing until SIGTERM.
 */
import { Worker } from 'bullmq';
import { PeerDelivery, requiredEnv as env } from './peer-delivery.js';
import { BULLMQ_QUEUE, bullmqConnection } from './bullmq-connection.js';

async function main(): Promise<void> {
  const delivery = new PeerDelivery(env('PEER_TARGET'));
  const worker = new Worker<{ taskId: string }>(BULLMQ_QUEUE, (job) => delivery.post(job.data.taskId), {
    connection: bullmqConnection(env('PEER_REDIS_URL')),
    prefix: env('PEER_PREFIX'),
    concurrency: Number(env('PEER_CONCURRENCY')),
  });
  worker.on('error', (error) => console.error('bullmq:', error.message));
  worker.on('failed', (job, error) => console.error(`bullmq job ${job?.id} failed:`, error.message));
  await worker.waitUntilReady();
  process.once(
    'SIGTERM',
    () =>
      void worker
        .close(true)
        .then(() => delivery.close())
        .finally(() => process.exit(0)),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
