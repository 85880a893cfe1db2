import { type DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG, PlatformModule } from '@hourglass/platform';
import type { SchedulerConfig } from './config.js';
import { LeaderService } from './leader/leader.service.js';
import { BacklogMetrics } from './metrics/backlog-metrics.js';
import { RetentionService } from './retention/retention.service.js';
import { TickService } from './tick/tick.service.js';
import { TickLoopService } from './tick/tick-loop.service.js';
import { NotificationLoopService } from './notifications/notification-loop.service.js';
import { MonitorDeadlinesService } from './monitors/monitor-deadlines.service.js';

@Module({})
export class SchedulerModule {
  static forRoot(config: SchedulerConfig): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [PlatformModule.forRoot({ service: 'scheduler', config, bossRole: 'producer' })],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        LeaderService,
        BacklogMetrics,
        RetentionService,
        TickService,
        TickLoopService,
        NotificationLoopService,
        MonitorDeadlinesService,
      ],
      exports: [LeaderService, RetentionService, TickService, NotificationLoopService, MonitorDeadlinesService],
    };
  }
}
