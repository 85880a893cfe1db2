import { type DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG, PlatformModule } from '@hourglass/platform';
import { KeyRing } from '@hourglass/crypto';
import type { ApiGatewayConfig } from './config.js';
import { AuthModule } from './auth/auth.module.js';
import { RateLimitsModule } from './rate-limits/rate-limits.module.js';
import { OrgsModule } from './orgs/orgs.module.js';
import { ApiKeysModule } from './api-keys/api-keys.module.js';
import { TasksModule } from './tasks/tasks.module.js';
import { SchedulesModule } from './schedules/schedules.module.js';
import { DocsModule } from './docs/docs.module.js';
import { IdempotencyModule } from './idempotency/idempotency.module.js';
import { SigningSecretsModule } from './signing-secrets/signing-secrets.module.js';
import { QueuesModule } from './queues/queues.module.js';
import { DeadLettersModule } from './dead-letters/dead-letters.module.js';
import { AuditLogModule } from './audit/audit-log.module.js';
import { InboundModule } from './inbound/inbound.module.js';
import { MonitorsModule } from './monitors/monitors.module.js';
import { StatusPagesModule } from './status-pages/status-pages.module.js';
import { HttpMetrics } from './metrics/http-metrics.js';
import { NotificationsModule } from './notifications/notifications.module.js';

/**
 * Everything global (config, key ring, auth guard) is provided here, so e2e tests boot exactly what production boots.
 */
@Module({})
export class ApiGatewayModule {
  static forRoot(config: ApiGatewayConfig): DynamicModule {
    return {
      module: ApiGatewayModule,
      global: true,
      imports: [
        PlatformModule.forRoot({ service: 'api-gateway', config, bossRole: 'producer' }),
        AuthModule,
        RateLimitsModule,
        OrgsModule,
        ApiKeysModule,
        TasksModule,
        SchedulesModule,
        DocsModule,
        IdempotencyModule,
        DeadLettersModule,
        SigningSecretsModule,
        QueuesModule,
        AuditLogModule,
        InboundModule,
        NotificationsModule,
        MonitorsModule,
        StatusPagesModule,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: KeyRing, useValue: new KeyRing(config.masterKeys) },
        HttpMetrics,
      ],
      exports: [APP_CONFIG, KeyRing],
    };
  }
}
