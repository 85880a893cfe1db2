import { Module } from '@nestjs/common';
import { TasksModule } from '../tasks/tasks.module.js';
import { EndpointsController } from './endpoints.controller.js';
import { EndpointsService } from './endpoints.service.js';
import { IngestController } from './ingest.controller.js';
import { IngestService } from './ingest.service.js';

@Module({
  imports: [TasksModule],
  controllers: [EndpointsController, IngestController],
  providers: [EndpointsService, IngestService],
})
export class InboundModule {}
