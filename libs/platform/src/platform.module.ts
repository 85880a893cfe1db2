import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { PgBoss } from 'pg-boss';
import type { BossRole } from '@hourglass/db';
import type { CommonConfig } from './config/common-env.js';
import { AppLogger } from './logging/app-logger.js';
import { Metrics } from './metrics/metrics.js';
import { registerPoolMetrics } from './metrics/pool-metrics.js';
import { Readiness } from './health/readiness.js';
import { HealthController } from './health/health.controller.js';
import { ProblemFilter } from './http/problem.filter.js';
import { createValidationPipe } from './http/validation.pipe.js';
import type { ValidationSettings } from './http/validation-context.js';
import { addDbReadiness, dbProviders } from './db/platform-db.providers.js';
import { shutdownTracing } from './tracing/tracing-sdk.js';

export interface PlatformOptions {
  service: string;
  /** The service's config; the validation pipe reads the `ValidationSettings` in it (create-time target policy). */
  config: Pick<CommonConfig, 'db' | 'log' | 'masterKeys' | 'sealing'> & ValidationSettings;
  bossRole: BossRole;
  /** Commit without waiting for the WAL flush, for services whose writes are all recoverable (docs/decisions/0011). */
  asyncCommit?: boolean;
}

/**
 * What every service shares: JSON logger, metrics, /healthz /readyz /metrics, problem+json errors,
 * strict validation, the DataSource, repositories and pg-boss. Global, so feature modules just inject.
 */
@Module({})
export class PlatformModule implements OnApplicationShutdown {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(PgBoss) private readonly boss: PgBoss,
    @Inject(Readiness) readiness: Readiness,
    @Inject(Metrics) metrics: Metrics,
  ) {
    addDbReadiness(readiness, dataSource);
    registerPoolMetrics(metrics, dataSource);
  }

  static forRoot(options: PlatformOptions): DynamicModule {
    const providers = [
      { provide: AppLogger, useValue: new AppLogger(options.service, options.config.log.level) },
      { provide: Metrics, useValue: new Metrics(options.service) },
      { provide: Readiness, useValue: new Readiness() },
      { provide: APP_FILTER, useClass: ProblemFilter },
      { provide: APP_PIPE, useFactory: () => createValidationPipe(options.config) },
      ...dbProviders(
        { ...options.config.db, masterKeys: options.config.masterKeys, sealing: options.config.sealing },
        options.service,
        options.bossRole,
        options.asyncCommit ?? false,
      ),
    ];
    return {
      module: PlatformModule,
      global: true,
      controllers: [HealthController],
      providers,
      exports: providers.map((p) => ('provide' in p ? p.provide : p)).filter((t) => t !== APP_FILTER && t !== APP_PIPE),
    };
  }

  /**
   * Runs after every service's own drain (beforeApplicationShutdown): close pg-boss, then the pool,
   * then export the spans still batched (the drain's deliveries among them).
   */
  async onApplicationShutdown(): Promise<void> {
    await this.boss.stop({ graceful: false, close: true }).catch(() => undefined);
    await this.dataSource.destroy().catch(() => undefined);
    await shutdownTracing();
  }
}
