import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Queue, QueueRepository, readyJobs } from '@hourglass/db';
import { Metrics } from '@hourglass/platform';

/**
 * The delivery backlog, read from the database at scrape by every scheduler (the figures are
 * global: alert on their max): due jobs not yet fetched, how long the oldest has waited, and tasks
 * waiting for a slot in their named queue. A scrape while the database is away keeps the last figures.
 */
@Injectable()
export class BacklogMetrics {
  constructor(
    @Inject(Metrics) metrics: Metrics,
    @Inject(DataSource) db: DataSource,
    @Inject(QueueRepository) queues: QueueRepository,
  ) {
    const queue = Queue.Deliver;
    let stats: Promise<{ ready: number; oldestReadyAgeSeconds: number } | undefined> | undefined;
    // Both gauges of one scrape share one query.
    const read = () => {
      stats ??= readyJobs(db.manager, queue)
        .catch(() => undefined)
        .finally(() => setTimeout(() => (stats = undefined), 1_000).unref());
      return stats;
    };
    metrics.gauge('hourglass_queue_ready_jobs', 'Delivery jobs due and not yet fetched', ['queue'], async function () {
      const now = await read();
      if (now) this.set({ queue }, now.ready);
    });
    metrics.gauge(
      'hourglass_queue_oldest_ready_age_seconds',
      'How long the longest-waiting due delivery job has waited for a dispatcher',
      ['queue'],
      async function () {
        const now = await read();
        if (now) this.set({ queue }, now.oldestReadyAgeSeconds);
      },
    );
    metrics.gauge(
      'hourglass_named_queue_waiting_tasks',
      'Tasks waiting for a slot in their named queue (all orgs)',
      [],
      async function () {
        const n = await queues.waitingTotal().catch(() => undefined);
        if (n !== undefined) this.set(n);
      },
    );
  }
}
