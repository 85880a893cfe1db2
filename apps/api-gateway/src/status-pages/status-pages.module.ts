import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { StatusPageRepository } from '@hourglass/db';
import { PublicStatusController } from './public-status.controller.js';
import { PublicStatusService } from './public-status.service.js';
import { StatusPagesController } from './status-pages.controller.js';
import { StatusPagesService } from './status-pages.service.js';

@Module({
  controllers: [StatusPagesController, PublicStatusController],
  providers: [
    {
      provide: StatusPageRepository,
      useFactory: (ds: DataSource) => new StatusPageRepository(ds),
      inject: [DataSource],
    },
    StatusPagesService,
    PublicStatusService,
  ],
})
export class StatusPagesModule {}
