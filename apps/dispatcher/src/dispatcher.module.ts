import { type DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG, PlatformModule } from '@hourglass/platform';
import type { DispatcherConfig } from './config.js';
import { DeliveryService } from './worker/delivery.service.js';
import { QueueAdmissionService } from './worker/queue-admission.service.js';
import { MonitorChecksService } from './monitors/monitor-checks.service.js';

@Module({})
export class DispatcherModule {
  static forRoot(config: DispatcherConfig): DynamicModule {
    return {
      module: DispatcherModule,
      imports: [PlatformModule.forRoot({ service: 'dispatcher', config, bossRole: 'worker', asyncCommit: true })],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        DeliveryService,
        QueueAdmissionService,
        MonitorChecksService,
      ],
      exports: [DeliveryService, QueueAdmissionService],
    };
  }
}
