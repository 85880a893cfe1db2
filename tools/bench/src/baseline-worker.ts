/**
 * The ceiling for (a), run as its own process like the dispatcher: pg-boss fetch (batches of up to
 * 100, refilled as slots free) → undici request through a keep-alive Agent (200 in flight) →
 * boss.complete in batches. No task rows, no attempts, no signing. Env: BASELINE_URL, BASELINE_TARGET,
 * BASELINE_TASKS, BASELINE_CONCURRENCY, BASELINE_BATCH. Stays up after finishing until SIGTERM.
 */
import type { Job, PgBoss } from 'pg-boss';
import { ASYNC_COMMIT, createBoss, Queue, type JobPayloads } from '@hourglass/db';
import { PeerDelivery, requiredEnv as env } from './peer-delivery.js';

type DeliverJob = Job<JobPayloads[typeof Queue.Deliver]>;

/** Completes finished jobs in batches: whatever piled up while the previous complete ran. */
class Completer {
  private pending: string[] = [];
  private flushing?: Promise<void>;
  completed = 0;

  constructor(private readonly boss: PgBoss) {}

  add(id: string): void {
    this.pending.push(id);
    this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
  }

  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const ids = this.pending.splice(0, 500);
      await this.boss.complete(Queue.Deliver, ids);
      this.completed += ids.length;
    }
  }
}

async function main(): Promise<void> {
  const [target, total, concurrency, batchSize] = [
    env('BASELINE_TARGET'),
    Number(env('BASELINE_TASKS')),
    Number(env('BASELINE_CONCURRENCY')),
    Number(env('BASELINE_BATCH')),
  ];
  // The same pg-boss role (pool of 4, supervising), commit mode and Agent settings as the dispatcher's.
  const boss = createBoss(env('BASELINE_URL'), 'worker', ASYNC_COMMIT);
  boss.on('error', (error) => console.error('pg-boss:', error.message));
  await boss.start();
  const delivery = new PeerDelivery(target);
  const completer = new Completer(boss);
  const inFlight = new Set<Promise<void>>();
  const refillAt = Math.min(batchSize, Math.ceil(concurrency / 4));
  const deliver = async (job: DeliverJob) => {
    await delivery.post(job.data.taskId);
    completer.add(job.id);
  };
  let fetched = 0;
  while (fetched < total) {
    const free = concurrency - inFlight.size;
    if (free < refillAt && inFlight.size > 0) {
      await Promise.race(inFlight);
      continue;
    }
    const jobs = await boss.fetch<JobPayloads[typeof Queue.Deliver]>(Queue.Deliver, {
      batchSize: Math.min(free, batchSize),
    });
    fetched += jobs.length;
    if (jobs.length === 0) await new Promise((done) => setTimeout(done, 50));
    for (const job of jobs) {
      const p: Promise<void> = deliver(job).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }
  await Promise.all(inFlight);
  await completer.drain();
  console.log(JSON.stringify({ completed: completer.completed }));
  process.once(
    'SIGTERM',
    () =>
      void boss
        .stop({ graceful: false })
        .then(() => delivery.close())
        .finally(() => process.exit(0)),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
