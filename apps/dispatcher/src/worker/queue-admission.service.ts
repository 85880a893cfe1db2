import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PgBoss } from 'pg-boss';
import { Channel, Listener, QueueAdmissionRepository } from '@hourglass/db';
import { APP_CONFIG, AppLogger } from '@hourglass/platform';
import type { DispatcherConfig } from '../config.js';
import { DeliveryService } from './delivery.service.js';
import { QueueAdmitter } from './queue-admitter.js';

/**
 * Runs the named-queue admitter next to the delivery loop. Its own LISTEN connection: a new task
 * (or a queue resumed or loosened through the API) wakes it at once instead of at the next poll.
 */
@Injectable()
export class QueueAdmissionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly admitter: QueueAdmitter;
  private readonly listener: Listener;

  constructor(
    @Inject(APP_CONFIG) config: DispatcherConfig,
    @Inject(DataSource) db: DataSource,
    @Inject(PgBoss) boss: PgBoss,
    @Inject(QueueAdmissionRepository) admission: QueueAdmissionRepository,
    @Inject(DeliveryService) delivery: DeliveryService,
    @Inject(AppLogger) logger: AppLogger,
  ) {
    const onError = (error: Error) => logger.warn({ msg: 'queue admission failed', err: error }, 'QueueAdmission');
    this.admitter = new QueueAdmitter(config.queues.pollMs, {
      db,
      boss,
      admission,
      onAdmitted: () => delivery.worker.wake(),
      onError,
    });
    this.listener = new Listener({
      url: config.db.url,
      channels: [Channel.TasksReady],
      onNotify: () => this.admitter.wake(),
      onConnect: () => this.admitter.wake(),
      onError,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.start();
    this.admitter.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.listener.stop();
    await this.admitter.stop();
  }
}
