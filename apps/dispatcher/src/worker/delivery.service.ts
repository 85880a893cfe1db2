import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PgBoss } from 'pg-boss';
import { AttemptRepository, Channel, cipherOf, Listener, SigningSecretRepository, TaskRepository } from '@hourglass/db';
import { APP_CONFIG, AppLogger, Metrics } from '@hourglass/platform';
import type { DispatcherConfig } from '../config.js';
import { HttpDeliveryClient, SmtpSender, SsrfGuard } from '../delivery/index.js';
import { DeliveryMetrics } from './delivery-metrics.js';
import { DeliveryWorker } from './delivery-worker.js';
import { ResultWriter } from './result-writer.js';
import { SigningSecrets } from './signing-secrets.js';
import { CircuitBreakers } from './circuit-breakers.js';

export const USER_AGENT = 'Hourglass/0.1.0';

/** Wires the delivery loop to Nest's lifecycle: start after boot, drain before shutdown. */
@Injectable()
export class DeliveryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly worker: DeliveryWorker;
  private readonly client: HttpDeliveryClient;
  private readonly smtp: SmtpSender;
  private readonly listener: Listener;

  constructor(
    @Inject(APP_CONFIG) private readonly config: DispatcherConfig,
    @Inject(DataSource) db: DataSource,
    @Inject(PgBoss) boss: PgBoss,
    @Inject(TaskRepository) tasks: TaskRepository,
    @Inject(AttemptRepository) attempts: AttemptRepository,
    @Inject(SigningSecretRepository) signingSecrets: SigningSecretRepository,
    @Inject(AppLogger) private readonly logger: AppLogger,
    @Inject(Metrics) metrics: Metrics,
  ) {
    const circuits = new CircuitBreakers(config.circuit);
    const deliveryMetrics = new DeliveryMetrics(metrics, () => circuits.openCount);
    const guard = new SsrfGuard(config.privateTargets);
    this.client = new HttpDeliveryClient({ guard, userAgent: USER_AGENT });
    this.smtp = new SmtpSender(config.smtp);
    const onError = (error: Error, where: string) =>
      this.logger.warn({ msg: `delivery ${where} failed`, err: error }, 'Delivery');
    const dataKeys = cipherOf(db).keys;
    const secrets = new SigningSecrets(signingSecrets, dataKeys.ring);
    const writer = new ResultWriter(
      db,
      boss,
      tasks,
      attempts,
      (error, size) => {
        deliveryMetrics.settleErrors.inc();
        onError(error, `settle of ${size}`);
      },
      () => this.worker.resultsWritten(),
    );
    this.worker = new DeliveryWorker(
      { ...config.delivery, userAgent: USER_AGENT },
      {
        boss,
        tasks,
        client: this.client,
        smtp: this.smtp,
        secrets,
        writer,
        circuits,
        metrics: deliveryMetrics,
        onError,
      },
    );
    this.listener = new Listener({
      url: config.db.url,
      channels: [Channel.TasksReady, Channel.SigningSecretsChanged, Channel.OrgDeleted],
      onNotify: (channel, payload) => {
        if (channel === Channel.TasksReady) return this.worker.wake();
        secrets.forget(payload);
        if (channel === Channel.OrgDeleted) dataKeys.forget(payload);
      },
      onConnect: () => {
        secrets.forgetAll();
        dataKeys.forgetAll();
        this.worker.wake();
      },
      onError: (error) => onError(error, 'listen'),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.localMode) this.logger.warn('local mode: private and loopback targets are allowed', 'Delivery');
    await this.listener.start();
    this.worker.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.listener.stop();
    await this.worker.stop(this.config.shutdownGraceMs);
    await this.client.close();
    this.smtp.close();
  }
}
