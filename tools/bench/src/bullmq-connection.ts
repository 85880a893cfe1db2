import type { ConnectionOptions } from 'bullmq';

export const BULLMQ_QUEUE = 'deliver';

/** BullMQ's own ioredis from a redis:// URL (workers need `maxRetriesPerRequest: null`). */
export function bullmqConnection(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    db: Number(url.pathname.slice(1) || 0),
    maxRetriesPerRequest: null,
  };
}
