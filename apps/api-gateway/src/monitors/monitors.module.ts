import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MonitorRepository } from '@hourglass/db';
import { MonitorsController } from './monitors.controller.js';
import { MonitorsService } from './monitors.service.js';
import { PingsController } from './pings.controller.js';
import { PingsService } from './pings.service.js';

@Module({
  controllers: [MonitorsController, PingsController],
  providers: [
    { provide: MonitorRepository, useFactory: (ds: DataSource) => new MonitorRepository(ds), inject: [DataSource] },
    MonitorsService,
    PingsService,
  ],
  exports: [MonitorRepository],
})
export class MonitorsModule {}
