import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { newId } from '@hourglass/db';
import { BULLMQ_QUEUE, bullmqConnection } from './bullmq-connection.js';
import { measureDrain, type DrainResult } from './drain.js';
import { Child, ROOT } from './services.js';
import type { PhaseContext } from './throughput.js';

const CHUNK = 1_000;

/** Redis at REDIS_URL, or why the peer is skipped. */
async function connectRedis(redisUrl: string): Promise<Redis | string> {
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 1_000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    return `skipped: no Redis at ${redisUrl} (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Deletes every key under this run's prefix (the queue name alone is shared with nobody, but be thorough). */
async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * (a) peer: the same N deliveries as BullMQ jobs under a prefix unique to this run, seeded before
 * timing, drained by a BullMQ Worker in its own process. Returns a note instead when Redis does not answer.
 */
export async function runBullmq(ctx: PhaseContext): Promise<DrainResult | string> {
  const { config, receiver, log } = ctx;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = await connectRedis(redisUrl);
  if (typeof redis === 'string') return redis;
  const prefix = `hourglass-bench-${randomBytes(4).toString('hex')}`;
  const queue = new Queue<{ taskId: string }>(BULLMQ_QUEUE, { connection: bullmqConnection(redisUrl), prefix });
  let worker: Child | undefined;
  try {
    await deleteKeys(redis, prefix);
    log(`(a) seeding ${config.tasks} BullMQ jobs…`);
    for (let done = 0; done < config.tasks; done += CHUNK) {
      const jobs = Array.from({ length: Math.min(CHUNK, config.tasks - done) }, () => ({
        name: BULLMQ_QUEUE,
        data: { taskId: newId() },
      }));
      await queue.addBulk(jobs);
    }
    receiver.reset();
    log('(a) starting the BullMQ worker process…');
    worker = new Child('bullmq', join(ROOT, 'tools', 'bench', 'dist', 'bullmq-worker.js'), {
      PATH: process.env.PATH,
      PEER_REDIS_URL: redisUrl,
      PEER_PREFIX: prefix,
      PEER_TARGET: receiver.url,
      PEER_CONCURRENCY: String(config.concurrency),
    });
    return await measureDrain({
      // No PostgreSQL in this peer: the server's maintenance database only makes its commit count ~0.
      url: ctx.dbs.serverUrl,
      child: worker,
      receiver,
      tasks: config.tasks,
      timeoutMs: config.phaseTimeoutMs,
      countDone: () => queue.getCompletedCount(),
    });
  } finally {
    await worker?.stop();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  }
}
